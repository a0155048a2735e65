"""How the grader drives the optimizers and minibatches: runs in the sandbox, beside the learner's
code, and returns what it saw; `judge.py` decides.

Optimizers: the parameters start as copies of the case's `params`; at step t the gradient is
`scales[t] * grads[t % len(grads)]`, split into the parameters' shapes (first parameter first).
The trajectory row t holds every parameter, flattened and concatenated, after step t.
"""
import numpy as np


def _drive(make, params, grads, scales):
    held = [np.array(p, dtype=np.float64, copy=True) for p in params]
    given = list(held)
    shapes = [p.shape for p in held]
    cuts = np.cumsum([p.size for p in held])[:-1]
    opt = make(given)
    trajectory = []
    for t in range(len(scales)):
        flat = grads[t % len(grads)] * scales[t]
        opt.step([part.reshape(s).copy() for part, s in zip(np.split(flat, cuts), shapes)])
        trajectory.append(np.concatenate([p.ravel() for p in held]))
    same_objects = len(given) == len(held) and all(a is b for a, b in zip(given, held))
    return {"trajectory": np.stack(trajectory), "same_objects": bool(same_objects)}


def SGD(impl, params, grads, scales, lr, momentum=0.0, nesterov=False):
    return _drive(lambda ps: impl(ps, lr, momentum, nesterov), params, grads, scales)


def RMSprop(impl, params, grads, scales, lr=0.01, alpha=0.99, eps=1e-8):
    return _drive(lambda ps: impl(ps, lr, alpha, eps), params, grads, scales)


def Adam(impl, params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    return _drive(lambda ps: impl(ps, lr, (beta1, beta2), eps, weight_decay), params, grads, scales)


def AdamW(impl, params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    return _drive(lambda ps: impl(ps, lr, (beta1, beta2), eps, weight_decay), params, grads, scales)


def minibatches(impl, X, y, batch_size, seed):
    """Six epochs, each as the (Xb, yb) batches it yielded: rng=default_rng(seed) (twice, with
    different global np.random states), default_rng(seed + 1), shuffle=False, and rng=None (twice)."""
    def run(*args):
        return [(np.asarray(Xb), np.asarray(yb)) for Xb, yb in impl(X, y, batch_size, *args)]

    np.random.seed(1)
    first = run(True, np.random.default_rng(seed))
    np.random.seed(2)
    again = run(True, np.random.default_rng(seed))
    other = run(True, np.random.default_rng(seed + 1))
    plain = run(False)
    return {"epochs": [first, again, other, plain, run(), run()]}
