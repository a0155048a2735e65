"""Model solution: regularization."""
import numpy as np


def l2_penalty(weights, lam):
    return float(lam * sum(np.sum(w**2) for w in weights))


def l2_penalty_grad(weights, lam):
    return [2.0 * lam * w for w in weights]


def l1_penalty(weights, lam):
    return float(lam * sum(np.sum(np.abs(w)) for w in weights))


def l1_penalty_grad(weights, lam):
    return [lam * np.sign(w) for w in weights]  # np.sign(0) == 0


def dropout(x, p, training, rng):
    if not training:
        return x.copy()
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1.0 - p), 0.0)


def dropout_with_mask(x, mask, p):
    return np.where(mask, x / (1.0 - p), 0.0)


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        n = x.shape[0]
        mu = x.mean(axis=0)
        var = x.var(axis=0)  # biased, used to normalise
        new_mean = (1 - momentum) * running_mean + momentum * mu
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)  # unbiased
    else:
        mu, var = running_mean, running_var
        new_mean, new_var = running_mean.copy(), running_var.copy()
    out = gamma * (x - mu) / np.sqrt(var + eps) + beta
    return out, new_mean, new_var


def batchnorm_backward(x, gamma, grad_out, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * inv_std
    dbeta = grad_out.sum(axis=0)
    dgamma = (grad_out * xhat).sum(axis=0)
    dx = gamma * inv_std * (grad_out - grad_out.mean(axis=0) - xhat * (grad_out * xhat).mean(axis=0))
    return dx, dgamma, dbeta


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_weights = None
        self.bad_steps = 0

    def step(self, val_loss, weights):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_weights = [np.array(w, copy=True) for w in weights]
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience
