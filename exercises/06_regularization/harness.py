"""How the grader drives the regularization tasks: runs in the sandbox, beside the learner's code,
and returns what it saw; `judge.py` decides."""
import numpy as np


def _flat(arrays):
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def l2_penalty_grad(impl, weights, lam):
    """The list of gradients, as returned."""
    return {"grads": list(impl(weights, lam))}


def l1_penalty_grad(impl, weights, lam):
    return {"grads": list(impl(weights, lam))}


def dropout(impl, x, p, seed):
    """Four calls on a large input (x tiled 500 times along the first axis): their outputs (as float64) and
    dtypes, and that input after them."""
    X = np.tile(x, (500,) + (1,) * (x.ndim - 1))
    rng = np.random.default_rng(seed)
    outs = [impl(X, p, True, rng), impl(X, p, True, rng), impl(X, p, True, np.random.default_rng(seed)),
            impl(X, p, False, np.random.default_rng(seed))]
    return {"outs": [np.asarray(o, dtype=np.float64) for o in outs], "dtypes": [str(np.asarray(o).dtype) for o in outs],
            "X_after": X}


def batchnorm_forward(impl, xs, x_eval, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    """Training steps on xs[0], xs[1], ... feeding the running statistics back, then one eval step;
    each step's outputs and its five array arguments as they are after the call."""
    rm, rv = np.array(running_mean, copy=True), np.array(running_var, copy=True)
    steps = []
    for k, x in enumerate(list(xs) + [x_eval]):
        args = [np.array(x, copy=True), np.array(gamma, copy=True), np.array(beta, copy=True),
                np.array(rm, copy=True), np.array(rv, copy=True)]
        out, new_rm, new_rv = impl(*args, k < len(xs), momentum, eps)
        rm, rv = np.asarray(new_rm, dtype=np.float64), np.asarray(new_rv, dtype=np.float64)
        steps.append({"out": np.asarray(out, dtype=np.float64), "mean": rm, "var": rv, "args_after": args})
    return {"steps": steps}


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
