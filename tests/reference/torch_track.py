"""For the torch-track reference tests: grade the course's own code on a task's yaml cases, in-process.

The torch-track tasks are all driven by a harness and compared exact or against thresholds, so the
helpers here run the harness and judge (as the grader does) and use the grader's own pure comparison.
"""
from __future__ import annotations

from grader import trusted
from grader.cases import build_cases
from grader.compare import compare, name_outputs
from grader.course import Task, load_exercise
from grader.references import ReferenceRunner
from tests.reference.course_cases import EXERCISES


def tasks(folder: str) -> dict[str, Task]:
    return {t.name: t for t in load_exercise(EXERCISES / folder).tasks}


def reference_outputs(task: Task, seed: int = 0) -> dict[str, dict]:
    """The reference's outputs per case name (no cache: the reference code is what is under test)."""
    cases = build_cases(task, seed)
    values = ReferenceRunner("cpu", use_cache=False).outputs(task, cases)
    return {case.name: name_outputs(value, task.spec.outputs) for case, value in zip(cases, values)}


def run(task: Task, case_name: str, mistake: str | None = None, seed: int = 0) -> dict:
    """The outputs of the model solution (or one known mistake) on one case, through the harness and judge."""
    case = next(c for c in build_cases(task, seed) if c.name == case_name)
    outcome = trusted.run(task, case, mistake)
    if outcome.error is not None:
        raise outcome.error
    return name_outputs(outcome.outputs, task.spec.outputs)


def problems(task: Task, got: dict, want: dict) -> list[str]:
    """Every graded output of `got` that the grader would reject against `want` (info outputs are not graded)."""
    found = []
    for name in task.spec.outputs:
        for m in compare(got.get(name), want.get(name), task.spec.comparison(name), task.spec.tolerance, name):
            found.append(f"{m.path}: {m.problem}")
    return found
