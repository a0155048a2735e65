"""Explain a failing task: its smallest failing case, the error figures, and the known mistake it matches."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import drive, trusted
from grader.cases import Case
from grader.compare import Mismatch, compare, name_outputs, relative_error, unchanged
from grader.course import Bound, Task
from grader.results import Curve, Diagnosis, Series
from grader.wire import Rejected


@dataclass
class CaseVerdict:
    """Everything known about one case after comparison; `problems` is empty when it passed."""

    case: Case
    problems: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    got: dict[str, Any] | Rejected | None = None
    want: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    errored: bool = False
    modified: dict[str, Any] = field(default_factory=dict)
    """The arguments the learner's code changed in place, with their values afterwards."""

    def note_modified(self, inputs_after: Any) -> None:
        """Record the arguments that `inputs_after` shows changed in place as a problem of this case."""
        names = unchanged(self.case.args, inputs_after)
        if names:
            self.modified.update({name: inputs_after[name] for name in names})
            self.problems.append(f"modified its input {', '.join(names)} in place")

    @property
    def passed(self) -> bool:
        return not self.problems


def show(value: Any, width: int = 100) -> str:
    """A short, readable rendering of a value for a person."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=6, threshold=24, edgeitems=3, max_line_width=width)
        return text if value.ndim < 2 else f"shape {value.shape}\n{text}"
    if isinstance(value, float):
        return f"{value:.8g}"
    if isinstance(value, Rejected):
        return value.what
    if isinstance(value, (list, tuple)):
        inner = ", ".join(show(v, width) for v in value[:6])
        return f"[{inner}{', ...' if len(value) > 6 else ''}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v, width)}" for k, v in list(value.items())[:8]) + "}"
    return repr(value)


def diagnose(task: Task, verdict: CaseVerdict) -> Diagnosis:
    """The diagnosis of `task` from its first failing case."""
    numbers = [m for m in verdict.mismatches if m.max_abs is not None]
    max_abs = max((m.max_abs for m in numbers), default=None)
    max_rel = max((m.max_rel for m in numbers), default=None)
    mistake = match_mistake(task, verdict) if not verdict.errored else None
    first = verdict.problems[0]
    text = f"{task.id}, case `{verdict.case.name}`: {first}"
    if max_abs is not None and np.isfinite(max_abs):
        text += f" (max abs error {max_abs:.3g}, max rel error {max_rel:.3g})"
    text += "."
    if mistake:
        text += f" This looks like a classic mistake, `{mistake.name}`: {mistake.explanation}"
    elif not verdict.errored:
        text += " " + advice(task, verdict)
    others = verdict.problems[max(1, len(verdict.mismatches)):]
    if others:
        text += " Also: " + "; ".join(others) + "."
    details = [f"input {name} = {show(value)}" for name, value in verdict.case.args.items()]
    details += _outputs_table(task, verdict)
    details += [f"warning: {w}" for w in verdict.warnings]
    return Diagnosis(
        mistake=mistake.name if mistake else None,
        case=verdict.case.name,
        max_abs_error=_finite_or_none(max_abs),
        max_rel_error=_finite_or_none(max_rel),
        text=text,
        details=details,
        curve=curve(task, verdict),
        series=series(task, verdict),
    )


def series(task: Task, verdict: CaseVerdict) -> list[Series]:
    """The case's `*_curve` info outputs (1-D float arrays, e.g. the loss per training step), the learner's
    beside the reference's."""
    if not isinstance(verdict.got, dict) or not isinstance(verdict.want, dict):
        return []
    found = []
    for name in task.spec.outputs:
        got, want = verdict.got.get(name), verdict.want.get(name)
        if name.endswith("_curve") and task.spec.comparison(name) == "info" and all(
                isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype.kind == "f" for a in (got, want)):
            found.append(Series(name, _points(got), _points(want)))
    return found


def advice(task: Task, verdict: CaseVerdict) -> str:
    """What to change, for the kind of the first problem (never "compare the values" when they agree)."""
    if isinstance(verdict.got, Rejected):
        return f"Return {' and '.join(task.spec.outputs)} as plain NumPy arrays or Python numbers" + (
            ", as a tuple in that order." if len(task.spec.outputs) > 1 else ".")
    if verdict.mismatches:
        first = verdict.mismatches[0]
        if first.kind == "value":
            return "Compare your output with the expected values below, element by element."
        if first.kind == "nonfinite":
            return ("Find the step that overflows or divides by zero on this input (an exp of a large number, "
                    "a log of 0, 0/0); the values below show where.")
        if first.fix:
            return f"{first.fix[0].upper()}{first.fix[1:]}."
        return "Return the same kind of value as the expected one below."
    if _warned(verdict):
        return ("Your values are right, but this case must run without a warning: rewrite the step that "
                f"overflows or divides by zero (`dlcert hint {task.id}`).")
    if verdict.modified:
        copies = "; ".join(f"`{name} = {name}.copy()`" for name in verdict.modified)
        return (f"Your values are right, but the caller's array changed. Work on a copy: start with {copies}, "
                f"or write `x = x - m` instead of `x -= m` (an in-place operator changes the caller's array).")
    return "See the values below."


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and np.isfinite(value) else None


def _outputs_table(task: Task, verdict: CaseVerdict) -> list[str]:
    if not isinstance(verdict.want, dict) or not isinstance(verdict.got, dict):
        return [f"expected {name} = {show(v)}" for name, v in (verdict.want or {}).items()]
    lines = []
    several = len(task.spec.outputs) > 1
    for name in task.spec.outputs:
        how = task.spec.comparison(name)
        got, want = verdict.got.get(name), verdict.want.get(name)
        if how in ("info", "trait"):
            lines.append(f"{name}: {show(got)}")
            continue
        if not isinstance(how, Bound):
            lines.append(f"expected {name} = {show(want)}")
        lines.append(f"     got {name} = {show(got)}")
        if several and isinstance(got, np.ndarray) and isinstance(want, np.ndarray) and got.shape == want.shape:
            rel = relative_error(got, want)
            mark = "ok" if not compare(got, want, how, task.spec.tolerance) else "WRONG"
            lines.append(f"  {name}: relative error {rel:.2e} ({mark})")
    return lines


