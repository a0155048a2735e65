"""How the grader drives the 11_training tasks: runs in the sandbox, beside the learner's code, and
returns what it saw; `judge.py` decides.

Each case's dataset is made by the grader (`judge.py`): the learner's process gets the 600
training points with their labels and the 300 held-back points without theirs, so nothing in it
can know how its predictions on them will score. Each task is graded on its own by pairing the
learner's piece with the course's partner for the other piece: `build_model` is trained by
`partner_fit`, `train` trains `partner_model` (and, in one case, the learner's own `build_model`).
The reference (reference/training.py) runs this same driver with both partners.
"""
import contextlib
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PROBE_ROWS = 7
HISTORY_POINTS = 11
MAX_TRACKED_STEPS = 5000
"""Optimizer steps whose loss and accuracy are recorded; later steps are counted only."""


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
def _logits(model, X, X_held):
    """The model's logits on the training and the held-back points, as float32 arrays on the CPU."""
    return {part: model(points).float().cpu().numpy() for part, points in (("train", X), ("held_back", X_held))}


def build_model(impl, X_train, y_train, X_held, in_features, n_classes, seed):
    """The model's type and output on a probe batch, then its logits before and after partner_fit."""
    with _one_thread():
        return _build_model(impl, X_train, y_train, X_held, in_features, n_classes, seed)


def _build_model(impl, X_train, y_train, X_held, in_features, n_classes, seed):
    torch.manual_seed(seed)
    model = impl(in_features, n_classes)
    probe = torch.randn(PROBE_ROWS, in_features, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        out = model(probe)
    is_tensor = isinstance(out, torch.Tensor)
    raw = {
        "is_module": isinstance(model, nn.Module),
        "probe_out": out.detach().float().cpu().numpy() if is_tensor else None,
        "output_dtype": str(out.dtype) if is_tensor else type(out).__name__,
        "n_parameters": sum(int(p.numel()) for p in model.parameters()) if isinstance(model, nn.Module) else 0,
    }
    if raw["is_module"] and is_tensor and tuple(out.shape) == (PROBE_ROWS, n_classes) and out.dtype == torch.float32:
        X, y, X_held = torch.from_numpy(X_train), torch.from_numpy(y_train), torch.from_numpy(X_held)
        raw["logits_before"] = _logits(model, X, X_held)
        partner_fit(model, X, y)
        raw["logits_after"] = _logits(model, X, X_held)
    return raw


def _history(model):
    """The model's optional `history` list of numbers (e.g. the loss per step), at most HISTORY_POINTS of them."""
    try:
        values = np.array([float(v) for v in getattr(model, "history", None) or []], dtype=np.float64)
    except (TypeError, ValueError):
        return np.zeros(0)
    if len(values) > HISTORY_POINTS:
        values = values[np.unique(np.linspace(0, len(values) - 1, HISTORY_POINTS).round().astype(int))]
    return values


def _sync(device):
    """Wait for the device's queued work, so a timing covers it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


class _StepWatch:
    """Sees every torch.optim step the learner's code makes (a global pre-step hook): the learning rate
    it was made with, and the model's training loss and accuracy (eval mode, no grad) before each step."""

    def __init__(self, net, X, y):
        self.net, self.X, self.y = net, X, y
        self.lr, self.steps, self.losses, self.accuracies = None, 0, [], []

    def __enter__(self):
        from torch.optim.optimizer import register_optimizer_step_pre_hook

        self.handle = register_optimizer_step_pre_hook(self.before_step)
        return self

    def __exit__(self, *exc):
        self.handle.remove()

    def before_step(self, optimizer, args, kwargs):
        self.steps += 1
        lr = optimizer.param_groups[0].get("lr") if optimizer.param_groups else None
        if self.lr is None and isinstance(lr, (int, float)):
            self.lr = float(lr)
        if len(self.losses) >= MAX_TRACKED_STEPS:
            return
        modes = [(m, m.training) for m in self.net.modules()]
        self.net.eval()
        with torch.no_grad():
            logits = self.net(self.X)
            self.losses.append(float(F.cross_entropy(logits.float(), self.y)))
            self.accuracies.append(float((logits.argmax(dim=1) == self.y).float().mean()))
        for m, mode in modes:
            m.training = mode

    def raw(self):
        return {"learning_rate": self.lr, "optimizer_steps": self.steps,
                "loss_per_step": np.array(self.losses, dtype=np.float64),
                "accuracy_per_step": np.array(self.accuracies, dtype=np.float64)}


def train(module, X_train, y_train, X_held, in_features, n_classes, seed, device, model):
    """Train a fresh model (`model`: "reference" = partner_model, "yours" = the learner's build_model)."""
    with _one_thread():
        return _train(module, X_train, y_train, X_held, in_features, n_classes, seed, device, model)


def _train(module, X_train, y_train, X_held, in_features, n_classes, seed, device, model):
    target = target_device(device)
    X, y, X_held = (torch.from_numpy(a).to(target) for a in (X_train, y_train, X_held))
    torch.manual_seed(seed)
    build = module.build_model if model == "yours" else partner_model
    net = build(in_features, n_classes).to(target)
    before = _logits(net, X, X_held)
    started = time.perf_counter()
    with _StepWatch(net, X, y) as watch:
        returned = module.train(net, X, y)
    _sync(target)
    seconds = time.perf_counter() - started
    return {
        **watch.raw(),
        "returns_model": returned is net,
        "eval_mode": not any(m.training for m in net.modules()),
        "target": target.type,
        "X_device": X.device.type,
        "X_after": X.cpu().numpy(),
        "y_after": y.cpu().numpy(),
        "logits_before": before,
        "logits_after": _logits(net, X, X_held),
        "seconds": seconds,
        "history": _history(net),
    }
