"""How the grader drives the 11_training tasks (runs next to the learner's code).

Each case generates a 2-D classification dataset (spirals or concentric rings, padded with small
uninformative features up to `in_features`): 600 training points the learner's code sees and 300
held-back points it never sees. Each task is graded on its own by pairing the learner's piece with
the course's partner for the other piece: `build_model` is trained by `partner_fit`, `train` trains
`partner_model` (and, in one case, the learner's own `build_model`). The reference
(reference/training.py) runs this same harness with both partners.
"""
import contextlib
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

N_TRAIN, N_HELD_BACK = 600, 300
PROBE_ROWS = 7


def make_dataset(dataset, in_features, n_classes, seed):
    """(X_train, y_train, X_held_back, y_held_back): float32 (N, in_features) and int64 (N,) on the CPU."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_HELD_BACK
    labels = rng.integers(0, n_classes, n)
    if dataset == "spirals":  # n_classes arms winding 1.25 turns out from the centre
        radius = np.sqrt(rng.uniform(0.05, 1.0, n))
        angle = 2 * np.pi * (labels / n_classes + 1.25 * radius) + rng.normal(0.0, 0.1, n)
    elif dataset == "rings":  # ring k has radius (k + 1) / n_classes
        radius = (labels + 1) / n_classes + rng.normal(0.0, 0.18 / n_classes, n)
        angle = rng.uniform(0.0, 2 * np.pi, n)
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    padding = 0.1 * rng.standard_normal((n, in_features - 2))
    X = torch.from_numpy(np.concatenate([points, padding], axis=1)).float()
    y = torch.from_numpy(labels).long()
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def partner_model(in_features, n_classes):
    """The course's model: an MLP with two hidden ReLU layers of 64 units."""
    return nn.Sequential(
        nn.Linear(in_features, 64), nn.ReLU(),
        nn.Linear(64, 64), nn.ReLU(),
        nn.Linear(64, n_classes),
    )


def partner_fit(model, X, y, steps=200, lr=1e-2):
    """The course's training: full-batch Adam on the cross-entropy; returns the model in eval mode."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    return model.eval()


def target_device(name):
    """"cpu", or "auto": cuda if available, else mps if available, else cpu (as pick_device)."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


@contextlib.contextmanager
def _one_thread():
    """Small matrices gain nothing from threads, and on a busy machine threads spin-wait each other:
    one thread makes every run as fast, and as reproducible, as the sandbox's (which has one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@torch.no_grad()
def _scores(model, data):
    """Cross-entropy and accuracy on the training and the held-back points, as Python floats."""
    X_train, y_train, X_held, y_held = data
    out = {}
    for part, X, y in (("train", X_train, y_train), ("held_back", X_held, y_held)):
        logits = model(X).float()
        out[f"{part}_loss"] = float(F.cross_entropy(logits, y))
        out[f"{part}_accuracy"] = float((logits.argmax(dim=1) == y).float().mean())
    return out


def _verdict(before, after, n_classes):
    """`trained`: training accuracy at least halfway from chance (1/n_classes) to perfect."""
    chance = 1.0 / n_classes
    return {
        "trained": bool(after["train_accuracy"] >= (1.0 + chance) / 2),
        "held_back_accuracy": after["held_back_accuracy"],
        "generalization_gap": after["train_accuracy"] - after["held_back_accuracy"],
        "train_accuracy": after["train_accuracy"],
        "train_loss_before": before["train_loss"],
        "train_loss_after": after["train_loss"],
        "held_back_loss_before": before["held_back_loss"],
        "held_back_loss_after": after["held_back_loss"],
    }


def _untrainable(n_classes):
    """The training outputs of a model that could not be trained at all."""
    nan = float("nan")
    zero = {"train_loss": nan, "held_back_loss": nan, "train_accuracy": 0.0, "held_back_accuracy": 0.0}
    return _verdict(zero, zero, n_classes)


def build_model(impl, in_features, n_classes, dataset, seed):
    """The model's type and output on a probe batch, then how it does when trained by partner_fit."""
    with _one_thread():
        return _build_model(impl, in_features, n_classes, dataset, seed)


def _build_model(impl, in_features, n_classes, dataset, seed):
    torch.manual_seed(seed)
    model = impl(in_features, n_classes)
    probe = torch.randn(PROBE_ROWS, in_features, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        out = model(probe)
    is_tensor = isinstance(out, torch.Tensor)
    shape = tuple(out.shape) if is_tensor else ()
    well_formed = isinstance(model, nn.Module) and shape == (PROBE_ROWS, n_classes) and out.dtype == torch.float32
    probabilities = well_formed and bool((out >= 0).all() and torch.allclose(out.sum(dim=1), torch.ones(PROBE_ROWS), atol=1e-5))
    result = {
        "is_module": isinstance(model, nn.Module),
        "output_shape": np.array(shape, dtype=np.int64),
        "output_dtype": str(out.dtype) if is_tensor else type(out).__name__,
        "outputs_are_probabilities": bool(probabilities),
        "n_parameters": sum(int(p.numel()) for p in model.parameters()) if isinstance(model, nn.Module) else 0,
    }
    if not well_formed:
        return {**result, **_untrainable(n_classes)}
    data = make_dataset(dataset, in_features, n_classes, seed)
    before = _scores(model, data)
    partner_fit(model, data[0], data[1])
    return {**result, **_verdict(before, _scores(model, data), n_classes)}


def _history(model, points=11):
    """The model's optional `history` list of numbers (e.g. the loss per step), at most `points` of them."""
    try:
        values = np.array([float(v) for v in getattr(model, "history", None) or []], dtype=np.float64)
    except (TypeError, ValueError):
        return np.zeros(0)
    if len(values) > points:
        values = values[np.unique(np.linspace(0, len(values) - 1, points).round().astype(int))]
    return values


def _sync(device):
    """Wait for the device's queued work, so a timing covers it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def train(module, in_features, n_classes, dataset, seed, device, model):
    """Train a fresh model (`model`: "reference" = partner_model, "yours" = the learner's build_model)."""
    with _one_thread():
        return _train(module, in_features, n_classes, dataset, seed, device, model)


def _train(module, in_features, n_classes, dataset, seed, device, model):
    target = target_device(device)
    data = tuple(t.to(target) for t in make_dataset(dataset, in_features, n_classes, seed))
    X, y = data[0], data[1]
    torch.manual_seed(seed)
    build = module.build_model if model == "yours" else partner_model
    net = build(in_features, n_classes).to(target)
    before = _scores(net, data)
    X_saved, y_saved = X.clone(), y.clone()
    started = time.perf_counter()
    returned = module.train(net, X, y)
    _sync(target)
    seconds = time.perf_counter() - started
    eval_mode = not any(m.training for m in net.modules())
    inputs_unchanged = X.device == target and torch.equal(X, X_saved) and torch.equal(y, y_saved)
    return {
        "returns_model": returned is net,
        "eval_mode": eval_mode,
        "inputs_unchanged": bool(inputs_unchanged),
        **_verdict(before, _scores(net, data), n_classes),
        "seconds": seconds,
        "history": _history(net),
    }
