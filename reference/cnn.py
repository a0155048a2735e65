"""PyTorch reference of the cnn exercise: torch.nn.functional and autograd."""
import torch
import torch.nn.functional as F


def _leaf(t):
    """A fresh copy of t that collects a gradient (the caller's tensor is left alone)."""
    return t.detach().clone().requires_grad_(True)


def conv2d_forward(x, W, b, stride=1, padding=0):
    return F.conv2d(x, W, b, stride=stride, padding=padding)


def conv2d_backward(x, W, b, grad_out, stride=1, padding=0):
    x, W, b = _leaf(x), _leaf(W), _leaf(b)
    with torch.enable_grad():
        F.conv2d(x, W, b, stride=stride, padding=padding).backward(grad_out)
    return x.grad, W.grad, b.grad


def max_pool2d_forward(x, kernel, stride=None):
    return F.max_pool2d(x, kernel, stride)


def max_pool2d_backward(x, grad_out, kernel, stride=None):
    # Autograd of max_pool2d sends each gradient to the index max_pool2d_with_indices chose:
    # on ties the first maximum in row-major order (the tests check this on CPU and CUDA).
    x = _leaf(x)
    with torch.enable_grad():
        F.max_pool2d(x, kernel, stride).backward(grad_out)
    return x.grad


def avg_pool2d_forward(x, kernel, stride=None):
    return F.avg_pool2d(x, kernel, stride)


def avg_pool2d_backward(x, grad_out, kernel, stride=None):
    x = _leaf(x)
    with torch.enable_grad():
        F.avg_pool2d(x, kernel, stride).backward(grad_out)
    return x.grad
