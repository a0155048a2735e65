"""Model solution: backpropagation."""
import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old  # restore exactly
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, grad_out):
        self.dW = self.x.T @ grad_out
        self.db = grad_out.sum(axis=0)
        return grad_out @ self.W.T


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def mlp_loss_and_grads(params, x, labels):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = x.shape[0]
    rows = np.arange(n)

    z1 = x @ W1 + b1
    h = np.maximum(z1, 0.0)
    z2 = h @ W2 + b2
    log_p = _log_softmax(z2)
    loss = float(-log_p[rows, labels].mean())

    dz2 = np.exp(log_p)
    dz2[rows, labels] -= 1.0
    dz2 /= n
    dW2 = h.T @ dz2
    db2 = dz2.sum(axis=0)
    dh = dz2 @ W2.T
    dz1 = dh * (z1 > 0)
    dW1 = x.T @ dz1
    db1 = dz1.sum(axis=0)
    return loss, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


_ACTIVATIONS = {
    # name: (function, derivative expressed through the output a = act(z) and z)
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64)),
}


def layer_gradient_norms(x, weights, activation):
    act, act_grad = _ACTIVATIONS[activation]
    inputs, zs, outs = [], [], []
    h = x
    for W in weights:
        z = h @ W
        inputs.append(h)
        zs.append(z)
        h = act(z)
        outs.append(h)

    norms = [0.0] * len(weights)
    grad_h = np.ones_like(h)  # d(sum)/dh_L
    for l in range(len(weights) - 1, -1, -1):
        grad_z = grad_h * act_grad(zs[l], outs[l])
        norms[l] = float(np.linalg.norm(inputs[l].T @ grad_z))
        grad_h = grad_z @ weights[l].T
    return norms
