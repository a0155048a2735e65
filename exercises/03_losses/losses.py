"""Losses: how wrong a prediction is, as one number, and its gradient.

Every loss here averages over its elements (PyTorch's ``reduction="mean"``) and returns a Python
``float``. Every ``*_grad`` takes the same arguments as its loss and returns the gradient of that
mean with respect to the **first** argument, an array of the first argument's shape. Because of
the mean, every gradient carries a ``1/n`` factor (``n`` the number of averaged terms).

Regression (``n`` = total number of elements, ``d = y_pred - y_true``):

    mse = mean(d**2)          mse_grad = 2 * d / n           (no factor 1/2)
    mae = mean(|d|)           mae_grad = sign(d) / n         (0 where d == 0)

    y_pred = [1, 2, 3], y_true = [1, 1, 1]:  d = [0, 1, 2]
    mse = (0 + 1 + 4) / 3 = 1.6667      mse_grad = [0, 2/3, 4/3] = [0, 0.6667, 1.3333]
    mae = (0 + 1 + 2) / 3 = 1.0         mae_grad = [0, 1/3, 1/3]

Binary cross-entropy, for probabilities ``p`` in [0, 1] and targets ``y`` in {0, 1} of the same
shape (a vector ``(N,)``, or multi-label ``(N, K)``: then the mean is over all N*K entries):

    bce = -mean(y * log(p) + (1 - y) * log(1 - p))

    p = [0.9, 0.2], y = [1, 0]:  bce = -(log 0.9 + log 0.8) / 2 = (0.10536 + 0.22314) / 2 = 0.16425
    d bce / d p = (p - y) / (p * (1 - p)) / n = [-0.5556, 0.6250]

``log(0)`` is ``-inf``, so first clip ``p`` into ``[eps, 1 - eps]`` (``np.clip``). A p of
exactly 0 with y = 1 then costs ``-log(1e-7) = 16.118`` instead of infinity.

With logits ``z`` (``p = sigmoid(z)``) the loss can be written without ever forming ``p``:

    bce_with_logits = mean(max(z, 0) - z * y + log(1 + exp(-|z|)))     (use np.log1p)
    gradient        = (sigmoid(z) - y) / n

    z = [2, -1], y = [1, 0]:  terms = [0.12693, 0.31326], loss = 0.22009
                              gradient = [(0.88080 - 1) / 2, (0.26894 - 0) / 2] = [-0.05960, 0.13447]

Multi-class, ``p (N, K)`` rows of probabilities, target one-hot ``y (N, K)`` or integer labels
``(N,)``. The mean is over the N samples only (each row's sum over K is one sample's loss):

    cce = -(1/N) * sum_i sum_k y_ik * log(clip(p_ik))          = -(1/N) * sum_i log(clip(p[i, label_i]))

    p = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], labels = [0, 2]  (one-hot [[1,0,0],[0,0,1]])
    cce = -(log 0.7 + log 0.6) / 2 = 0.43375
    d cce / d p = -y / p / N = [[-0.7143, 0, 0], [0, 0, -0.8333]]

From logits ``z (N, K)`` (``p = softmax(z)``), with ``logsumexp(z) = m + log(sum(exp(z - m)))``,
``m`` the row max (stable for any magnitude):

    softmax_ce = mean_i(logsumexp(z_i) - z[i, label_i])       gradient = (softmax(z) - onehot) / N

    z = [[2, 1, 0]], labels = [0]:  logsumexp = 2 + log(1 + e^-1 + e^-2) = 2.40761
                                    loss = 2.40761 - 2 = 0.40761
                                    gradient = [0.66524 - 1, 0.24473, 0.09003]

This is exactly ``torch.nn.functional.cross_entropy(z, labels)``.

About clipping and gradients: the clipped losses are graded on the loss everywhere (including p
exactly 0 or 1) but on the gradient only where ``eps < p < 1 - eps``, so write the gradient of the
unclipped formula (or of the clipped one: they agree there). Never modify the inputs in place.
"""
import numpy as np


def mse(y_pred, y_true):
    """Mean squared error: ``mean((y_pred - y_true)**2)`` over all elements.

    Args:
        y_pred, y_true: float arrays of the same shape (any).

    Returns:
        Python float. No factor 1/2.
    """
    raise NotImplementedError


def mse_grad(y_pred, y_true):
    """Gradient of ``mse`` with respect to ``y_pred``: ``2 * (y_pred - y_true) / n``.

    Args:
        y_pred, y_true: float arrays of the same shape; n = y_pred.size.

    Returns:
        float array, shape of y_pred.
    """
    raise NotImplementedError


def mae(y_pred, y_true):
    """Mean absolute error: ``mean(|y_pred - y_true|)`` over all elements.

    Args:
        y_pred, y_true: float arrays of the same shape.

    Returns:
        Python float.
    """
    raise NotImplementedError


def mae_grad(y_pred, y_true):
    """(Sub)gradient of ``mae`` with respect to ``y_pred``: ``sign(y_pred - y_true) / n``.

    Args:
        y_pred, y_true: float arrays of the same shape; n = y_pred.size.

    Returns:
        float array, shape of y_pred; exactly 0 where y_pred == y_true (``np.sign(0) == 0``,
        as PyTorch's l1_loss).
    """
    raise NotImplementedError


