"""PyTorch references of the activations exercise.

Forward passes are torch's own functions; every backward is autograd's vector-Jacobian
product of that function with ``grad_out``.
"""
import torch
import torch.nn.functional as F


def _vjp(fn, x, grad_out):
    """dL/dx of ``fn`` at ``x`` given dL/dfn(x) = grad_out, by autograd."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        fn(x).backward(grad_out)
    return x.grad


def sigmoid(x):
    return torch.sigmoid(x)


def sigmoid_backward(x, grad_out):
    return _vjp(torch.sigmoid, x, grad_out)


def tanh(x):
    return torch.tanh(x)


def tanh_backward(x, grad_out):
    return _vjp(torch.tanh, x, grad_out)


def relu(x):
    return F.relu(x)


def relu_backward(x, grad_out):
    return _vjp(F.relu, x, grad_out)


def leaky_relu(x, alpha=0.01):
    return F.leaky_relu(x, negative_slope=alpha)


def leaky_relu_backward(x, grad_out, alpha=0.01):
    return _vjp(lambda t: F.leaky_relu(t, negative_slope=alpha), x, grad_out)


def elu(x, alpha=1.0):
    return F.elu(x, alpha=alpha)


def elu_backward(x, grad_out, alpha=1.0):
    return _vjp(lambda t: F.elu(t, alpha=alpha), x, grad_out)


def softmax(x, axis=-1):
    return F.softmax(x, dim=axis)


def softmax_backward(x, grad_out, axis=-1):
    return _vjp(lambda t: F.softmax(t, dim=axis), x, grad_out)
