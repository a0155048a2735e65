"""The course as typed data: every exercise's `exercise.yaml`, validated, with its files found by name."""
from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from grader.yamlsafe import YamlProblems, load_file

FOLDER_PATTERN = re.compile(r"^(\d\d)_([a-z][a-z0-9_]*)$")
COURSE_ROOT = Path(__file__).resolve().parent.parent / "exercises"
"""The pristine exercises, beside the `grader` package (in the repository and when installed).
Found by path, never by import, so a learner's own `exercises/` folder cannot stand in for it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """How close a value must be to the reference: |got - want| <= atol + rtol * |want|."""

    rtol: float = 1e-6
    atol: float = 1e-9


class Bound(_Strict):
    """An output graded by a threshold instead of a reference value."""

    at_least: float | None = None
    at_most: float | None = None


Comparison = Union[Literal["allclose", "exact", "info", "trait"], Bound]
"""`info` is shown, never graded; `trait` is not graded either, but a known mistake is named only when
its trait equals the learner's (how a failure happened: the learning rate's scale, the loss curve's shape)."""


class CaseSpec(_Strict):
    """One named input of a task; `args` are value recipes (see docs/EXERCISE_FORMAT.md)."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    args: dict[str, Any] = {}
    stable: bool = False
    """The call must raise no RuntimeWarning on this case."""
    repeat: int = Field(1, ge=1, le=10)
    calls: list[dict[str, Any]] = Field([], max_length=20)
    """A multi-call case: after the case's own call, the same object is called again with each of
    these (fresh values each time); they reach the harness and the reference as a last argument, `calls`."""

    @field_validator("args")
    @classmethod
    def _calls_is_not_an_arg(cls, args: dict[str, Any]) -> dict[str, Any]:
        if "calls" in args:
            raise ValueError("`calls` is the multi-call list (a field of the case), not an argument name")
        return args


class MistakeSpec(_Strict):
    """A classic wrong implementation; its code is `<task>__<name>` in mistakes.py."""

    name: str = Field(pattern=r"^[a-z0-9_]+$")
    explanation: str


class TaskSpec(_Strict):
    """One function or class a learner implements."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    points: float = Field(1.0, gt=0)
    outputs: list[str] = ["out"]
    tolerance: Tolerance = Tolerance()
    compare: dict[str, Comparison] = {}
    time_limit: float | None = Field(None, gt=0)
    hints: list[str] = Field(min_length=2)
    cases: list[CaseSpec] = Field(min_length=1)
    mistakes: list[MistakeSpec] = Field(min_length=2)

    @field_validator("cases")
    @classmethod
    def _unique_cases(cls, cases: list[CaseSpec]) -> list[CaseSpec]:
        names = [c.name for c in cases]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate case names: {', '.join(dupes)}")
        return cases

    def comparison(self, output: str) -> Comparison:
        return self.compare.get(output, "allclose")