def binary_cross_entropy(p, y, eps=1e-7):
    """Binary cross-entropy of probabilities ``p`` against 0/1 targets ``y``.

    ``-mean(y * log(q) + (1 - y) * log(1 - q))`` with ``q = clip(p, eps, 1 - eps)``.

    Args:
        p: float array ``(N,)`` or ``(N, K)`` (multi-label), values in [0, 1] (0 and 1 included).
        y: float array of 0.0/1.0, same shape as p.
        eps: float, the clipping margin (default 1e-7).

    Returns:
        Python float; the mean is over all elements (N*K for multi-label). Finite even where p
        is exactly 0 or 1, thanks to the clip.
    """
    raise NotImplementedError


def binary_cross_entropy_grad(p, y, eps=1e-7):
    """Gradient of ``binary_cross_entropy`` with respect to ``p``.

    ``(-y / p + (1 - y) / (1 - p)) / n``, i.e. ``(p - y) / (p * (1 - p)) / n``, n = p.size.

    Args:
        p, y, eps: as in ``binary_cross_entropy``.

    Returns:
        float array, shape of p. Checked only where eps < p < 1 - eps.
    """
    raise NotImplementedError


def binary_cross_entropy_with_logits(z, y):
    """Binary cross-entropy of ``sigmoid(z)`` against ``y``, computed from the logits ``z``.

    ``mean(max(z, 0) - z * y + log1p(exp(-|z|)))``, equal to
    ``torch.nn.functional.binary_cross_entropy_with_logits(z, y)``.

    Args:
        z: float array ``(N,)`` or ``(N, K)``, logits of any magnitude.
        y: float array of 0.0/1.0, same shape.

    Returns:
        Python float. Stable for any finite z (e.g. +-1000): no overflow, no warning, no inf.
        Computing sigmoid(z) and then its log is not stable (log(0) for z = -1000).
    """
    raise NotImplementedError


def binary_cross_entropy_with_logits_grad(z, y):
    """Gradient of ``binary_cross_entropy_with_logits`` with respect to ``z``.

    ``(sigmoid(z) - y) / n``, n = z.size, with a stable sigmoid.

    Args:
        z, y: as in ``binary_cross_entropy_with_logits``.

    Returns:
        float array, shape of z; stable for any finite z.
    """
    raise NotImplementedError


def categorical_cross_entropy(p, y_onehot, eps=1e-7):
    """Cross-entropy of probability rows ``p`` against one-hot targets.

    ``-(1/N) * sum(y_onehot * log(clip(p, eps, 1 - eps)))``

    Args:
        p: float array ``(N, K)``, each row a probability distribution (entries may be 0 or 1).
        y_onehot: float array ``(N, K)``, one 1.0 per row.
        eps: float, the clipping margin (default 1e-7); clip to [eps, 1 - eps], as the binary case.

    Returns:
        Python float: the mean over the N samples (not over N*K elements).
    """
    raise NotImplementedError


def categorical_cross_entropy_grad(p, y_onehot, eps=1e-7):
    """Gradient of ``categorical_cross_entropy`` with respect to ``p``: ``-y_onehot / p / N``.

    Args:
        p, y_onehot, eps: as in ``categorical_cross_entropy``.

    Returns:
        float array ``(N, K)``; 0 wherever y_onehot is 0. Checked where eps < p < 1 - eps.
    """
    raise NotImplementedError


def sparse_categorical_cross_entropy(p, labels, eps=1e-7):
    """Categorical cross-entropy with integer class labels instead of one-hot rows.

    ``-(1/N) * sum_i log(clip(p[i, labels[i]], eps, 1 - eps))``

    Args:
        p: float array ``(N, K)`` of probability rows.
        labels: int array ``(N,)``, values in [0, K).
        eps: float (default 1e-7).

    Returns:
        Python float. Hint: ``p[np.arange(N), labels]`` picks one entry per row.
    """
    raise NotImplementedError


def sparse_categorical_cross_entropy_grad(p, labels, eps=1e-7):
    """Gradient of ``sparse_categorical_cross_entropy`` with respect to ``p``.

    Zero everywhere except ``grad[i, labels[i]] = -1 / (p[i, labels[i]] * N)``.

    Args:
        p, labels, eps: as in ``sparse_categorical_cross_entropy``.

    Returns:
        float array ``(N, K)``. Checked where eps < p < 1 - eps.
    """
    raise NotImplementedError


def softmax_cross_entropy_with_logits(z, labels):
    """Softmax followed by cross-entropy, from logits: ``torch.nn.functional.cross_entropy``.

    ``mean_i(logsumexp(z[i]) - z[i, labels[i]])``, with a max-shifted logsumexp.

    Args:
        z: float array ``(N, K)``, logits of any magnitude.
        labels: int array ``(N,)``, values in [0, K).

    Returns:
        Python float; stable (finite, warning-free) for any finite z.
    """
    raise NotImplementedError


def softmax_cross_entropy_with_logits_grad(z, labels):
    """Gradient of ``softmax_cross_entropy_with_logits`` with respect to ``z``.

    ``(softmax(z) - onehot(labels)) / N`` with a max-shifted softmax over the last axis.

    Args:
        z, labels: as in ``softmax_cross_entropy_with_logits``.

    Returns:
        float array ``(N, K)``; each row sums to 0.
    """
    raise NotImplementedError
