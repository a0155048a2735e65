"""PyTorch reference for 04_backprop: every gradient comes from autograd."""
import torch
import torch.nn.functional as F


def _function(name, x):
    if name == "sum_of_squares":
        return torch.sum(x**2)
    if name == "sin_sum":
        return torch.sum(torch.sin(x))
    if name == "logsumexp":
        return torch.logsumexp(x.reshape(-1), dim=0)
    if name == "reads_by_reference":
        return torch.sum(torch.tanh(x) ** 2) + torch.sum(x**3) / 3.0
    raise ValueError(f"unknown test function {name!r}")


def numerical_gradient(fn, x, eps=1e-6):
    x = x.detach().clone().requires_grad_(True)
    _function(fn, x).backward()
    return {"grad": x.grad, "x_restored": True}


def Dense(W, b, x, grad_out, calls=()):
    """One forward and backward by autograd; with `calls`, each output is a list, one entry per call."""
    steps = []
    for x_t, g_t in [(x, grad_out)] + [(c["x"], c["grad_out"]) for c in calls]:
        W_t = W.detach().clone().requires_grad_(True)
        b_t = b.detach().clone().requires_grad_(True)
        x_t = x_t.detach().clone().requires_grad_(True)
        out = x_t @ W_t + b_t
        out.backward(g_t)
        steps.append({"out": out.detach(), "dx": x_t.grad, "dW": W_t.grad, "db": b_t.grad})
    if not calls:
        return steps[0]
    return {name: [s[name] for s in steps] for name in ("out", "dx", "dW", "db")}


def mlp_loss_and_grads(params, x, labels):
    p = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    hidden = torch.relu(x @ p["W1"] + p["b1"])
    logits = hidden @ p["W2"] + p["b2"]
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    return {"loss": loss.detach(), "dW1": p["W1"].grad, "db1": p["b1"].grad,
            "dW2": p["W2"].grad, "db2": p["b2"].grad}


_ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def layer_gradient_norms(x, weights, activation):
    act = _ACTIVATIONS[activation]
    ws = [w.detach().clone().requires_grad_(True) for w in weights]
    h = x
    for w in ws:
        h = act(h @ w)
    h.sum().backward()
    return {"norms": torch.stack([torch.linalg.norm(w.grad) for w in ws])}
