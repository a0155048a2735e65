"""Known-wrong implementations (run in the namespace of solution.py).

A mutant rebinds the task's name to its mistake, so mistakes subclass the correct classes
(bound at definition time) and use super(), never the task's name at run time.
"""


class SGD__momentum_with_dampening(SGD):
    """Exponential-average momentum: b = momentum*b + (1-momentum)*g from a zero buffer."""

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.momentum != 0:
                if self.buffers[i] is None:
                    self.buffers[i] = np.zeros_like(p)
                self.buffers[i] = self.momentum * self.buffers[i] + (1 - self.momentum) * g
                g = g + self.momentum * self.buffers[i] if self.nesterov else self.buffers[i]
            p -= self.lr * g


class SGD__nesterov_ignored(SGD):
    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        super().__init__(params, lr, momentum, False)


class SGD__rebinds_params(SGD):
    """p = p - lr*g makes a new array: the caller's parameters never change."""

    def step(self, grads):
        for i, (p, g) in enumerate(zip(self.params, grads)):
            if self.momentum != 0:
                if self.buffers[i] is None:
                    self.buffers[i] = np.array(g, dtype=np.float64, copy=True)
                else:
                    self.buffers[i] = self.momentum * self.buffers[i] + g
                g = g + self.momentum * self.buffers[i] if self.nesterov else self.buffers[i]
            self.params[i] = p - self.lr * g


class SGD__buffer_reset_each_step(SGD):
    def step(self, grads):
        self.buffers = [None] * len(self.params)  # a fresh buffer every call: momentum never builds up
        super().step(grads)


class RMSprop__average_reset_each_step(RMSprop):
    def step(self, grads):
        self.square_avg = [np.zeros_like(p) for p in self.params]  # forgets every earlier gradient
        super().step(grads)


class RMSprop__eps_inside_sqrt(RMSprop):
    def step(self, grads):
        for p, g, v in zip(self.params, grads, self.square_avg):
            v *= self.alpha
            v += (1 - self.alpha) * g * g
            p -= self.lr * g / np.sqrt(v + self.eps)


class RMSprop__alpha_swapped(RMSprop):
    def step(self, grads):
        for p, g, v in zip(self.params, grads, self.square_avg):
            v *= 1 - self.alpha
            v += self.alpha * g * g
            p -= self.lr * g / (np.sqrt(v) + self.eps)


class RMSprop__bias_corrected(RMSprop):
    """Adam-style bias correction v / (1 - alpha**t): torch's RMSprop has none."""

    def step(self, grads):
        self.t = getattr(self, "t", 0) + 1
        for p, g, v in zip(self.params, grads, self.square_avg):
            v *= self.alpha
            v += (1 - self.alpha) * g * g
            p -= self.lr * g / (np.sqrt(v / (1 - self.alpha**self.t)) + self.eps)


def _adam_step(opt, grads, bias_correction=True, eps_inside=False, decoupled=None, decay_lr=True):
    """The Adam/AdamW update with one switch flipped (decoupled None: the class's own rule)."""
    opt.t += 1
    decoupled = opt.decoupled if decoupled is None else decoupled
    bias1 = 1 - opt.beta1**opt.t if bias_correction else 1.0
    bias2 = 1 - opt.beta2**opt.t if bias_correction else 1.0
    for p, g, m, v in zip(opt.params, grads, opt.m, opt.v):
        if opt.weight_decay != 0:
            if decoupled:
                p -= (opt.lr if decay_lr else 1.0) * opt.weight_decay * p
            else:
                g = g + opt.weight_decay * p
        m *= opt.beta1
        m += (1 - opt.beta1) * g
        v *= opt.beta2
        v += (1 - opt.beta2) * g * g
        if eps_inside:
            p -= opt.lr * (m / bias1) / np.sqrt(v / bias2 + opt.eps)
        else:
            p -= opt.lr * (m / bias1) / (np.sqrt(v / bias2) + opt.eps)


class Adam__no_bias_correction(Adam):
    def step(self, grads):
        _adam_step(self, grads, bias_correction=False)


class Adam__eps_inside_sqrt(Adam):
    def step(self, grads):
        _adam_step(self, grads, eps_inside=True)


class Adam__decoupled_decay(Adam):
    def step(self, grads):
        _adam_step(self, grads, decoupled=True)


class Adam__step_off_by_one(Adam):
    """The step counter starts at 1 and is incremented before use: the first step's t is 2."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.t = 1


_ADAM_STEP = Adam.step
"""The solution's step, kept before a mutant module rebinds the name Adam."""


def _moments_reset_then_step(opt, grads):
    """m and v made anew at every call (the step counter still counts): the averages never build up."""
    opt.m = [np.zeros_like(p) for p in opt.params]
    opt.v = [np.zeros_like(p) for p in opt.params]
    _ADAM_STEP(opt, grads)


class Adam__moments_reset_each_step(Adam):
    step = _moments_reset_then_step


class AdamW__moments_reset_each_step(AdamW):
    step = _moments_reset_then_step


class AdamW__coupled_decay(AdamW):
    def step(self, grads):
        _adam_step(self, grads, decoupled=False)


class AdamW__decay_without_lr(AdamW):
    def step(self, grads):
        _adam_step(self, grads, decay_lr=False)


class AdamW__no_bias_correction(AdamW):
    def step(self, grads):
        _adam_step(self, grads, bias_correction=False)


def minibatches__drop_last(X, y, batch_size, shuffle=True, rng=None):
    n = X.shape[0]
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n - batch_size + 1, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def minibatches__samples_with_replacement(X, y, batch_size, shuffle=True, rng=None):
    n = X.shape[0]
    rng = np.random.default_rng() if rng is None else rng
    order = rng.integers(0, n, n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def minibatches__global_random(X, y, batch_size, shuffle=True, rng=None):
    n = X.shape[0]
    order = np.random.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def minibatches__ignores_shuffle_flag(X, y, batch_size, shuffle=True, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def minibatches__shuffles_x_only(X, y, batch_size, shuffle=True, rng=None):
    n = X.shape[0]
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        yield X[order[start:start + batch_size]], y[start:start + batch_size]
