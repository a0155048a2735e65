"""How the grader drives the 10_gpu tasks (runs next to the learner's code).

pick_device is run on simulated machines: the availability checks are replaced for the duration
of the call. to_device moves a batch built here to the `meta` device, which exists everywhere
and keeps shapes and dtypes but no data, so moving can be proved without a GPU.
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


def _nodes(value, path="batch"):
    """(path, object) for `value` and everything inside it, outermost first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _nodes(item, f"{path}[{i}]")


def _has_tensor(value):
    return any(isinstance(v, torch.Tensor) for _, v in _nodes(value))


class _Audit:
    """Walks the expected batch and what came back side by side, recording what is wrong."""

    def __init__(self, device, originals, input_containers):
        self.device, self.originals, self.input_containers = device, originals, input_containers
        self.flags = dict.fromkeys(
            ("tensors_moved", "values_kept", "containers_kept", "new_containers", "others_untouched"), True)
        self.problems = []

    def fail(self, flag, message):
        self.flags[flag] = False
        self.problems.append(message)

    def walk(self, want, got, path="batch"):
        if isinstance(want, torch.Tensor):
            self.tensor(want, got, path)
        elif isinstance(want, (list, tuple, dict)):
            self.container(want, got, path)
        elif got is not self.originals[path]:
            self.fail("others_untouched", f"{path} is not the object that was passed in ({type(got).__name__})")

    def tensor(self, want, got, path):
        if not isinstance(got, torch.Tensor):
            self.fail("tensors_moved", f"{path} should be a tensor, got {type(got).__name__}")
        elif got.device.type != self.device.type:
            self.fail("tensors_moved", f"{path} is on {got.device}, expected {self.device.type}")
        elif got.dtype != want.dtype or got.shape != want.shape:
            self.fail("values_kept", f"{path} is {got.dtype} {list(got.shape)}, expected {want.dtype} {list(want.shape)}")
        elif got.device.type != "meta" and not torch.equal(got.cpu(), want):
            self.fail("values_kept", f"{path} has other values than the tensor passed in")

    def container(self, want, got, path):
        if type(got) is not type(want):
            self.fail("containers_kept", f"{path} is a {type(got).__name__}, expected a {type(want).__name__}")
        if id(got) in self.input_containers:
            self.fail("new_containers", f"{path} is a container of the input, returned as is (build a new one)")
        if isinstance(want, dict):
            if not isinstance(got, dict) or list(got) != list(want):
                self.structure_lost(want, path, f"{path} has keys {_keys(got)}, expected {list(want)}")
                return
            for key in want:
                self.walk(want[key], got[key], f"{path}[{key!r}]")
        else:
            if not isinstance(got, (list, tuple)) or len(got) != len(want):
                self.structure_lost(want, path, f"{path} should hold {len(want)} items")
                return
            for i, (w, g) in enumerate(zip(want, got)):
                self.walk(w, g, f"{path}[{i}]")

    def structure_lost(self, want, path, message):
        self.fail("containers_kept", message)
        if _has_tensor(want):
            self.flags["tensors_moved"] = False


def _keys(value):
    return list(value) if isinstance(value, dict) else f"none (a {type(value).__name__})"


def to_device(impl, layout, device):
    """Move a `layout` batch to `device` ("meta", "cpu" or "best"); report what was kept and moved."""
    target = target_device(device)
    batch = make_batch(layout)
    before = list(_nodes(batch))
    saved = {path: obj.clone() for path, obj in before if isinstance(obj, torch.Tensor)}
    moved = impl(batch, target)

    audit = _Audit(target, dict(before), {id(obj) for _, obj in before if isinstance(obj, (list, tuple, dict))})
    audit.walk(make_batch(layout), moved)
    after = list(_nodes(batch))
    input_unchanged = [p for p, _ in after] == [p for p, _ in before] and all(
        a is b and (not isinstance(a, torch.Tensor) or (a.device.type == "cpu" and torch.equal(a, saved[p])))
        for (p, a), (_, b) in zip(after, before))
    if not input_unchanged:
        audit.problems.insert(0, "the batch passed in was modified (return new containers instead)")
    return {
        **audit.flags,
        "input_unchanged": bool(input_unchanged),
        "problems": "; ".join(audit.problems[:3]) or "none",
    }
