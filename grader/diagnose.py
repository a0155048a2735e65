"""Explain a failing task: its smallest failing case, the error figures, and the known mistake it matches."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import trusted
from grader.cases import Case
from grader.compare import Mismatch, compare, name_outputs, relative_error
from grader.course import Bound, Task
from grader.results import Diagnosis
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
    modified: list[str] = field(default_factory=list)
    """The arguments the learner's code changed in place."""

    def note_modified(self, names: list[str]) -> None:
        """Record arguments changed in place as a problem of this case."""
        if names:
            self.modified += names
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
        text += " Compare your output with the expected values below, element by element."
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
    )


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
        if how == "info":
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
    """The first known mistake whose output on this case is the learner's output, or None."""
    if not isinstance(verdict.got, dict):
        return None
    for mistake in task.spec.mistakes:
        outcome = trusted.run(task, verdict.case, mistake.name)
        if outcome.error is not None or outcome.not_implemented:
            continue
        theirs = name_outputs(outcome.outputs, task.spec.outputs)
        if isinstance(theirs, Rejected):
            continue
        if verdict.case.stable and bool(outcome.warnings) != bool(verdict.warnings):
            continue
        if all(_same(task, name, verdict.got.get(name), theirs.get(name), verdict.want) for name in task.spec.outputs):
            return mistake
    return None


def _same(task: Task, name: str, got: Any, theirs: Any, want: dict | None) -> bool:
    how = task.spec.comparison(name)
    if how == "info":
        return True
    if isinstance(how, Bound):
        return bool(compare(got, None, how, task.spec.tolerance)) == bool(compare(theirs, None, how, task.spec.tolerance))
    return not compare(got, theirs, how, task.spec.tolerance)
