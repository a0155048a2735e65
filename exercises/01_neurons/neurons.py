"""Neurons: the perceptron and the dense (fully connected) layer.

A neuron takes a weighted sum of its inputs and adds a bias:

    s = x . w + b = x_1*w_1 + x_2*w_2 + ... + x_D*w_D + b

The **perceptron** (Rosenblatt, 1958) turns that sum into a hard decision: it outputs 1 when
the sum is strictly positive and 0 otherwise (a sum of exactly 0 gives 0).

Worked example, one sample with D = 2 features:

    x = [2.0, -1.0],  w = [0.5, 1.0],  b = 0.25
    s = 2.0*0.5 + (-1.0)*1.0 + 0.25 = 1.0 - 1.0 + 0.25 = 0.25  >  0   ->  1

With a batch we stack samples as rows of a matrix ``x`` of shape ``(N, D)``; then ``x @ w`` is
the vector of the ``N`` sums at once, and adding the scalar ``b`` broadcasts over it.

A **dense layer** is ``Dout`` neurons side by side, without the hard threshold. Their weight
vectors are the columns of ``W`` (shape ``(Din, Dout)``) and their biases form ``b`` (shape
``(Dout,)``):

    out = x @ W + b          x (N, Din)  @  W (Din, Dout)  ->  (N, Dout),  + b broadcast over rows

Worked example, N = 1, Din = 2, Dout = 3:

    x = [[1.0, 2.0]]
    W = [[1.0, 0.0, -1.0],
         [2.0, 1.0,  0.0]]
    b = [0.5, 0.0, -0.5]
    x @ W     = [[1*1 + 2*2, 1*0 + 2*1, 1*(-1) + 2*0]] = [[5.0, 2.0, -1.0]]
    x @ W + b = [[5.5, 2.0, -1.5]]

Note the layout: this course stores ``W`` as ``(Din, Dout)``, so it is ``x @ W``. PyTorch's
``nn.Linear`` stores its weight as ``(Dout, Din)`` and computes ``x @ weight.T``; do not
transpose ours. A dense layer is linear: no activation here (activations are the next module).

Never modify the inputs in place; return new arrays.
"""
import numpy as np


def perceptron(x, w, b):
    """Hard-threshold neuron applied to every row of ``x``.

    Args:
        x: float array ``(N, D)``, one sample per row.
        w: float array ``(D,)``, the weights.
        b: float, the bias.

    Returns:
        An **integer** array ``(N,)`` (e.g. ``np.int64``) with 1 where ``x @ w + b > 0``
        and 0 elsewhere. A sum of exactly 0 gives 0 (strictly greater than zero).
        Not booleans, not floats, not -1/+1 labels.

    Example:
        perceptron(np.array([[2.0, -1.0]]), np.array([0.5, 1.0]), 0.25)  ->  array([1])
    """
    raise NotImplementedError


def dense_forward(x, W, b):
    """Forward pass of a dense (fully connected, linear) layer.

    Args:
        x: float array ``(N, Din)``.
        W: float array ``(Din, Dout)``; column ``j`` holds the weights of output unit ``j``.
        b: float array ``(Dout,)``.

    Returns:
        float array ``(N, Dout)``: ``x @ W + b`` (the bias is added to every row).
        No activation function.
    """
    raise NotImplementedError
