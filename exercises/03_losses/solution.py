"""Model solution of the losses exercise."""
import numpy as np


def mse(y_pred, y_true):
    return float(np.mean((y_pred - y_true) ** 2))


def mse_grad(y_pred, y_true):
    return 2.0 * (y_pred - y_true) / y_pred.size


def mae(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - y_true)))


def mae_grad(y_pred, y_true):
    # np.sign(0) == 0: the subgradient PyTorch uses where prediction equals target.
    return np.sign(y_pred - y_true) / y_pred.size


def binary_cross_entropy(p, y, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)  # keeps log finite at p = 0 or 1
    return float(-np.mean(y * np.log(q) + (1.0 - y) * np.log(1.0 - q)))


def binary_cross_entropy_grad(p, y, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    return (-y / q + (1.0 - y) / (1.0 - q)) / p.size


def binary_cross_entropy_with_logits(z, y):
    # log(1 + exp(z)) - z*y, rewritten so that exp never sees a positive argument.
    terms = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.mean(terms))


def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def binary_cross_entropy_with_logits_grad(z, y):
    return (_sigmoid(z) - y) / z.size


def categorical_cross_entropy(p, y_onehot, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    n = p.shape[0]
    return float(-np.sum(y_onehot * np.log(q)) / n)


def categorical_cross_entropy_grad(p, y_onehot, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    n = p.shape[0]
    return -y_onehot / q / n


def sparse_categorical_cross_entropy(p, labels, eps=1e-7):
    n = p.shape[0]
    picked = p[np.arange(n), labels]  # probability of the true class, one per row
    return float(-np.mean(np.log(np.clip(picked, eps, 1.0 - eps))))


def sparse_categorical_cross_entropy_grad(p, labels, eps=1e-7):
    n = p.shape[0]
    rows = np.arange(n)
    grad = np.zeros_like(p)
    grad[rows, labels] = -1.0 / (np.clip(p[rows, labels], eps, 1.0 - eps) * n)
    return grad


def _log_softmax(z):
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def softmax_cross_entropy_with_logits(z, labels):
    n = z.shape[0]
    return float(-np.mean(_log_softmax(z)[np.arange(n), labels]))


def softmax_cross_entropy_with_logits_grad(z, labels):
    n = z.shape[0]
    grad = np.exp(_log_softmax(z))  # softmax
    grad[np.arange(n), labels] -= 1.0
    return grad / n
