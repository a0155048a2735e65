"""What the grader decides from the regularization drivers' results (runs in the grader)."""
import numpy as np

DROPOUT_TILES = 500


def _grad_outputs(raw, weights):
    """The gradients flattened and concatenated (first array first), and whether each has its weight's shape."""
    grads = raw.get("grads")
    if not isinstance(grads, list) or not all(isinstance(g, (np.ndarray, int, float)) for g in grads):
        return {"grad": grads, "shapes_match": False}
    shapes_match = len(grads) == len(weights) and all(np.shape(g) == np.shape(w) for g, w in zip(grads, weights))
    flat = np.concatenate([np.asarray(g, dtype=np.float64).ravel() for g in grads]) if grads else np.zeros(0)
    return {"grad": flat, "shapes_match": bool(shapes_match)}


def l2_penalty_grad(raw, weights, lam):
    return _grad_outputs(raw, weights)


def l1_penalty_grad(raw, weights, lam):
    return _grad_outputs(raw, weights)


def dropout(raw, x, p, seed):
    """Statistics of the four calls: only zeros and scaled inputs, the keep rate within 5 sigma,
    identity in eval mode, fresh draws per call, the same draw for the same seed, float64 outputs (kept
    apart: a float32 output would otherwise read as scaled at eval), the input untouched."""
    X = np.tile(x, (DROPOUT_TILES,) + (1,) * (x.ndim - 1))
    outs, after = raw.get("outs"), raw.get("X_after")
    unchanged = isinstance(after, np.ndarray) and after.shape == X.shape and bool(np.array_equal(after, X))
    float64 = raw.get("dtypes") == ["float64"] * 4
    if not isinstance(outs, list) or len(outs) != 4 or not all(isinstance(o, np.ndarray) and o.shape == X.shape for o in outs):
        return {"shape_ok": False, "only_zero_or_scaled": False, "keep_rate_ok": False, "eval_identity": False,
                "draws_differ": False, "same_seed_same_output": False, "float64_outputs": float64, "input_unchanged": unchanged,
                "keep_rate": float("nan"), "mean_ratio": float("nan")}
    out1, out2, out3, out_eval = outs
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
        "float64_outputs": float64,
        "input_unchanged": unchanged,
        "keep_rate": keep_rate,
        "mean_ratio": float(out1.mean() / X.mean()),
    }


def batchnorm_forward(raw, xs, x_eval, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """The steps' outputs stacked, and whether x, gamma, beta and (apart) the running statistics were left as given."""
    steps = raw.get("steps")
    if not isinstance(steps, list) or len(steps) != len(xs) + 1 or not all(isinstance(s, dict) for s in steps):
        raise ValueError("the driver did not report every step")
    rm, rv = running_mean, running_var
    inputs, running = True, True
    for x, step in zip(list(xs) + [x_eval], steps):
        after = step.get("args_after")
        if not isinstance(after, list) or len(after) != 5:
            inputs = running = False
            break
        same = [isinstance(a, np.ndarray) and a.shape == np.shape(g) and bool(np.array_equal(a, g))
                for a, g in zip(after, [x, gamma, beta, rm, rv])]
        inputs, running = inputs and all(same[:3]), running and all(same[3:])
        rm, rv = step.get("mean"), step.get("var")
    return {
        "train_out": np.stack([s["out"] for s in steps[:-1]]),
        "running_mean": np.stack([s["mean"] for s in steps[:-1]]),
        "running_var": np.stack([s["var"] for s in steps[:-1]]),
        "eval_out": steps[-1]["out"],
        "eval_running_mean": steps[-1]["mean"],
        "eval_running_var": steps[-1]["var"],
        "inputs_unchanged": inputs,
        "running_stats_unchanged": running,
    }
