"""Results of a check, as small dataclasses that round-trip through JSON (the `--json` contract)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("passed", "failed", "error", "timeout", "not_implemented")


@dataclass
class Check:
    """One graded check of a task (usually one case)."""

    name: str
    passed: bool
    message: str
    weight: float = 1.0
    """Share of the task's points this check carries, relative to the other checks."""


@dataclass
class Curve:
    """An element-wise task's failing case as points to draw: the input against both outputs.

    Sorted by the input; a non-finite value is None (JSON has no nan). An optional extra key of the
    `--json` diagnosis; the terminal renderer draws it.
    """

    input: str
    """The argument on the x axis (the task's first argument)."""
    output: str
    x: list[float]
    expected: list[float | None]
    got: list[float | None]
    wrong: list[bool]
    """Where the learner's value is outside the tolerance (or non-finite)."""

    @property
    def first_wrong(self) -> int | None:
        return next((i for i, w in enumerate(self.wrong) if w), None)


@dataclass
class Series:
    """An output recorded over a run (the training loss per step): the learner's and the reference's
    values, each spread over its own run (their steps may differ); a non-finite value is None."""

    name: str
    yours: list[float | None]
    target: list[float | None]


@dataclass
class Diagnosis:
    """Why a task did not pass, for a person; `null` in JSON when it passed."""

    mistake: str | None
    """The known mistake the output matches, by name, or None."""
    case: str | None
    """The first (smallest) failing case."""
    max_abs_error: float | None
    max_rel_error: float | None
    text: str
    """One paragraph that explains what went wrong."""
    details: list[str] = field(default_factory=list)
    """Extra lines (inputs, expected, got, per-output errors), shown by the terminal renderer."""
    curve: Curve | None = None
    """For element-wise tasks whose values differ: the points to draw (an optional extra key)."""
    series: list[Series] = field(default_factory=list)
    """Curves over a run (training loss and accuracy) beside the reference's (an optional extra key)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Diagnosis":
        data = dict(data)
        data["curve"] = Curve(**data["curve"]) if data.get("curve") else None
        data["series"] = [Series(**s) for s in data.get("series", [])]
        return cls(**data)


@dataclass
class TaskResult:
    task: str
    status: str
    score: float
    max_score: float
    checks: list[Check] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    duration: float = 0.0
    output: str = ""
    """What the learner's code printed (the end of it), when it did not pass."""

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "TaskResult":
        data = dict(data)
        data["checks"] = [Check(**c) for c in data.get("checks", [])]
        data["diagnosis"] = Diagnosis.from_dict(data["diagnosis"]) if data.get("diagnosis") else None
        return cls(**data)

    def __repr__(self) -> str:
        return f"<TaskResult {self.task}: {self.status} {self.score:g}/{self.max_score:g}>"


@dataclass
class Report:
    """The results of one `check`, in course order."""

    results: list[TaskResult]
    seed: int | None = None
    device: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 6)

    @property
    def max_score(self) -> float:
        return round(sum(r.max_score for r in self.results), 6)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "results": [r.to_dict() for r in self.results],
            "seed": self.seed,
            "device": self.device,
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        return cls(
            results=[TaskResult.from_dict(r) for r in data["results"]],
            seed=data.get("seed"),
            device=data.get("device"),
            notes=list(data.get("notes", [])),
        )

    def __getitem__(self, task: str) -> TaskResult:
        for r in self.results:
            if r.task == task:
                return r
        raise KeyError(task)

    def _repr_html_(self) -> str:
        """Jupyter shows a report as a table (see `grader.render.report_html`)."""
        from grader.render import report_html

        return report_html(self)

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython's terminal shows the whole report as text."""
        from grader.render import report_text

        printer.text(report_text(self))

    def __repr__(self) -> str:
        counts = {s: sum(r.status == s for r in self.results) for s in STATUSES}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return f"<Report {self.score:g}/{self.max_score:g}: {summary}>"
