"""Backpropagation: gradients by the chain rule, checked by finite differences.

A network is a chain of functions; its loss L is a scalar. Backpropagation walks the chain
backwards, turning "the gradient of L with respect to my output" (``grad_out``) into "the
gradient of L with respect to my input and my parameters", one layer at a time.

**Numerical gradient (the ground truth you check against).** For a scalar function f and one
coordinate i, the central difference

    df/dx_i  ~  ( f(x + eps*e_i) - f(x - eps*e_i) ) / (2*eps)

has an error of order eps**2, while the one-sided difference (f(x + eps*e_i) - f(x)) / eps has an
error of order eps (about eps/2 * f''(x)). Worked example, f(x) = x0**2 + 3*x1 at x = [1, 2],
eps = 1e-3:

    ( f([1.001, 2]) - f([0.999, 2]) ) / 0.002 = (7.002001 - 6.998001) / 0.002 = 2.0   (exact: 2*x0 = 2)
    ( f([1, 2.001]) - f([1, 1.999]) ) / 0.002 = (7.003 - 6.997) / 0.002     = 3.0   (exact: 3)
    one-sided for x0: ( f([1.001, 2]) - f([1, 2]) ) / 0.001 = 2.001       (error eps*1)

Checking code typically calls it as ``numerical_gradient(lambda _: net.loss(X, y), net.W)``: the
function ignores its argument and reads ``net.W`` itself. That only works if you perturb the very
array ``x`` you were given (``x[i] = old + eps``), call f, and put the original value back.

**Dense layer.** out = x @ W + b with x (N, Din), W (Din, Dout), b (Dout,). Given
grad_out = dL/dout (N, Dout):

    dx = grad_out @ W.T      (N, Dout) @ (Dout, Din) -> (N, Din)
    dW = x.T @ grad_out      (Din, N)  @ (N, Dout)   -> (Din, Dout)
    db = grad_out.sum(axis=0)                        -> (Dout,)   (b is used by every row)

Worked example: x = [[1, 2]], W = [[1, 0, -1], [2, 1, 0]], b = [0, 0, 1]:
out = [[5, 2, 0]]; with grad_out = [[1, 1, 1]]: dx = [[0, 3]], dW = [[1, 1, 1], [2, 2, 2]],
db = [1, 1, 1].

**Softmax cross-entropy.** For logits z (N, K), p = softmax(z) row-wise and integer labels y,
L = mean_n( -log p[n, y_n] ), and dL/dz = (p - onehot(y)) / N. Example, one sample z = [0, 0],
y = 0: p = [0.5, 0.5], L = log 2 = 0.693, dL/dz = [-0.5, 0.5].

**Vanishing gradients.** In a deep chain h_l = act(h_{l-1} @ W_l), every layer multiplies the
backward signal by act'(z_l) and by W_l.T. The sigmoid's derivative s*(1 - s) is at most 0.25,
so with unit-scale weights the gradient reaching the first layers shrinks roughly geometrically
with depth; ReLU's derivative is exactly 1 where a unit is active, so with He-scaled weights the
per-layer gradient norms stay of the same order.

Never modify the inputs (except the temporary, restored perturbation in numerical_gradient).
"""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function ``f`` at ``x``.

    Args:
        f: a callable taking an array shaped like ``x`` and returning a scalar. It may ignore its
            argument and read ``x`` itself (see the module docstring).
        x: float array of any shape.
        eps: the step.

    Returns:
        float array shaped like ``x``: grad[i] = (f(x + eps*e_i) - f(x - eps*e_i)) / (2*eps).

    Perturb ``x`` itself, one element at a time, and afterwards ``x`` must hold exactly its
    original values (store each value and write it back; ``x[i] += eps`` then ``x[i] -= eps``
    does not always give back the same float).
    """
    raise NotImplementedError


class Dense:
    """A fully connected layer ``out = x @ W + b`` with a backward pass.

    ``Dense(W, b)`` keeps ``W (Din, Dout)`` and ``b (Dout,)``. ``forward(x)`` returns
    ``x @ W + b`` and remembers ``x``; ``backward(grad_out)`` returns ``dx`` and stores the
    parameter gradients in ``self.dW`` (shape of W) and ``self.db`` (shape of b).
    """

    def __init__(self, W, b):
        raise NotImplementedError

    def forward(self, x):
        """``x (N, Din)`` -> ``x @ W + b`` of shape ``(N, Dout)``."""
        raise NotImplementedError

    def backward(self, grad_out):
        """``grad_out (N, Dout)`` -> ``dx = grad_out @ W.T (N, Din)``; sets ``self.dW`` and ``self.db``."""
        raise NotImplementedError


def mlp_loss_and_grads(params, x, labels):
    """Loss and gradients of a two-layer network with a ReLU hidden layer.

    Args:
        params: dict with ``W1 (D, H)``, ``b1 (H,)``, ``W2 (H, K)``, ``b2 (K,)``.
        x: float array ``(N, D)``.
        labels: int array ``(N,)`` with values in ``[0, K)``.

    Forward: z1 = x @ W1 + b1; h = relu(z1); z2 = h @ W2 + b2 (logits);
    loss = mean over rows of softmax cross-entropy(z2, labels) (stable for large logits).

    Returns:
        ``(loss, grads)``: ``loss`` a float, ``grads`` a dict with the same keys as ``params``
        holding dL/dW1, dL/db1, dL/dW2, dL/db2 (ReLU derivative 0 at 0).
    """
    raise NotImplementedError


def layer_gradient_norms(x, weights, activation):
    """Per-layer gradient norms of a deep chain, to watch gradients vanish (or not).

    Args:
        x: float array ``(N, D)``.
        weights: list of L square float arrays ``(D, D)``.
        activation: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Forward: h_0 = x; h_l = act(h_{l-1} @ W_l) for l = 1..L; loss = h_L.sum().

    Returns:
        a list of L Python floats: ``[||dL/dW_1||, ..., ||dL/dW_L||]`` (Frobenius norms), first
        layer first.

    Compare the series for "sigmoid" with the one for "relu" on the same depth: with sigmoid the
    first layers' norms are orders of magnitude smaller than the last layer's.
    """
    raise NotImplementedError
