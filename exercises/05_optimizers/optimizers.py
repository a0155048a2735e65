"""Optimizers: how a gradient becomes a parameter update (torch.optim's exact rules).

Every optimizer here is a class built from a list of parameter arrays. ``step(grads)`` receives a
list of gradient arrays (same order and shapes) and updates the parameters **in place**
(``p -= ...`` or ``p[...] = ...``), because the arrays belong to the model: an optimizer that
builds new arrays (``p = p - lr*g``) leaves the model unchanged. State (momentum buffers, moment
estimates, step counter) lives in the optimizer, one entry per parameter.

**SGD with momentum** (torch.optim.SGD, no dampening). The buffer starts as the first gradient:

    b_1 = g_1;   b_t = momentum * b_{t-1} + g_t
    plain:    p -= lr * b_t
    Nesterov: p -= lr * (g_t + momentum * b_t)

Worked example, lr = 0.1, momentum = 0.9, gradients 1, 1 on p = 0:
plain: b = 1, p = -0.1; b = 0.9*1 + 1 = 1.9, p = -0.1 - 0.19 = -0.29.
Nesterov: b = 1, p -= 0.1*(1 + 0.9) -> -0.19; b = 1.9, p -= 0.1*(1 + 1.71) -> -0.461.

**RMSprop** (torch.optim.RMSprop): a running mean of squared gradients, starting at 0, with
eps added *outside* the square root:

    v_t = alpha * v_{t-1} + (1 - alpha) * g_t**2;   p -= lr * g_t / (sqrt(v_t) + eps)

Example, alpha = 0.99, g = 1: v = 0.01, sqrt(v) = 0.1, so the first step is 10*lr (RMSprop has
no bias correction, so early steps are large).

**Adam** (torch.optim.Adam). With ``weight_decay`` the decay is *coupled*: it is added to the
gradient first, g_t <- g_t + weight_decay * p, then

    m_t = beta1 * m_{t-1} + (1 - beta1) * g_t
    v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2
    m_hat = m_t / (1 - beta1**t);   v_hat = v_t / (1 - beta2**t)      (t counts from 1)
    p -= lr * m_hat / (sqrt(v_hat) + eps)

Example, first step, g = 0.5, lr = 0.1: m = 0.05, v = 0.00025, m_hat = 0.5, v_hat = 0.25,
p -= 0.1 * 0.5 / (0.5 + 1e-8) ~ 0.1. Bias correction makes the first step ~lr whatever the
gradient's scale: with g = 1e-8 the step is lr * 1e-8 / (1e-8 + 1e-8) = lr/2 -- this is where the
placement of eps shows.

**AdamW** (torch.optim.AdamW): the same moments, but the decay is *decoupled*: before the Adam
update, p -= lr * weight_decay * p, and the gradient itself is not changed.

**Mini-batches.** ``minibatches`` shuffles the row indices once per call (with the given
``numpy.random.Generator``, so a seed reproduces the order), then yields consecutive slices of
``batch_size`` rows of X and the matching rows of y; the last batch keeps the remainder.
"""
import numpy as np


class SGD:
    """Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD.

    Args:
        params: list of float arrays, updated in place by ``step``.
        lr: learning rate.
        momentum: momentum factor (0 means plain SGD: ``p -= lr * g``).
        nesterov: use Nesterov momentum (``p -= lr * (g + momentum * b)``).
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        raise NotImplementedError

    def step(self, grads):
        """Update every parameter in place from ``grads`` (a list, same shapes as ``params``)."""
        raise NotImplementedError


class RMSprop:
    """RMSprop as torch.optim.RMSprop: ``p -= lr * g / (sqrt(v) + eps)``, v a running mean of g**2."""

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        raise NotImplementedError

    def step(self, grads):
        """Update every parameter in place."""
        raise NotImplementedError


class Adam:
    """Adam with bias correction and coupled weight decay (``g + weight_decay * p``), as torch.optim.Adam."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        raise NotImplementedError

    def step(self, grads):
        """Update every parameter in place."""
        raise NotImplementedError


class AdamW:
    """AdamW as torch.optim.AdamW: ``p -= lr * weight_decay * p``, then the Adam update of g."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        raise NotImplementedError

    def step(self, grads):
        """Update every parameter in place."""
        raise NotImplementedError


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    """Yield ``(Xb, yb)`` mini-batches covering every row exactly once.

    Args:
        X: array ``(N, ...)``; y: array ``(N, ...)`` (rows match X's).
        batch_size: rows per batch; the last batch has the remaining ``N % batch_size`` rows
            (it is kept, never dropped, and there is no empty batch).
        shuffle: if False, rows come in their original order.
        rng: a ``numpy.random.Generator``, the only source of randomness (same seed -> same
            order); None means a fresh ``np.random.default_rng()``.

    Yields:
        ``(X[idx], y[idx])`` for consecutive slices ``idx`` of the (shuffled) row indices.
    """
    raise NotImplementedError
