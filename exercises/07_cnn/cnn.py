"""Convolutional layers: 2-D convolution and pooling, forward and backward.

Images are NCHW: ``x[n, c, h, w]`` is sample ``n``, channel ``c``, row ``h``, column ``w``.

Convolution (really cross-correlation, as in every deep-learning library)
-------------------------------------------------------------------------
A kernel ``W (Cout, Cin, kH, kW)`` slides over the zero-padded input. Output channel ``f`` at
output position ``(i, j)`` is

    out[n, f, i, j] = b[f] + sum_{c, p, q} W[f, c, p, q] * xpad[n, c, i*stride + p, j*stride + q]

where ``xpad`` is ``x`` with ``padding`` zeros added on *every* side (top, bottom, left, right).
The kernel is NOT flipped (flipping it gives the mathematicians' "true" convolution, which is not
what ``torch.nn.functional.conv2d`` computes). The output size is

    Hout = (H + 2*padding - kH) // stride + 1        (same for the width)

Worked example (one sample, one channel, no padding, stride 1, b = 0)::

    x = [[1, 2, 0],        W = [[1,  0],
         [0, 1, 3],             [0, -1]]
         [2, 1, 0]]

    out[0, 0] = 1*1 + 2*0 + 0*0 + 1*(-1) =  0
    out[0, 1] = 2*1 + 0*0 + 1*0 + 3*(-1) = -1
    out[1, 0] = 0*1 + 1*0 + 2*0 + 1*(-1) = -1
    out[1, 1] = 1*1 + 3*0 + 1*0 + 0*(-1) =  1        ->  out = [[0, -1], [-1, 1]]

Backward. Every input element that was multiplied by ``W[f, c, p, q]`` to make ``out[n, f, i, j]``
receives ``W[f, c, p, q] * grad_out[n, f, i, j]``; every weight receives the input element times
the same upstream gradient; the bias received ``grad_out`` at every position:

    dW[f, c, p, q] = sum_{n, i, j} grad_out[n, f, i, j] * xpad[n, c, i*stride + p, j*stride + q]
    dxpad[n, c, i*stride + p, j*stride + q] += grad_out[n, f, i, j] * W[f, c, p, q]
    db[f]          = sum_{n, i, j} grad_out[n, f, i, j]

and ``dx`` is ``dxpad`` with the padding cut off again. In the example above with
``grad_out = [[1, 0], [0, 0]]``: ``dW = [[1, 2], [0, 1]]`` (the top-left window of x), ``db = [1]``
and ``dx = [[1, 0, 0], [0, -1, 0], [0, 0, 0]]``.

Pooling
-------
Pooling works on each channel separately with a ``kernel x kernel`` window moved by ``stride``
(by default ``stride = kernel``: windows side by side). There is no padding, and a window that would
stick out of the image is dropped: ``Hout = (H - kernel) // stride + 1``.

Max pooling keeps the largest value of each window. Its gradient flows only to that one element;
if several elements of a window tie for the maximum, the whole gradient goes to the *first* of them
in row-major order (top row first, left to right), as PyTorch on CPU does. Average pooling keeps
the window's mean, so each element of the window receives ``grad / (kernel * kernel)``. When
``stride < kernel`` windows overlap and an element collects gradient from every window it is in::

    x = [[1, 3, 2, 0],      max_pool2d(x, 2) = [[4, 2],     avg_pool2d(x, 2) = [[2.5, 1.0],
         [4, 2, 1, 1],                          [2, 7]]                          [1.25, 4.75]]
         [0, 1, 5, 6],
         [2, 2, 7, 1]]

    max-pool backward with grad_out = [[1, 1], [1, 1]]:
         [[0, 0, 1, 0],     (bottom-left window [[0, 1], [2, 2]] ties: the first 2 gets it)
          [1, 0, 0, 0],
          [0, 0, 0, 0],
          [1, 0, 1, 0]]

All functions take and return float64 NumPy arrays and never modify their inputs.
"""
import numpy as np


def conv2d_forward(x, W, b, stride=1, padding=0):
    """2-D cross-correlation, as ``torch.nn.functional.conv2d``.

    x: (N, Cin, H, W) input.  W: (Cout, Cin, kH, kW) kernels.  b: (Cout,) bias.
    stride, padding: ints; ``padding`` zeros are added on every side.
    Returns out (N, Cout, Hout, Wout) with Hout = (H + 2*padding - kH) // stride + 1:
        out[n, f, i, j] = b[f] + sum_{c,p,q} W[f,c,p,q] * xpad[n, c, i*stride+p, j*stride+q]
    """
    raise NotImplementedError


def conv2d_backward(x, W, b, grad_out, stride=1, padding=0):
    """Gradients of conv2d_forward(x, W, b, stride, padding) given grad_out (N, Cout, Hout, Wout).

    Returns (dx, dW, db) with the shapes of x (N, Cin, H, W), W (Cout, Cin, kH, kW) and b (Cout,):
        dW[f,c,p,q] = sum_{n,i,j} grad_out[n,f,i,j] * xpad[n, c, i*stride+p, j*stride+q]
        db[f]       = sum_{n,i,j} grad_out[n,f,i,j]
        dx          = the padding cut off dxpad, where each output position sends
                      grad_out[n,f,i,j] * W[f] back onto the window it was computed from.
    """
    raise NotImplementedError


def max_pool2d_forward(x, kernel, stride=None):
    """Max pooling, as ``torch.nn.functional.max_pool2d(x, kernel, stride)``.

    x: (N, C, H, W).  kernel: int, the window is kernel x kernel.  stride: int, None means kernel.
    Returns out (N, C, Hout, Wout), Hout = (H - kernel) // stride + 1: the maximum of each window.
    """
    raise NotImplementedError


def max_pool2d_backward(x, grad_out, kernel, stride=None):
    """Gradient of max_pool2d_forward(x, kernel, stride) w.r.t. x, given grad_out (N, C, Hout, Wout).

    Returns dx (N, C, H, W): each grad_out[n, c, i, j] is added to the position of its window's
    maximum; with tied maxima, to the first one in row-major order. Overlapping windows
    (stride < kernel) accumulate.
    """
    raise NotImplementedError


def avg_pool2d_forward(x, kernel, stride=None):
    """Average pooling, as ``torch.nn.functional.avg_pool2d(x, kernel, stride)``.

    x: (N, C, H, W).  kernel: int.  stride: int, None means kernel.
    Returns out (N, C, Hout, Wout), Hout = (H - kernel) // stride + 1: the mean of each window.
    """
    raise NotImplementedError


def avg_pool2d_backward(x, grad_out, kernel, stride=None):
    """Gradient of avg_pool2d_forward(x, kernel, stride) w.r.t. x, given grad_out (N, C, Hout, Wout).

    Returns dx (N, C, H, W): every element of a window receives grad_out[n, c, i, j] / kernel**2;
    overlapping windows (stride < kernel) accumulate.
    """
    raise NotImplementedError
