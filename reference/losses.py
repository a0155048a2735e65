"""PyTorch references of the losses exercise.

Losses return Python floats; every ``*_grad`` is autograd's gradient of the loss with respect
to its first argument. Where the course's contract differs from torch's built-in (clipping
probabilities to [eps, 1 - eps] instead of clamping the log at -100), the contract's formula is
written in torch ops.
"""
import torch
import torch.nn.functional as F


def _grad(loss_fn, first, *rest):
    """Gradient of the scalar ``loss_fn(first, *rest)`` with respect to ``first``."""
    first = first.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss_fn(first, *rest).backward()
    return first.grad


def _mse(y_pred, y_true):
    return F.mse_loss(y_pred, y_true)


def mse(y_pred, y_true):
    return _mse(y_pred, y_true).item()


def mse_grad(y_pred, y_true):
    return _grad(_mse, y_pred, y_true)


def _mae(y_pred, y_true):
    return F.l1_loss(y_pred, y_true)  # its gradient is sign(d) / n, 0 where d == 0


def mae(y_pred, y_true):
    return _mae(y_pred, y_true).item()


def mae_grad(y_pred, y_true):
    return _grad(_mae, y_pred, y_true)


def _bce(p, y, eps=1e-7):
    # F.binary_cross_entropy clamps log(p) at -100; the contract clips p to [eps, 1 - eps].
    q = torch.clamp(p, eps, 1.0 - eps)
    return -(y * torch.log(q) + (1.0 - y) * torch.log(1.0 - q)).mean()


def binary_cross_entropy(p, y, eps=1e-7):
    return _bce(p, y, eps).item()


def binary_cross_entropy_grad(p, y, eps=1e-7):
    return _grad(_bce, p, y, eps)


def _bce_logits(z, y):
    return F.binary_cross_entropy_with_logits(z, y)


def binary_cross_entropy_with_logits(z, y):
    return _bce_logits(z, y).item()


def binary_cross_entropy_with_logits_grad(z, y):
    return _grad(_bce_logits, z, y)


def _cce(p, y_onehot, eps=1e-7):
    q = torch.clamp(p, eps, 1.0 - eps)
    return -(y_onehot * torch.log(q)).sum(dim=-1).mean()


def categorical_cross_entropy(p, y_onehot, eps=1e-7):
    return _cce(p, y_onehot, eps).item()


def categorical_cross_entropy_grad(p, y_onehot, eps=1e-7):
    return _grad(_cce, p, y_onehot, eps)


def _sparse_cce(p, labels, eps=1e-7):
    # nll_loss(log q, labels) = mean_i -log q[i, labels[i]]
    return F.nll_loss(torch.log(torch.clamp(p, eps, 1.0 - eps)), labels)


def sparse_categorical_cross_entropy(p, labels, eps=1e-7):
    return _sparse_cce(p, labels, eps).item()


def sparse_categorical_cross_entropy_grad(p, labels, eps=1e-7):
    return _grad(_sparse_cce, p, labels, eps)


def _softmax_ce(z, labels):
    return F.cross_entropy(z, labels)


def softmax_cross_entropy_with_logits(z, labels):
    return _softmax_ce(z, labels).item()


def softmax_cross_entropy_with_logits_grad(z, labels):
    return _grad(_softmax_ce, z, labels)