def match_mistake(task: Task, verdict: CaseVerdict):
    """The first known mistake that fails this case the way the learner's code does, or None.

    A mistake is named only for a failure of its own kind: when the learner's outputs differ from the
    reference, the mistake's outputs must differ too and equal the learner's; when the learner's values
    are right but a stability case warned, the mistake must warn the same way with the right values.
    When the values are right but inputs were modified in place, the mistake must modify exactly
    those inputs and return the right values. A correct result that fails for another reason
    (float32, a list) names nothing.
    """
    if not isinstance(verdict.got, dict) or not isinstance(verdict.want, dict):
        return None
    wrong_values, warned = bool(verdict.mismatches), _warned(verdict)
    if not wrong_values and not warned and not verdict.modified:
        return None
    for mistake in task.spec.mistakes:
        outcome = trusted.run(task, verdict.case, mistake.name)
        if outcome.error is not None or outcome.not_implemented:
            continue
        theirs = name_outputs(outcome.outputs, task.spec.outputs)
        if isinstance(theirs, Rejected):
            continue
        if not all(_same(task, name, verdict.got.get(name), theirs.get(name), verdict.want) for name in task.spec.outputs):
            continue
        their_values = any(compare(theirs.get(name), verdict.want.get(name), task.spec.comparison(name), task.spec.tolerance)
                           for name in task.spec.outputs)
        they_warned = verdict.case.stable and bool(outcome.warnings)
        if wrong_values and their_values and (not verdict.case.stable or they_warned == warned):
            return mistake
        if not wrong_values and not their_values and they_warned and set(outcome.warnings) & set(verdict.warnings):
            return mistake
        if not wrong_values and not their_values and verdict.modified and _same_modification(task, verdict, outcome.inputs_after):
            return mistake
    return None


def curve(task: Task, verdict: CaseVerdict) -> Curve | None:
    """The failing case as points (input value, expected, got) when the task is element-wise there.

    Only when values differ, the task has one output and no harness, and the output has the first
    argument's shape; element-wise means the model solution's output at one position depends on the
    input at that position alone, which is checked by nudging each input element in turn.
    """
    if not any(m.kind in ("value", "nonfinite") for m in verdict.mismatches) or len(task.spec.outputs) != 1:
        return None
    if trusted.harness_driver(task) is not None or not verdict.case.args or not isinstance(verdict.got, dict):
        return None
    name, x = next(iter(verdict.case.args.items()))
    output = task.spec.outputs[0]
    got, want = verdict.got.get(output), (verdict.want or {}).get(output)
    arrays = (x, got, want)
    if not all(isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.shape == x.shape for a in arrays):
        return None
    if not 2 <= x.size <= MAX_CURVE_POINTS or not _elementwise(task, verdict.case.args, name):
        return None
    order = np.argsort(x.ravel(), kind="stable")
    xs, ws, gs = x.ravel()[order], want.ravel()[order], got.ravel()[order]
    tol = task.spec.tolerance
    with np.errstate(all="ignore"):
        wrong = ~(np.isfinite(gs) & (np.abs(gs - ws) <= tol.atol + tol.rtol * np.abs(ws)))
    return Curve(input=name, output=output, x=_points(xs), expected=_points(ws), got=_points(gs),
                 wrong=[bool(w) for w in wrong])


MAX_CURVE_POINTS = 200
"""Larger inputs are not drawn (and would cost one model-solution call per element to classify)."""


def _points(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]


def _elementwise(task: Task, args: dict[str, Any], first: str) -> bool:
    """Whether nudging one element of `first` changes the model solution's output at that element only."""
    solution = trusted.implementation(task)
    base = drive.call(task.name, solution, None, copy.deepcopy(args))
    if base.error is not None or not isinstance(base.outputs, np.ndarray) or base.outputs.shape != args[first].shape:
        return False
    for i in range(args[first].size):
        nudged = copy.deepcopy(args)
        nudged[first].flat[i] += 1.0
        out = drive.call(task.name, solution, None, nudged).outputs
        if not isinstance(out, np.ndarray) or out.shape != base.outputs.shape:
            return False
        changed = ~((out == base.outputs) | (np.isnan(out) & np.isnan(base.outputs)))
        changed.flat[i] = False
        if changed.any():
            return False
    return True


def _same_modification(task: Task, verdict: CaseVerdict, their_inputs: dict[str, Any]) -> bool:
    """Whether a mistake changed exactly the inputs the learner's code changed, to the same values."""
    if sorted(unchanged(verdict.case.args, their_inputs)) != sorted(verdict.modified):
        return False
    return all(not compare(value, their_inputs[name], "allclose", task.spec.tolerance) for name, value in verdict.modified.items())


def _warned(verdict: CaseVerdict) -> bool:
    return verdict.case.stable and bool(verdict.warnings)


def _same(task: Task, name: str, got: Any, theirs: Any, want: dict | None) -> bool:
    how = task.spec.comparison(name)
    if how == "info":
        return True
    if how == "trait":
        return not compare(got, theirs, "exact", task.spec.tolerance)
    if isinstance(how, Bound):
        return bool(compare(got, None, how, task.spec.tolerance)) == bool(compare(theirs, None, how, task.spec.tolerance))
    return not compare(got, theirs, how, task.spec.tolerance)
