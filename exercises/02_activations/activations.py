"""Activations: the non-linearities between layers, and their derivatives.

Each activation ``y = f(x)`` is applied elementwise (softmax is the exception: it mixes a whole
axis). For training we also need the backward pass. Given ``grad_out = dL/dy`` (same shape as
``x``) for some scalar loss ``L``, the chain rule gives

    dL/dx = f'(x) * grad_out                 (elementwise activations)

so every ``*_backward(x, grad_out)`` returns an array of the shape of ``x``: the local derivative
multiplied, element by element, by ``grad_out``. Do not forget ``grad_out``!

Worked examples (rounded):

    sigmoid(x) = 1 / (1 + exp(-x))          sigmoid(2)  = 1 / (1 + 0.135335) = 0.880797
    sigmoid'(x) = s * (1 - s), s = sigmoid(x)                 sigmoid'(2) = 0.880797 * 0.119203 = 0.104994
    tanh'(x)    = 1 - tanh(x)**2                              tanh(1) = 0.761594, tanh'(1) = 0.419974
    relu(x)     = max(x, 0)                                   relu'(x) = 1 if x > 0 else 0 (also 0 AT 0)
    leaky_relu(x) = x if x > 0 else alpha * x                 derivative 1 if x > 0 else alpha (alpha AT 0)
    elu(x)      = x if x > 0 else alpha * (exp(x) - 1)        elu(-1) = -0.632121 with alpha = 1
    elu'(x)     = 1 if x > 0 else alpha * exp(x)              elu'(-1) = 0.367879 (alpha AT 0)

Note the derivative is a function of ``x`` (the input), so write it with the *activation
value*: ``sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x))``, not ``sigmoid(x) * (1 - x)``.

Softmax turns a vector of scores into probabilities along ``axis``:

    softmax(x)_i = exp(x_i) / sum_j exp(x_j)

    x = [1, 2, 3]:  exp(x) = [2.718, 7.389, 20.086], sum = 30.193
                    softmax = [0.0900, 0.2447, 0.6652]

``exp(1000)`` overflows to ``inf`` (and ``inf/inf`` is ``nan``), yet softmax is unchanged when the
same constant is subtracted from every score. Subtract the maximum along the axis first:
``x - max = [-2, -1, 0]`` gives ``exp = [0.135, 0.368, 1.0]``, sum 1.503, the same softmax, and
no exponent is ever above 0. The same idea keeps sigmoid safe: for ``x < 0`` write
``sigmoid(x) = exp(x) / (1 + exp(x))``, and in general use ``z = exp(-|x|)``, which never overflows.

Softmax backward. Softmax is not elementwise: its Jacobian is ``ds_i/dx_j = s_i (δ_ij - s_j)``.
The vector-Jacobian product simplifies to

    dL/dx = s * (grad_out - sum(grad_out * s, along axis, keepdims))

    x = [1, 2, 3], grad_out = [1, 0, 0]:  sum(grad_out * s) = 0.0900
    dL/dx = [0.0900 * 0.9100, 0.2447 * -0.0900, 0.6652 * -0.0900] = [0.0819, -0.0220, -0.0599]

All functions take float64 arrays of any shape and return new float64 arrays of the same
shape; never modify an input in place.
"""
import numpy as np


def sigmoid(x):
    """Logistic sigmoid, elementwise: ``1 / (1 + exp(-x))``.

    Args:
        x: float array, any shape.

    Returns:
        float array, same shape, values in [0, 1].

    Must be finite and raise no RuntimeWarning for any finite x, e.g. +-1000:
    ``np.exp(-x)`` overflows for x = -1000. Use ``z = np.exp(-np.abs(x))`` (always in (0, 1]):
    ``sigmoid(x) = 1 / (1 + z)`` for x >= 0 and ``z / (1 + z)`` for x < 0.
    """
    raise NotImplementedError


def sigmoid_backward(x, grad_out):
    """Gradient through the sigmoid: ``grad_out * s * (1 - s)`` with ``s = sigmoid(x)``.

    Args:
        x: float array, the sigmoid's input, any shape.
        grad_out: float array, same shape as x: dL/d(sigmoid(x)).

    Returns:
        float array, same shape: dL/dx. Stable (warning-free) for any finite x, like sigmoid.
    """
    raise NotImplementedError