class ExerciseSpec(_Strict):
    """The contents of one `exercise.yaml`."""

    format_version: Literal[1]
    module: str
    title: str
    track: Literal["numpy", "torch"] = "numpy"
    summary: str
    time_limit: float = Field(10.0, gt=0)
    memory_mb: int = Field(2048, ge=64)
    tasks: list[TaskSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Task:
    """A task with the exercise it belongs to; `id` is `<module>.<name>`."""

    exercise: "Exercise"
    spec: TaskSpec

    @property
    def id(self) -> str:
        return f"{self.exercise.module}.{self.spec.name}"

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def time_limit(self) -> float:
        return self.spec.time_limit or self.exercise.spec.time_limit


@dataclass(frozen=True)
class Exercise:
    """One module of the course and the files that make it, derived from its folder name."""

    folder: str
    path: Path
    spec: ExerciseSpec

    @property
    def module(self) -> str:
        return self.spec.module

    @property
    def number(self) -> int:
        return int(self.folder[:2])

    @property
    def stub_path(self) -> Path:
        return self.path / f"{self.module}.py"

    @property
    def solution_path(self) -> Path:
        return self.path / "solution.py"

    @property
    def mistakes_path(self) -> Path:
        return self.path / "mistakes.py"

    @property
    def harness_path(self) -> Path:
        """Drivers that run in the sandbox beside the learner's code (optional)."""
        return self.path / "harness.py"

    @property
    def judge_path(self) -> Path:
        """What the grader computes from a driver's results and the cases' inputs (optional; never in the sandbox)."""
        return self.path / "judge.py"

    @property
    def reference_path(self) -> Path:
        """`reference/<module>.py` beside the `exercises/` folder (in the repository and when installed)."""
        return self.path.parent.parent / "reference" / f"{self.module}.py"

    @property
    def tasks(self) -> list[Task]:
        return [Task(self, t) for t in self.spec.tasks]


class CourseError(Exception):
    """The course data is broken, or a target names nothing in it."""


@dataclass(frozen=True)
class Course:
    exercises: list[Exercise]

    @property
    def tasks(self) -> list[Task]:
        return [t for e in self.exercises for t in e.tasks]

    def exercise(self, module: str) -> Exercise:
        found = self._find(module)
        if found is None:
            raise CourseError(_unknown("module", module, [e.module for e in self.exercises]))
        return found

    def select(self, targets: list[str] | tuple[str, ...]) -> list[Task]:
        """The tasks that `targets` name (see `resolve`), in course order; all when empty."""
        if not targets:
            return self.tasks
        chosen: set[str] = set()
        for target in targets:
            exercise, task = self.resolve(target)
            chosen.update(t.id for t in exercise.tasks if task is None or t.name == task.name)
        return [t for t in self.tasks if t.id in chosen]

    def resolve(self, target: str) -> tuple[Exercise, Task | None]:
        """The module (and task) a learner's target names, in any form they type first.

        A module is `activations` or `02_activations`; a task is `activations.softmax`,
        `activations/softmax` (either module form) or its bare name when no other module has a task
        of that name (`softmax`); a path to a module file or folder
        (`exercises/02_activations/activations.py`, `activations.py`) names its module.
        Anything else is a CourseError that suggests the closest names.
        """
        text = target.strip().replace("\\", "/").rstrip("/")
        parts = [p for p in text.split("/") if p not in ("", ".")]
        if not parts:
            raise CourseError(f"empty target {target!r}; name a module (`activations`) or a task (`activations.softmax`)")
        last = parts[-1]
        if last.endswith(".py"):
            module, name = last[:-3], ""
            if len(parts) > 1 and FOLDER_PATTERN.match(parts[-2]) and self._find(parts[-2]) is not self._find(module):
                raise CourseError(f"{target!r}: {last} is not the module file of {parts[-2]}")
        elif len(parts) > 1 and self._find(parts[-2]) is not None and self._find(last) is None:
            module, name = parts[-2], last
        else:
            module, _, name = last.partition(".")
        exercise = self._find(module)
        if exercise is None and not name:
            owners = [t for t in self.tasks if t.name == module]
            if len(owners) == 1:  # a bare task name, as the grouped tables show it
                return owners[0].exercise, owners[0]
        if exercise is None:
            raise CourseError(_unknown("module", target, self._names()))
        if not name:
            return exercise, None
        task = next((t for t in exercise.tasks if t.name == name), None)
        if task is None:
            raise CourseError(_unknown("task", target, [t.id for t in exercise.tasks]))
        return exercise, task

    def _find(self, module: str) -> Exercise | None:
        return next((e for e in self.exercises if module in (e.module, e.folder)), None)

    def _names(self) -> list[str]:
        """What a target may name: modules and task ids (bare task names point to their ids)."""
        return [e.module for e in self.exercises] + [t.id for t in self.tasks]


def _unknown(kind: str, name: str, known: list[str]) -> str:
    """An error that suggests the closest of `known` (modules and `module.task` ids).

    A bare word is matched against modules and against task names (`softmax` finds
    `activations.softmax`); a dotted one against task ids.
    """
    key = name.strip().replace("\\", "/").rstrip("/").split("/")[-1]
    if "." in key:
        close = difflib.get_close_matches(key, known, n=3, cutoff=0.7)
    else:
        by_task = {k.rpartition(".")[2]: k for k in known if "." in k}
        modules = [k for k in known if "." not in k]
        close = [by_task[key]] if key in by_task else []
        close += difflib.get_close_matches(key, modules, n=3) + [by_task[t] for t in difflib.get_close_matches(key, list(by_task), n=3)]
    close = list(dict.fromkeys(close))[:3]
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known modules: {', '.join(k for k in known if '.' not in k)}"
    return f"unknown {kind} {name!r}{hint}"


def load_exercise(path: Path) -> Exercise:
    """Load and validate one exercise folder; errors name the file and line."""
    match = FOLDER_PATTERN.match(path.name)
    if not match:
        raise CourseError(f"{path}: exercise folders are named NN_<module>")
    meta = path / "exercise.yaml"
    try:
        located = load_file(meta)
    except YamlProblems as exc:
        raise CourseError(str(exc)) from exc
    try:
        spec = ExerciseSpec.model_validate(located.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            problems.append(f"{meta}:{located.line(err['loc'])}: {where}: {err['msg']}")
        raise CourseError("\n".join(problems)) from exc
    if spec.module != match.group(2):
        raise CourseError(f"{meta}:{located.line(('module',))}: module {spec.module!r} does not match folder {path.name}")
    exercise = Exercise(folder=path.name, path=path, spec=spec)
    if not exercise.stub_path.is_file():
        raise CourseError(f"{path}: missing stub {exercise.stub_path.name}")
    return exercise


@functools.lru_cache(maxsize=4)
def load_course(root: Path | None = None) -> Course:
    """Every exercise under `root` (default: the course shipped with dlcert), in number order."""
    folders = sorted(p for p in Path(root or COURSE_ROOT).iterdir() if FOLDER_PATTERN.match(p.name) and (p / "exercise.yaml").is_file())
    return Course([load_exercise(p) for p in folders])
