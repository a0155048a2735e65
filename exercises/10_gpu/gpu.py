"""Devices: where a tensor lives, and how to get a whole batch there.

A PyTorch tensor lives on one **device**: the CPU (`cpu`), an NVIDIA GPU (`cuda`, or `cuda:0`,
`cuda:1`, ... for several), or an Apple-silicon GPU (`mps`). An operation runs on the device of
its inputs, and every input must be on the same one:

    >>> a = torch.ones(2, 2)                 # on the CPU
    >>> a.device
    device(type='cpu')
    >>> a.to("cuda") @ a                     # RuntimeError: ... on different devices

So a training script picks one device at the start, moves the model there once
(`model.to(device)`) and moves every batch there before using it.

**Picking a device.** Prefer the fastest that exists:

    torch.cuda.is_available()           True on a machine with an NVIDIA GPU and a CUDA build
    torch.backends.mps.is_available()   True on a Mac with Apple silicon
    torch.device("cuda")                a device object (the type is "cuda", the index unset)

Ask exactly these two functions: the grader simulates machines (a CUDA one, a Mac, a laptop
with neither) by replacing their answers.

**Moving a batch.** A data loader rarely yields one tensor; it yields a tuple `(inputs, labels)`,
a dict `{"input_ids": ..., "attention_mask": ...}`, or nests of those, mixed with things that are
not tensors (an id, a file name, None). `t.to(device)` returns the tensor on `device` (the same
tensor if it is already there); other values stay as they are. Example:

    >>> batch = {"x": torch.zeros(2, 3), "meta": ("a.png", [torch.ones(2), 7])}
    >>> moved = to_device(batch, torch.device("meta"))
    >>> moved["x"].device, moved["meta"][0], type(moved["meta"]), moved["meta"][1][1]
    (device(type='meta'), 'a.png', <class 'tuple'>, 7)

The `meta` device holds shapes and dtypes but no data: it exists on every machine, which makes
it a handy stand-in for a GPU when you test code that moves tensors.
"""
import torch


def pick_device():
    """The best device here, as a ``torch.device``: cuda if available, else mps if available, else cpu.

    Returns a ``torch.device`` object (not a string), e.g. ``torch.device("cuda")``.
    """
    raise NotImplementedError


def to_device(batch, device):
    """``batch`` with every tensor moved to ``device``; everything else left as it is.

    ``batch`` may be a tensor, or a list, tuple or dict nesting tensors and other values to any
    depth. Returns a *new* container of the same type (a tuple stays a tuple, a list a list, a
    dict a dict with the same keys in the same order); values that are not tensors are returned
    as the very same objects; ``batch`` itself is not modified.
    """
    raise NotImplementedError
