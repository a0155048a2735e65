"""Model solution of the activations exercise."""
import numpy as np


def sigmoid(x):
    """1 / (1 + exp(-x)), written so that no exponent is ever positive."""
    z = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def sigmoid_backward(x, grad_out):
    s = sigmoid(x)
    return grad_out * s * (1.0 - s)


def tanh(x):
    return np.tanh(x)


def tanh_backward(x, grad_out):
    t = np.tanh(x)
    return grad_out * (1.0 - t * t)


def relu(x):
    return np.maximum(x, 0.0)


def relu_backward(x, grad_out):
    # Derivative 0 at exactly 0, as PyTorch.
    return np.where(x > 0, grad_out, 0.0)


def leaky_relu(x, alpha=0.01):
    return np.where(x > 0, x, alpha * x)


def leaky_relu_backward(x, grad_out, alpha=0.01):
    # Slope alpha at exactly 0, as PyTorch.
    return np.where(x > 0, grad_out, alpha * grad_out)


def elu(x, alpha=1.0):
    # np.minimum keeps exp away from large positive x (np.where evaluates both branches).
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def elu_backward(x, grad_out, alpha=1.0):
    # Slope alpha * exp(x) for x <= 0, so alpha at exactly 0, as PyTorch.
    return np.where(x > 0, grad_out, alpha * np.exp(np.minimum(x, 0.0)) * grad_out)


def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)  # largest exponent is 0
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(x, grad_out, axis=-1):
    s = softmax(x, axis=axis)
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))
