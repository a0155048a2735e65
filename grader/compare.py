"""Pure comparisons of what learner code returned with what the reference returned."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.course import Bound, Comparison, Tolerance
from grader.wire import Rejected


@dataclass(frozen=True)
class Mismatch:
    """One way an output differs from the reference, with the error figures when numbers differ."""

    path: str
    problem: str
    max_abs: float | None = None
    max_rel: float | None = None
    kind: str = "value"
    """What differs: `value` (numbers or exact values), `nonfinite`, `shape`, `dtype`, `type`
    (another kind of object), `structure` (sequence length, dict keys) or `returned` (not plain data)."""
    fix: str = ""
    """What to change, when the comparison knows (e.g. "convert it with `.astype(np.float64)`")."""


def name_outputs(value: Any, names: list[str]) -> dict[str, Any] | Rejected:
    """Map a return value onto the task's output names (a tuple maps in order; a dict by key)."""
    if isinstance(value, dict) and (len(names) > 1 or set(value) == set(names)):
        return value
    if len(names) == 1:
        return {names[0]: value}
    if isinstance(value, (tuple, list)) and len(value) == len(names):
        return dict(zip(names, value))
    count = len(value) if isinstance(value, (tuple, list)) else 1
    return Rejected(f"{count} value(s) where {len(names)} were expected ({', '.join(names)})")


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """The gradient-check figure: max |a-b| / max(1e-8, |a|+|b|)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        rel = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.nanmax(np.where(np.isnan(rel), np.inf, rel)))


def _describe(value: Any) -> str:
    if isinstance(value, Rejected):
        return value.what
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def compare(got: Any, want: Any, how: Comparison, tol: Tolerance, path: str = "out") -> list[Mismatch]:
    """Every way `got` fails to match `want` under `how`; empty when it matches."""
    if how in ("info", "trait"):
        return []
    if isinstance(got, Rejected):
        return [Mismatch(path, f"returned {got.what}", kind="returned")]
    if isinstance(how, Bound):
        return _bound(got, how, path)
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            return [Mismatch(path, f"expected a sequence of {len(want)} items, got {_describe(got)}", kind="structure")]
        return [m for i, (g, w) in enumerate(zip(got, want)) for m in compare(g, w, how, tol, f"{path}[{i}]")]
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return [Mismatch(path, f"expected a dict with keys {sorted(want)}, got {_describe(got)}", kind="structure")]
        return [m for k in want for m in compare(got[k], want[k], how, tol, f"{path}[{k!r}]")]
    if want is None or isinstance(want, str) or how == "exact" or isinstance(want, bool):
        return _exact(got, want, path)
    return _close(got, want, tol, path)


def _exact(got: Any, want: Any, path: str) -> list[Mismatch]:
    if isinstance(want, np.ndarray) or isinstance(got, np.ndarray):
        if not isinstance(got, np.ndarray) or not isinstance(want, np.ndarray) or got.shape != want.shape:
            kind = "shape" if isinstance(got, np.ndarray) and isinstance(want, np.ndarray) else "type"
            return [Mismatch(path, f"expected {_describe(want)}, got {_describe(got)}", kind=kind)]
        if not np.array_equal(got, want):
            return [Mismatch(path, f"values differ at {int(np.sum(got != want))} of {got.size} positions")]
        return []
    if not _same_kind(got, want) or got != want:
        if _same_kind(got, want):
            return [Mismatch(path, f"expected {want!r}, got {got!r}")]
        return [Mismatch(path, f"expected {want!r}, got {_describe(got)}", kind="type")]
    return []


def _same_kind(got: Any, want: Any) -> bool:
    """bool, str and None match only themselves; an int may stand where a float is expected."""
    if isinstance(want, bool) or isinstance(got, bool) or want is None or isinstance(want, str):
        return type(got) is type(want)
    if isinstance(want, int):
        return type(got) is int
    return type(got) in (int, float)


def _close(got: Any, want: Any, tol: Tolerance, path: str) -> list[Mismatch]:
    want_arr = np.asarray(want)
    if isinstance(got, bool) or not isinstance(got, (int, float, np.ndarray)):
        if want_arr.ndim == 0:
            return [Mismatch(path, f"expected a number, got {_describe(got)}", kind="type",
                             fix="return a Python float (`float(value)`)")]
        return [Mismatch(path, f"expected an np.ndarray, got {_describe(got)}", kind="type",
                         fix="return an np.ndarray (`np.asarray(value, dtype=np.float64)`)")]
    got_arr = np.asarray(got)
    if got_arr.shape != want_arr.shape:
        expected = "a scalar" if want_arr.ndim == 0 else f"shape {want_arr.shape}"
        fix = ("return one number: reduce over every element and convert with `float(...)`" if want_arr.ndim == 0
               else "check each reduction's `axis=` and `keepdims=`, and any reshape or `np.newaxis`")
        return [Mismatch(path, f"shape {got_arr.shape}, expected {expected}", kind="shape", fix=fix)]
    if want_arr.dtype.kind in "biu":
        kind = "a boolean" if want_arr.dtype.kind == "b" else "an integer"
        if (got_arr.dtype.kind == "b") != (want_arr.dtype.kind == "b") or got_arr.dtype.kind not in "biu":
            cast = "bool" if want_arr.dtype.kind == "b" else "np.int64"
            return [Mismatch(path, f"dtype {got_arr.dtype}, expected {kind} array", kind="dtype",
                             fix=f"convert it with `.astype({cast})`")]
        if want_arr.dtype.itemsize < 8 and got_arr.dtype != want_arr.dtype:
            return [Mismatch(path, f"dtype {got_arr.dtype}, expected {want_arr.dtype}", kind="dtype",
                             fix=f"the point of {want_arr.dtype} is its size: convert with `.astype(np.{want_arr.dtype})`")]
        return _exact(got_arr, want_arr, path)
    if isinstance(got, np.ndarray) and got.dtype != np.float64 and want_arr.ndim > 0:
        return [Mismatch(path, f"dtype {got.dtype}, expected float64", kind="dtype",
                         fix="return float64: `.astype(np.float64)`, or better find where float32 came in "
                             "(a `dtype=np.float32`, an `np.float32(...)`)")]
    got_f, want_f = got_arr.astype(np.float64), want_arr.astype(np.float64)
    finite = np.isfinite(want_f)
    if np.any(finite & ~np.isfinite(got_f)):
        bad = int(np.sum(finite & ~np.isfinite(got_f)))
        return [Mismatch(path, f"{bad} non-finite value(s) (nan or inf) where the reference is finite",
                         float("inf"), float("inf"), kind="nonfinite")]
    with np.errstate(all="ignore"):
        diff = np.abs(got_f - want_f)
        same_special = (got_f == want_f) | (np.isnan(got_f) & np.isnan(want_f))
        ok = np.where(finite, diff <= tol.atol + tol.rtol * np.abs(want_f), same_special)
    if ok.all():
        return []
    bad = ~ok
    max_abs = float(np.max(np.where(np.isnan(diff[bad]), np.inf, diff[bad])))
    rel = relative_error(got_f[bad], want_f[bad])
    where = "" if got_arr.ndim == 0 else f" at {int((~ok).sum())} of {ok.size} positions"
    return [Mismatch(path, f"values differ{where}", max_abs, rel)]


def _bound(got: Any, bound: Bound, path: str) -> list[Mismatch]:
    if isinstance(got, bool) or not isinstance(got, (int, float)) and not (
        isinstance(got, np.ndarray) and got.ndim == 0
    ):
        return [Mismatch(path, f"expected a number, got {_describe(got)}", kind="type")]
    value = float(got)
    if bound.at_least is not None and not value >= bound.at_least:
        return [Mismatch(path, f"{value:.4g} is below the required {bound.at_least:g}")]
    if bound.at_most is not None and not value <= bound.at_most:
        return [Mismatch(path, f"{value:.4g} is above the allowed {bound.at_most:g}")]
    return []


def unchanged(before: dict[str, Any], after: Any) -> list[str]:
    """Names of the arguments that learner code modified in place."""
    if not isinstance(after, dict):
        return []
    changed = []
    for name, original in before.items():
        if isinstance(original, np.ndarray):
            now = after.get(name)
            if not isinstance(now, np.ndarray) or now.shape != original.shape or not np.array_equal(
                now, original, equal_nan=True
            ):
                changed.append(name)
        elif isinstance(original, (list, tuple, dict)) and _contains_array(original):
            if compare(after.get(name), original, "exact", Tolerance()):
                changed.append(name)
    return changed


def _contains_array(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return True
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else ()
    return any(_contains_array(v) for v in items)