def tanh(x):
    """Hyperbolic tangent, elementwise: ``(exp(x) - exp(-x)) / (exp(x) + exp(-x))``.

    Args:
        x: float array, any shape.

    Returns:
        float array, same shape, values in [-1, 1]. Must be finite for large |x| (the formula
        above gives inf/inf = nan at x = 1000; ``np.tanh`` is fine, so is ``2*sigmoid(2x) - 1``).
    """
    raise NotImplementedError


def tanh_backward(x, grad_out):
    """Gradient through tanh: ``grad_out * (1 - tanh(x)**2)``.

    Args:
        x: float array, tanh's input, any shape.
        grad_out: float array, same shape.

    Returns:
        float array, same shape: dL/dx. Note it is ``1 - tanh(x)**2``, not ``1 - x**2``.
    """
    raise NotImplementedError


def relu(x):
    """Rectified linear unit, elementwise: ``max(x, 0)``.

    Args:
        x: float array, any shape.

    Returns:
        float array, same shape.
    """
    raise NotImplementedError


def relu_backward(x, grad_out):
    """Gradient through ReLU: ``grad_out`` where ``x > 0``, else 0.

    Args:
        x: float array, ReLU's input, any shape.
        grad_out: float array, same shape.

    Returns:
        float array, same shape: dL/dx. The derivative at exactly 0 is 0 (as PyTorch):
        use ``x > 0``, not ``x >= 0``.
    """
    raise NotImplementedError


def leaky_relu(x, alpha=0.01):
    """Leaky ReLU, elementwise: ``x`` where ``x > 0``, else ``alpha * x``.

    Args:
        x: float array, any shape.
        alpha: float, the slope for negative inputs (default 0.01).

    Returns:
        float array, same shape.
    """
    raise NotImplementedError


def leaky_relu_backward(x, grad_out, alpha=0.01):
    """Gradient through leaky ReLU: ``grad_out`` where ``x > 0``, else ``alpha * grad_out``.

    Args:
        x: float array, the input, any shape.
        grad_out: float array, same shape.
        alpha: float, the negative slope (default 0.01).

    Returns:
        float array, same shape: dL/dx. The derivative at exactly 0 is ``alpha`` (as PyTorch).
    """
    raise NotImplementedError


def elu(x, alpha=1.0):
    """Exponential linear unit, elementwise: ``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Args:
        x: float array, any shape.
        alpha: float (default 1.0); elu tends to ``-alpha`` as x -> -inf.

    Returns:
        float array, same shape. (``np.expm1(x)`` computes exp(x) - 1 accurately near 0.)
    """
    raise NotImplementedError


def elu_backward(x, grad_out, alpha=1.0):
    """Gradient through ELU: ``grad_out`` where ``x > 0``, else ``alpha * exp(x) * grad_out``.

    Args:
        x: float array, the input, any shape.
        grad_out: float array, same shape.
        alpha: float (default 1.0).

    Returns:
        float array, same shape: dL/dx. The derivative at exactly 0 is ``alpha`` (as PyTorch).
    """
    raise NotImplementedError


def softmax(x, axis=-1):
    """Softmax along ``axis``: ``exp(x) / sum(exp(x), axis, keepdims=True)``.

    Args:
        x: float array, any shape (1-D vector, (N, K) batch of rows, ...).
        axis: int, the axis that sums to 1 (default: the last).

    Returns:
        float array, same shape; every slice along ``axis`` is positive-or-zero and sums to 1.

    Stable for inputs of any magnitude: subtract ``x.max(axis, keepdims=True)`` before ``exp``
    (it does not change the result). Equal scores (ties) share the probability equally.
    """
    raise NotImplementedError


def softmax_backward(x, grad_out, axis=-1):
    """Gradient through softmax along ``axis``.

    With ``s = softmax(x, axis)``:

        dL/dx = s * (grad_out - sum(grad_out * s, axis=axis, keepdims=True))

    Args:
        x: float array, softmax's input, any shape.
        grad_out: float array, same shape: dL/ds.
        axis: int (default -1), as in ``softmax``.

    Returns:
        float array, same shape: dL/dx. Not ``s * (1 - s) * grad_out``: each output depends on
        every input of its slice. Stable for inputs of any magnitude, like ``softmax``.
    """
    raise NotImplementedError
