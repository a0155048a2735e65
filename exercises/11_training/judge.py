"""The 11_training datasets and verdicts (runs in the grader, without torch, never in the sandbox).

Each case generates a 2-D classification dataset (spirals or concentric rings, padded with small
uninformative features up to `in_features`): 600 training points the learner's code sees with
their labels and 300 held-back points it sees without (`*_inputs`). The verdicts are computed
here, from the logits the learner's process returns and the labels it never had.
"""
import numpy as np

N_TRAIN, N_HELD_BACK = 600, 300
PROBE_ROWS = 7
CURVE_POINTS = 60
"""The loss and accuracy curves are shown with at most this many points (the steps evenly spread)."""
TINY_LR, LARGE_LR = 1e-4, 1.0


def make_dataset(dataset, in_features, n_classes, seed):
    """(X_train, y_train, X_held_back, y_held_back): float32 (N, in_features) and int64 (N,) arrays."""
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
    X = np.concatenate([points, padding], axis=1).astype(np.float32)
    y = labels.astype(np.int64)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def build_model_inputs(in_features, n_classes, dataset, seed):
    X, y, X_held, _ = make_dataset(dataset, in_features, n_classes, seed)
    return {"X_train": X, "y_train": y, "X_held": X_held, "in_features": in_features, "n_classes": n_classes, "seed": seed}


def train_inputs(in_features, n_classes, dataset, seed, device, model):
    return {**build_model_inputs(in_features, n_classes, dataset, seed), "device": device, "model": model}


def scores(logits, data):
    """Cross-entropy and accuracy on the training and the held-back points, as Python floats."""
    _, y_train, _, y_held = data
    if not isinstance(logits, dict):
        raise ValueError("no logits came back")
    out = {}
    for part, y in (("train", y_train), ("held_back", y_held)):
        z = logits.get(part)
        if not isinstance(z, np.ndarray) or z.ndim != 2 or len(z) != len(y):
            raise ValueError(f"the {part} logits have the wrong shape")
        z = z.astype(np.float64)
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        out[f"{part}_loss"] = float(-log_p[np.arange(len(y)), y].mean())
        out[f"{part}_accuracy"] = float((z.argmax(axis=1) == y).mean())
    return out


def verdict(before, after, n_classes):
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


def untrainable(n_classes):
    """The training outputs of a model that could not be trained at all."""
    nan = float("nan")
    zero = {"train_loss": nan, "held_back_loss": nan, "train_accuracy": 0.0, "held_back_accuracy": 0.0}
    return verdict(zero, zero, n_classes)


def build_model(raw, in_features, n_classes, dataset, seed):
    out = raw.get("probe_out")
    shape = tuple(out.shape) if isinstance(out, np.ndarray) else ()
    is_module = raw.get("is_module") is True
    well_formed = is_module and shape == (PROBE_ROWS, n_classes) and raw.get("output_dtype") == "torch.float32"
    probabilities = well_formed and bool((out >= 0).all() and np.allclose(out.sum(axis=1), 1.0, atol=1e-5))
    n_parameters = raw.get("n_parameters")
    result = {
        "is_module": is_module,
        "output_shape": np.array(shape, dtype=np.int64),
        "output_dtype": str(raw.get("output_dtype"))[:60],
        "outputs_are_probabilities": bool(probabilities),
        "n_parameters": n_parameters if type(n_parameters) is int else 0,
    }
    if not well_formed:
        return {**result, **untrainable(n_classes)}
    data = make_dataset(dataset, in_features, n_classes, seed)
    return {**result, **verdict(scores(raw.get("logits_before"), data), scores(raw.get("logits_after"), data), n_classes)}


def lr_scale(lr):
    """The learning rate the learner's optimizer was made with, as a word: tiny, usual, large or unknown."""
    if not isinstance(lr, (int, float)) or isinstance(lr, bool) or lr != lr:
        return "unknown"
    return "tiny" if lr < TINY_LR else "large" if lr > LARGE_LR else "usual"


def loss_shape(losses):
    """How the training loss went over the optimizer's steps: flat (it barely moved), unsteady (it ends
    well above its best: oscillating or growing, as when gradients are never zeroed), decreasing, or unknown."""
    if not isinstance(losses, np.ndarray) or losses.ndim != 1 or len(losses) < 2 or not np.isfinite(losses[0]):
        return "unknown"
    finite = losses[np.isfinite(losses)]
    progress = losses[0] - finite.min()
    if not np.isfinite(losses[-1]) or losses[-1] - finite.min() > 0.25 * max(progress, 0.05 * losses[0]):
        return "unsteady"
    return "flat" if progress < 0.05 * losses[0] else "decreasing"


def curve(values):
    """At most CURVE_POINTS of `values`, evenly spread over the steps (first and last kept)."""
    if not isinstance(values, np.ndarray) or values.ndim != 1:
        return np.zeros(0)
    if len(values) <= CURVE_POINTS:
        return values.astype(np.float64)
    return values[np.unique(np.linspace(0, len(values) - 1, CURVE_POINTS).round().astype(int))].astype(np.float64)


def train(raw, in_features, n_classes, dataset, seed, device, model):
    data = make_dataset(dataset, in_features, n_classes, seed)
    X_after, y_after = raw.get("X_after"), raw.get("y_after")
    unchanged = (raw.get("X_device") == raw.get("target")
                 and isinstance(X_after, np.ndarray) and X_after.shape == data[0].shape and bool(np.array_equal(X_after, data[0]))
                 and isinstance(y_after, np.ndarray) and y_after.shape == data[1].shape and bool(np.array_equal(y_after, data[1])))
    seconds, lr, losses = raw.get("seconds"), raw.get("learning_rate"), raw.get("loss_per_step")
    return {
        "returns_model": raw.get("returns_model") is True,
        "eval_mode": raw.get("eval_mode") is True,
        "inputs_unchanged": unchanged,
        **verdict(scores(raw.get("logits_before"), data), scores(raw.get("logits_after"), data), n_classes),
        "seconds": float(seconds) if isinstance(seconds, (int, float)) else float("nan"),
        "history": raw.get("history"),
        "learning_rate": float(lr) if lr_scale(lr) != "unknown" else float("nan"),
        "lr_scale": lr_scale(lr),
        "loss_shape": loss_shape(losses),
        "loss_curve": curve(losses),
        "accuracy_curve": curve(raw.get("accuracy_per_step")),
    }
