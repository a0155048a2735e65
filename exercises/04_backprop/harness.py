"""How the grader drives the backprop tasks: runs in the sandbox, beside the learner's code, and
returns what it saw; `judge.py` decides (a driver's results are data, never a verdict)."""
import numpy as np


def _function(name, x_ref):
    """The scalar test function called `name`; `x_ref` is the array the learner is given."""
    if name == "sum_of_squares":
        return lambda z: float(np.sum(z**2))
    if name == "sin_sum":
        return lambda z: float(np.sum(np.sin(z)))
    if name == "logsumexp":
        return lambda z: float(np.max(z) + np.log(np.sum(np.exp(z - np.max(z)))))
    if name == "reads_by_reference":
        # Ignores its argument and reads the learner's x itself, like
        # numerical_gradient(lambda _: net.loss(X, y), net.W).
        return lambda _unused: float(np.sum(np.tanh(x_ref) ** 2) + np.sum(x_ref**3) / 3.0)
    raise ValueError(f"unknown test function {name!r}")


def numerical_gradient(impl, fn, x, eps=1e-6):
    """The gradient, and the array the learner was given as it is after the call."""
    x_work = np.array(x, dtype=np.float64, copy=True)
    f = _function(fn, x_work)
    grad = impl(f, x_work, eps)
    return {"grad": grad, "x_after": x_work}


def _kept(value):
    """A copy of an array the layer may change later (a `dW += ...`), else the value itself."""
    return value.copy() if type(value) is np.ndarray else value


def Dense(impl, W, b, x, grad_out, calls=()):
    """One layer: forward(x) then backward(grad_out); a multi-call case goes on with each of `calls` on the
    same layer (fresh batches: backward must use the latest forward's input), every output a list by call."""
    layer = impl(W, b)
    seen = []
    for x_t, g_t in [(x, grad_out)] + [(c["x"], c["grad_out"]) for c in calls]:
        out = _kept(layer.forward(x_t))
        dx = _kept(layer.backward(g_t))
        seen.append({"out": out, "dx": dx, "dW": _kept(layer.dW), "db": _kept(layer.db)})
    if not calls:
        return seen[0]
    return {name: [s[name] for s in seen] for name in ("out", "dx", "dW", "db")}


def mlp_loss_and_grads(impl, params, x, labels):
    loss, grads = impl(params, x, labels)
    return {"loss": loss, "dW1": grads["W1"], "db1": grads["b1"], "dW2": grads["W2"], "db2": grads["b2"]}


def layer_gradient_norms(impl, x, weights, activation):
    norms = impl(x, weights, activation)
    return {"norms": np.array([float(v) for v in norms], dtype=np.float64)}
