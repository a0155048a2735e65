"""The course's own code (model solutions, known mistakes, harnesses), run in the grader's process.

Known mistakes are executed in the namespace of the model solution (see docs/EXERCISE_FORMAT.md),
so a mutant of a module is the solution with one task rebound to one mistake.
"""
from __future__ import annotations

import copy
import functools
import types
from pathlib import Path
from typing import Any

from grader import drive
from grader.cases import Case
from grader.course import Exercise, Task


def mistake_code_name(task: str, mistake: str) -> str:
    return f"{task}__{mistake}"


def mutant_source(exercise: Exercise, task: str, mistake: str) -> str:
    """A complete module file: the solution with `task` replaced by one known mistake."""
    return (
        exercise.solution_path.read_text()
        + "\n\n# --- known mistakes (dlcert mutant) ---\n"
        + exercise.mistakes_path.read_text()
        + f"\n\n{task} = {mistake_code_name(task, mistake)}\n"
    )


@functools.lru_cache(maxsize=64)
def _namespace(solution: Path, mistakes: Path | None) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "_dlcert_solution"}
    exec(compile(solution.read_text(), str(solution), "exec"), namespace)
    if mistakes is not None:
        exec(compile(mistakes.read_text(), str(mistakes), "exec"), namespace)
    return namespace


@functools.lru_cache(maxsize=64)
def _harness(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    namespace: dict[str, Any] = {"__name__": "_dlcert_harness"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def harness_driver(task: Task):
    harness = _harness(task.exercise.harness_path)
    return harness.get(task.name) if harness else None


def implementation(task: Task, mistake: str | None = None) -> types.SimpleNamespace:
    """A module-like object with the model solution, or the solution with `task` made `mistake`."""
    exercise = task.exercise
    if mistake is None:
        return types.SimpleNamespace(**_namespace(exercise.solution_path, None))
    namespace = dict(_namespace(exercise.solution_path, exercise.mistakes_path))
    code = mistake_code_name(task.name, mistake)
    if code not in namespace:
        raise KeyError(f"{exercise.mistakes_path} has no {code}")
    namespace[task.name] = namespace[code]
    return types.SimpleNamespace(**namespace)


def run(task: Task, case: Case, mistake: str | None = None) -> drive.Outcome:
    """Run the model solution (or one known mistake) on `case`, on a private copy of its inputs."""
    return drive.call(task.name, implementation(task, mistake), harness_driver(task), copy.deepcopy(case.args))
