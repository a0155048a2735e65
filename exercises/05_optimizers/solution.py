"""Model solution: optimizers with torch.optim's update rules, and mini-batches."""
import numpy as np


class SGD:
    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.nesterov = nesterov
        self.buffers = [None] * len(self.params)

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.momentum != 0:
                if self.buffers[i] is None:
                    self.buffers[i] = np.array(g, dtype=np.float64, copy=True)
                else:
                    self.buffers[i] = self.momentum * self.buffers[i] + g
                if self.nesterov:
                    g = g + self.momentum * self.buffers[i]
                else:
                    g = self.buffers[i]
            p -= self.lr * g


class RMSprop:
    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8):
        self.params = list(params)
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square_avg = [np.zeros_like(p) for p in self.params]

    def step(self, grads):
        for p, g, v in zip(self.params, grads, self.square_avg):
            v *= self.alpha
            v += (1 - self.alpha) * g * g
            p -= self.lr * g / (np.sqrt(v) + self.eps)


class Adam:
    decoupled = False

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        self.params = list(params)
        self.lr, self.eps, self.weight_decay = lr, eps, weight_decay
        self.beta1, self.beta2 = betas
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        bias1 = 1 - self.beta1**self.t
        bias2 = 1 - self.beta2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if self.weight_decay != 0:
                if self.decoupled:
                    p -= self.lr * self.weight_decay * p   # AdamW: shrink the weights directly
                else:
                    g = g + self.weight_decay * p          # Adam: decay enters the gradient
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            m_hat = m / bias1
            v_hat = v / bias2
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    decoupled = True

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, betas, eps, weight_decay)


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    n = X.shape[0]
    if shuffle:
        if rng is None:
            rng = np.random.default_rng()
        order = rng.permutation(n)
    else:
        order = np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]
