"""How the grader drives the regularization tasks (runs next to the learner's code)."""
import numpy as np


def _flat(arrays):
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def _grad_outputs(result, weights):
    result = list(result)
    shapes_match = len(result) == len(weights) and all(
        np.shape(g) == np.shape(w) for g, w in zip(result, weights))
    return {"grad": _flat(result), "shapes_match": bool(shapes_match)}


def l2_penalty_grad(impl, weights, lam):
    """The list of gradients, flattened and concatenated (first array first)."""
    return _grad_outputs(impl(weights, lam), weights)


def l1_penalty_grad(impl, weights, lam):
    return _grad_outputs(impl(weights, lam), weights)


def dropout(impl, x, p, seed):
    """Statistics over a large input: x tiled 500 times along the first axis."""
    X = np.tile(x, (500,) + (1,) * (x.ndim - 1))
    X_before = X.copy()
    rng = np.random.default_rng(seed)
    out1 = np.asarray(impl(X, p, True, rng), dtype=np.float64)
    out2 = np.asarray(impl(X, p, True, rng), dtype=np.float64)
    out3 = np.asarray(impl(X, p, True, np.random.default_rng(seed)), dtype=np.float64)
    out_eval = np.asarray(impl(X, p, False, np.random.default_rng(seed)), dtype=np.float64)
    shapes_ok = all(o.shape == X.shape for o in (out1, out2, out3, out_eval))
    if not shapes_ok:
        return {"shape_ok": False, "only_zero_or_scaled": False, "keep_rate_ok": False,
                "eval_identity": False, "draws_differ": False, "same_seed_same_output": False,
                "input_unchanged": bool(np.array_equal(X, X_before)), "keep_rate": float("nan"),
                "mean_ratio": float("nan")}
    scaled = X / (1.0 - p)
    zero = out1 == 0.0
    keep_rate = float(np.mean(~zero))  # x has no zeros, so a nonzero output is a kept unit
    sigma = np.sqrt(p * (1.0 - p) / X.size)
    return {
        "shape_ok": True,
        "only_zero_or_scaled": bool(np.all(zero | np.isclose(out1, scaled, rtol=1e-12, atol=0.0))),
        "keep_rate_ok": bool(abs(keep_rate - (1.0 - p)) <= 5.0 * sigma + 1e-12),
        "eval_identity": bool(np.array_equal(out_eval, X)),
        "draws_differ": bool(not np.array_equal(out1, out2)),
        "same_seed_same_output": bool(np.array_equal(out1, out3)),
        "input_unchanged": bool(np.array_equal(X, X_before)),
        "keep_rate": keep_rate,
        "mean_ratio": float(out1.mean() / X.mean()),
    }


def batchnorm_forward(impl, xs, x_eval, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """Training steps on xs[0], xs[1], ... feeding the running statistics back, then one eval step."""
    rm, rv = np.array(running_mean, copy=True), np.array(running_var, copy=True)
    outs, means, variances = [], [], []
    unchanged = True
    for x in list(xs) + [x_eval]:
        training = len(outs) < len(xs)
        args = [np.array(x, copy=True), np.array(gamma, copy=True), np.array(beta, copy=True),
                np.array(rm, copy=True), np.array(rv, copy=True)]
        saved = [a.copy() for a in args]
        out, new_rm, new_rv = impl(*args, training, momentum, eps)
        unchanged = unchanged and all(np.array_equal(a, s) for a, s in zip(args, saved))
        outs.append(np.asarray(out, dtype=np.float64))
        rm, rv = np.asarray(new_rm, dtype=np.float64), np.asarray(new_rv, dtype=np.float64)
        means.append(rm)
        variances.append(rv)
    return {
        "train_out": np.stack(outs[:-1]),
        "running_mean": np.stack(means[:-1]),
        "running_var": np.stack(variances[:-1]),
        "eval_out": outs[-1],
        "eval_running_mean": means[-1],
        "eval_running_var": variances[-1],
        "inputs_unchanged": bool(unchanged),
    }


def EarlyStopping(impl, patience, min_delta, losses, weights):
    """Feeds the losses until the first True; after every step the weights are changed in place
    (each array += 1), as training would."""
    stopper = impl(patience, min_delta)
    initial_best_loss = float(stopper.best_loss)
    w = [np.array(a, dtype=np.float64, copy=True) for a in weights]
    stops = []
    for loss in losses:
        stop = bool(stopper.step(float(loss), w))
        stops.append(stop)
        for a in w:
            a += 1.0
        if stop:
            break
    return {
        "initial_best_loss": initial_best_loss,
        "stops": np.array(stops, dtype=bool),
        "best_loss": float(stopper.best_loss),
        "best_weights": _flat(stopper.best_weights),
    }
