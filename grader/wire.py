"""Values across the sandbox boundary: JSON for structure, `.npy` files for arrays, nothing pickled.

The child side keeps its own references to the few functions it needs, taken before any learner
code runs, so a learner who patches NumPy or `os` cannot change what is written. Anything that is
not plain data (an ndarray subclass, a duck-typed object, an object array) is not sent: it arrives
as a `Rejected` naming what it was.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_os_open, _os_write, _os_close, _dumps, _ndarray = os.open, os.write, os.close, json.dumps, np.ndarray
_generic, _frombuffer, _dtype, _literal_eval = np.generic, np.frombuffer, np.dtype, ast.literal_eval
MAX_ARRAY_BYTES = 256 * 2**20
MAX_ITEMS = 100_000
MAX_DEPTH = 20
_ALLOWED_KINDS = "biuf"


@dataclass(frozen=True)
class Rejected:
    """A value that was not plain data; `what` says what it was."""

    what: str


class _Budget:
    def __init__(self) -> None:
        self.items = 0


def encode(value: Any, folder: str, prefix: str = "v") -> str:
    """JSON text for `value`; its arrays are written as `.npy` files into `folder`."""
    counter = iter(range(MAX_ITEMS))
    budget = _Budget()

    def walk(v: Any, depth: int) -> Any:
        budget.items += 1
        if budget.items > MAX_ITEMS or depth > MAX_DEPTH:
            return {"__rejected__": "a structure too large or too deep to grade"}
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        if t is _ndarray:
            if v.dtype.kind not in _ALLOWED_KINDS:
                return {"__rejected__": f"an array of dtype {v.dtype} (expected numbers)"}
            if v.nbytes > MAX_ARRAY_BYTES:
                return {"__rejected__": f"an array of {v.nbytes} bytes (too large)"}
            name = f"{prefix}{next(counter)}.npy"
            _write_npy(os.path.join(folder, name), v)
            return {"__array__": name}
        if isinstance(v, _generic) and t.__module__ == "numpy" and v.dtype.kind in _ALLOWED_KINDS:
            return v.item()
        if t in (list, tuple):
            return {"__list__" if t is list else "__tuple__": [walk(x, depth + 1) for x in v]}
        if t is dict and all(type(k) is str for k in v):
            return {"__dict__": {k: walk(x, depth + 1) for k, x in v.items()}}
        if isinstance(v, _ndarray):
            return {"__rejected__": f"a subclass of np.ndarray ({t.__name__}); return a plain np.ndarray"}
        return {"__rejected__": f"a {t.__module__}.{t.__qualname__} object"}

    return _dumps(walk(value, 0))


def _write_npy(path: str, arr: np.ndarray) -> None:
    """Write `arr` in NumPy's .npy format (version 1.0) using only C-level array attributes."""
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (arr.dtype.str, tuple(arr.shape))
    pad = 64 - (10 + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode("latin1")
    fd = _os_open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        _os_write(fd, b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header)
        data = arr.tobytes(order="C")
        view = memoryview(data)
        while view:
            view = view[_os_write(fd, view) :]
    finally:
        _os_close(fd)


def read_npy(path: Path) -> np.ndarray:
    """Read a `.npy` file that `_write_npy` wrote, with functions bound before learner code ran
    (the sandbox child decodes its inputs after the learner's module, which may patch `np.load`)."""
    with open(path, "rb") as handle:
        data = handle.read()
    size = int.from_bytes(data[8:10], "little")
    header = _literal_eval(data[10 : 10 + size].decode("latin1"))
    array = _frombuffer(data, dtype=_dtype(header["descr"]), offset=10 + size)
    return array.reshape(header["shape"]).copy()


def _np_load(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)


def decode(text: str, folder: Path, load=_np_load) -> Any:
    """The value that `encode` wrote; arrays are loaded with `load` (`np.load(allow_pickle=False)`)."""
    folder = Path(folder).resolve()

    def walk(v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        if "__array__" in v:
            path = (folder / str(v["__array__"])).resolve()
            if path.parent != folder:
                return Rejected("an array file outside the exchange folder")
            try:
                return load(path)
            except (OSError, ValueError) as exc:
                return Rejected(f"an unreadable array ({exc})")
        if "__list__" in v:
            return [walk(x) for x in v["__list__"]]
        if "__tuple__" in v:
            return tuple(walk(x) for x in v["__tuple__"])
        if "__dict__" in v:
            return {k: walk(x) for k, x in v["__dict__"].items()}
        return Rejected(str(v.get("__rejected__", "an unknown value")))

    return walk(json.loads(text))
