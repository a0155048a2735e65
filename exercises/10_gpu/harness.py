"""How the grader drives the 10_gpu tasks: runs in the sandbox, beside the learner's code, and
returns what it saw; `judge.py` decides.

pick_device is run on simulated machines: the availability checks are replaced for the duration
of the call. to_device moves a batch built here to the `meta` device, which exists everywhere
and keeps shapes and dtypes but no data, so moving can be proved without a GPU. What comes back is
a description of the batch before and after the call and of what was returned: every node's
kind, type, identity and, for tensors, device, dtype, shape and values.
"""
import contextlib
from unittest import mock

import numpy as np
import torch


def _simulated(cuda, mps):
    """Pretend CUDA / MPS are (un)available; None keeps what this machine really has."""
    stack = contextlib.ExitStack()
    if cuda is None and mps is None:
        return stack
    cuda = torch.cuda.is_available() if cuda is None else bool(cuda)
    mps = torch.backends.mps.is_available() if mps is None else bool(mps)
    patches = [
        (torch.cuda, "is_available", lambda: cuda),
        (torch.cuda, "device_count", lambda: int(cuda)),
        (torch.backends.mps, "is_available", lambda: mps),
        (torch.backends.mps, "is_built", lambda: mps),
    ]
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:  # torch >= 2.6: the generic accelerator API tells the same story
        best = torch.device("cuda") if cuda else torch.device("mps") if mps else None
        patches += [
            (accelerator, "is_available", lambda: best is not None),
            (accelerator, "current_accelerator", lambda *args, **kwargs: best),
        ]
    for owner, name, fake in patches:
        if hasattr(owner, name):
            stack.enter_context(mock.patch.object(owner, name, fake))
    return stack


def pick_device(impl, cuda, mps):
    """The device type picked on a machine where CUDA / MPS are as given (null: this machine)."""
    with _simulated(cuda, mps):
        device = impl()
    is_device = isinstance(device, torch.device)
    return {"device": device.type if is_device else str(device)[:60], "is_torch_device": is_device}


def target_device(name):
    """"best" is cuda, else mps, else cpu (this machine's real answer); other names as they are."""
    if name != "best":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def make_batch(layout):
    """A fresh CPU batch of one of the shapes a data loader yields (the same values every call)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, generator=g)
    labels = torch.tensor([1, 0])
    if layout == "tensor":
        return x
    if layout == "list":
        return [x, labels, 7, "cat.png"]
    if layout == "tuple":
        return (x, labels, None)
    if layout == "dict":
        return {"x": x, "y": labels, "n": 2, "name": "batch0"}
    if layout == "nested":
        return {
            "inputs": (x, [torch.tensor([True, False]), 5]),
            "target": labels,
            "meta": {"ids": np.array([3, 4]), "source": "train", "weights": torch.rand(2, generator=g, dtype=torch.float64), "note": None},
            "pair": ([torch.arange(4).reshape(2, 2)], "text"),
        }
    raise ValueError(f"unknown layout {layout!r}")


MAX_NODES = 1000
MAX_DEPTH = 12


def describe(value, alive, budget=None, depth=0):
    """`value` as plain data: kind, type name and identity per node; device, dtype, shape and values
    (on the CPU; none on `meta`) per tensor; keys and items per container. Bounded in size and depth.
    Every node described is kept in `alive`, so no identity can be reused while the driver runs."""
    budget = budget if budget is not None else [MAX_NODES]
    budget[0] -= 1
    alive.append(value)
    kind = type(value)
    node = {"type": kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}",
            "id": id(value)}
    if budget[0] < 0 or depth > MAX_DEPTH:
        return {**node, "kind": "other", "type": "(too large to describe)"}
    if isinstance(value, torch.Tensor):
        meta = value.device.type == "meta"
        return {**node, "kind": "tensor", "device": value.device.type, "dtype": str(value.dtype),
                "shape": [int(n) for n in value.shape],
                "values": None if meta else value.detach().cpu().resolve_conj().numpy().copy()}
    if isinstance(value, dict):
        keys = list(value)
        return {**node, "kind": "dict", "keys": [k if isinstance(k, str) else repr(k)[:60] for k in keys],
                "items": [describe(value[k], alive, budget, depth + 1) for k in keys]}
    if isinstance(value, (list, tuple)):
        return {**node, "kind": "list" if isinstance(value, list) else "tuple",
                "items": [describe(v, alive, budget, depth + 1) for v in value]}
    return {**node, "kind": "other"}


def to_device(impl, layout, device):
    """Move a `layout` batch to `device` ("meta", "cpu" or "best"): the batch before and after, and what came back."""
    target = target_device(device)
    batch = make_batch(layout)
    alive = []
    before = describe(batch, alive)
    moved = impl(batch, target)
    return {"target": target.type, "before": before, "returned": describe(moved, alive), "after": describe(batch, alive)}
