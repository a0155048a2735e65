"""How the grader drives the optimizers and minibatches (runs next to the learner's code).

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
    changed = [False] * len(held)
    trajectory = []
    for t in range(len(scales)):
        flat = grads[t % len(grads)] * scales[t]
        step_grads = [part.reshape(s).copy() for part, s in zip(np.split(flat, cuts), shapes)]
        before = [p.copy() for p in held]
        opt.step(step_grads)
        for i, p in enumerate(held):
            changed[i] = changed[i] or not np.array_equal(p, before[i])
        trajectory.append(np.concatenate([p.ravel() for p in held]))
    same_objects = len(given) == len(held) and all(a is b for a, b in zip(given, held))
    return {"trajectory": np.stack(trajectory), "in_place": bool(all(changed) and same_objects)}


def SGD(impl, params, grads, scales, lr, momentum=0.0, nesterov=False):
    return _drive(lambda ps: impl(ps, lr, momentum, nesterov), params, grads, scales)


def RMSprop(impl, params, grads, scales, lr=0.01, alpha=0.99, eps=1e-8):
    return _drive(lambda ps: impl(ps, lr, alpha, eps), params, grads, scales)


def Adam(impl, params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    return _drive(lambda ps: impl(ps, lr, (beta1, beta2), eps, weight_decay), params, grads, scales)


def AdamW(impl, params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    return _drive(lambda ps: impl(ps, lr, (beta1, beta2), eps, weight_decay), params, grads, scales)


def minibatches(impl, X, y, batch_size, seed):
    """Epochs with rng=default_rng(seed) (twice, with different global np.random states),
    default_rng(seed + 1), shuffle=False, and rng=None (twice); rows are matched back to X."""
    X_ref, y_ref = np.array(X, copy=True), np.array(y, copy=True)
    n = len(X_ref)
    row_index = {np.ascontiguousarray(X_ref[i]).tobytes(): i for i in range(n)}

    def run(*args):
        order, sizes, aligned = [], [], True
        for Xb, yb in impl(X, y, batch_size, *args):
            Xb, yb = np.asarray(Xb), np.asarray(yb)
            sizes.append(int(len(Xb)))
            if len(Xb) != len(yb):
                aligned = False
            for j in range(len(Xb)):
                i = row_index.get(np.ascontiguousarray(Xb[j], dtype=X_ref.dtype).tobytes(), -1)
                order.append(i)
                if i < 0 or j >= len(yb) or not np.array_equal(yb[j], y_ref[i]):
                    aligned = False
        return order, sizes, aligned

    def covers(order):
        return sorted(order) == list(range(n))

    np.random.seed(1)
    first, sizes, aligned1 = run(True, np.random.default_rng(seed))
    np.random.seed(2)
    again, _, aligned2 = run(True, np.random.default_rng(seed))
    other, _, aligned3 = run(True, np.random.default_rng(seed + 1))
    plain, plain_sizes, aligned4 = run(False)
    fresh1, _, aligned5 = run()
    fresh2, _, aligned6 = run()
    runs = [first, again, other, plain, fresh1, fresh2]
    return {
        "covers_every_row_once": all(covers(o) for o in runs),
        "rows_aligned": all([aligned1, aligned2, aligned3, aligned4, aligned5, aligned6]),
        "batch_sizes": np.array(sizes, dtype=np.int64),
        "same_seed_same_order": first == again,
        "different_seed_different_order": first != other,
        "no_shuffle_keeps_order": plain == list(range(n)) and plain_sizes == sizes,
        "default_rng_shuffles": covers(fresh1) and covers(fresh2) and fresh1 != fresh2,
    }
