"""Regularization: weight penalties, dropout, batch normalization and early stopping.

**Weight penalties** are added to the loss; their gradients are added to the weights' gradients.
Both take a list of weight arrays and sum over all of their elements:

    L2:  lam * sum(w**2)      gradient  2 * lam * w
    L1:  lam * sum(|w|)       gradient  lam * sign(w), with 0 where w == 0 (as PyTorch)

Example, weights [[1, -2]], [3, 0] and lam = 0.1: L2 = 0.1*(1 + 4 + 9 + 0) = 1.4, gradient
[[0.2, -0.4]], [0.6, 0]; L1 = 0.1*(1 + 2 + 3 + 0) = 0.6, gradient [[0.1, -0.1]], [0.1, 0].

**Inverted dropout** (p = probability of *dropping* a unit). In training each unit is kept with
probability 1 - p and the kept ones are scaled by 1/(1 - p), so the expected output equals the
input and nothing has to change at test time, where dropout is the identity. Example, x = [1, 2,
3, 4], p = 0.5, keep-mask [True, False, True, False] -> [2, 0, 6, 0].

**Batch normalization** (x of shape (N, D), statistics per feature over the batch), torch's rules:

    training:  mu = x.mean(0),  var = x.var(0) (biased: divide by N)
               out = gamma * (x - mu) / sqrt(var + eps) + beta
               running_mean <- (1 - momentum) * running_mean + momentum * mu
               running_var  <- (1 - momentum) * running_var  + momentum * var * N / (N - 1)   (unbiased)
    eval:      out = gamma * (x - running_mean) / sqrt(running_var + eps) + beta   (no update)

Example, one feature, x = [1, 2, 3, 4], gamma = 1, beta = 0, running stats 0 and 1, momentum 0.1:
mu = 2.5, biased var = 1.25, out = [-1.342, -0.447, 0.447, 1.342]; unbiased var = 5/3, so
running_mean = 0.25 and running_var = 0.9*1 + 0.1*5/3 = 1.0667.

Backward (training mode), with xhat = (x - mu) / sqrt(var + eps) and g = grad_out:

    dbeta = g.sum(0);   dgamma = (g * xhat).sum(0)
    dx = gamma / sqrt(var + eps) * (g - g.mean(0) - xhat * (g * xhat).mean(0))

(the two subtracted terms come from mu and var depending on every x in the batch).

**Early stopping** watches the validation loss: a step *improves* when val_loss < best_loss -
min_delta; then it records best_loss and a copy of the weights and resets its counter, otherwise
the counter grows, and step returns True once the counter reaches patience.
"""
import numpy as np


def l2_penalty(weights, lam):
    """``lam * sum(w**2)`` over every array in the list ``weights``; a Python float."""
    raise NotImplementedError


def l2_penalty_grad(weights, lam):
    """The gradient of l2_penalty: a list of arrays ``2 * lam * w``, one per weight array."""
    raise NotImplementedError


def l1_penalty(weights, lam):
    """``lam * sum(|w|)`` over every array in the list ``weights``; a Python float."""
    raise NotImplementedError


def l1_penalty_grad(weights, lam):
    """The (sub)gradient of l1_penalty: a list of arrays ``lam * sign(w)`` (0 where w == 0)."""
    raise NotImplementedError


def dropout(x, p, training, rng):
    """Inverted dropout.

    Args:
        x: float array of any shape.
        p: probability of dropping each unit, ``0 <= p < 1``.
        training: if False, return ``x`` unchanged (a copy is fine).
        rng: a ``numpy.random.Generator``, the only source of randomness.

    Returns:
        an array shaped like ``x``: each element is 0 with probability p, else ``x / (1 - p)``.
    """
    raise NotImplementedError


def dropout_with_mask(x, mask, p):
    """Inverted dropout with a given boolean keep-mask (True = keep): ``where(mask, x / (1 - p), 0)``."""
    raise NotImplementedError


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Batch normalization of ``x (N, D)`` per feature, as torch.nn.BatchNorm1d.

    Args:
        gamma, beta, running_mean, running_var: arrays ``(D,)``.
        training: True normalises with the batch statistics and updates the running ones; False
            normalises with the running statistics and returns them unchanged.

    Returns:
        ``(out, new_running_mean, new_running_var)``; the inputs are not modified.
    """
    raise NotImplementedError


def batchnorm_backward(x, gamma, grad_out, eps=1e-5):
    """Gradients of training-mode batch normalization (batch statistics, biased variance).

    Returns:
        ``(dx (N, D), dgamma (D,), dbeta (D,))``.
    """
    raise NotImplementedError


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` steps.

    ``best_loss`` starts at ``inf``; ``best_weights`` holds copies of the weights (a list of
    arrays) from the best step, so later in-place updates of the model do not change them.
    """

    def __init__(self, patience, min_delta=0.0):
        raise NotImplementedError

    def step(self, val_loss, weights):
        """Record one validation loss; ``weights`` is a list of arrays. Return True to stop now.

        Improvement: ``val_loss < best_loss - min_delta`` (an equal loss is no improvement).
        """
        raise NotImplementedError
