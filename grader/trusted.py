"""The course's own code (model solutions, known mistakes, harnesses, judges), run in the grader's process.

Known mistakes are executed in the namespace of the model solution (see docs/EXERCISE_FORMAT.md),
so a mutant of a module is the solution with one task rebound to one mistake. A task with a
harness is run in two halves: its driver (in the sandbox for learner code, here for the course's
code) returns raw data, and its judge (always here) turns that data and the case's inputs into the
task's outputs; `child_args` and `judged` are those two seams, shared by every path.
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
from grader.wire import Rejected


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
def _exercise_code(path: Path, name: str) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def harness_driver(task: Task):
    harness = _exercise_code(task.exercise.harness_path, "_dlcert_harness")
    return harness.get(task.name) if harness else None


def harness_source(exercise: Exercise) -> str | None:
    """The harness's text, sent to the sandbox with the job (learner code cannot read dlcert's files)."""
    return exercise.harness_path.read_text() if exercise.harness_path.is_file() else None


def _judge(task: Task, suffix: str = ""):
    judge = _exercise_code(task.exercise.judge_path, "_dlcert_judge")
    return judge.get(task.name + suffix) if judge else None


def child_args(task: Task, case: Case) -> dict[str, Any]:
    """The arguments the driver gets: the case's, or what the judge's `<task>_inputs` makes of them
    (e.g. a dataset without the labels the verdict needs)."""
    make = _judge(task, "_inputs")
    return make(*case.args.values()) if make else case.args


def judged(task: Task, case: Case, raw: Any) -> Any:
    """The task's outputs from a driver's raw data: what the judge decides, or `raw` when there is no judge.

    `raw` may come from learner code, so anything the judge cannot read is `Rejected`, never raised.
    """
    decide = _judge(task)
    if decide is None or isinstance(raw, Rejected):
        return raw
    if not isinstance(raw, dict):
        return Rejected(f"a {type(raw).__name__} where the grader's driver returns a dict")
    try:
        return decide(raw, *case.args.values())
    except Exception as exc:  # hostile or broken data: this case fails, the grader goes on
        return Rejected(f"results the grader could not read ({type(exc).__name__}: {exc})"[:300])


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
    """Run the model solution (or one known mistake) on `case`, on a private copy of its inputs, judged."""
    args = copy.deepcopy(child_args(task, case))
    outcome = drive.call(task.name, implementation(task, mistake), harness_driver(task), args)
    if outcome.error is None and not outcome.not_implemented:
        outcome.outputs = judged(task, case, outcome.outputs)
    return outcome
