"""For the reference tests: every known mistake of an exercise is caught by at least one yaml case.

A mistake is caught when, on some case of its task, its output differs from the reference beyond
the task's tolerance (or has another shape/dtype kind), or it raises a floating-point warning on a
`stable: true` case. Warnings are over/divide/invalid (the doc's "RuntimeWarning (overflow, divide,
invalid)"); underflow to 0 is harmless and not counted.
"""
from __future__ import annotations

import copy
import warnings
from pathlib import Path

import numpy as np

from grader import trusted
from grader.cases import build_cases
from grader.course import load_exercise
from tests.reference.course_cases import EXERCISES, named, run_reference


def _call(impl, task_name: str, args: dict):
    """(result or exception, warning messages) of impl.task_name(*args)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = getattr(impl, task_name)(*copy.deepcopy(list(args.values())))
        except Exception as exc:  # a mistake may crash on some shapes: that case catches it
            result = exc
    return result, [str(w.message) for w in caught]


def _differs(got, want, tol) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or (want.dtype.kind in "iu") != (got.dtype.kind in "iu"):
        return True
    if got.dtype.kind not in "fiu":
        return True
    return not np.allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol.rtol, atol=tol.atol)


def uncaught_mistakes(folder: str, seeds=(0, 1)) -> list[str]:
    """Known mistakes that no case of their task tells apart from the reference."""
    exercise = load_exercise(Path(EXERCISES) / folder)
    problems = []
    for task in exercise.tasks:
        outputs = task.spec.outputs
        for mistake in task.spec.mistakes:
            impl = trusted.implementation(task, mistake.name)
            caught = False
            for seed in seeds:
                for case in build_cases(task, seed):
                    result, warned = _call(impl, task.name, case.args)
                    if isinstance(result, Exception) or (case.stable and warned):
                        caught = True
                        break
                    want = run_reference(exercise.module, task.name, outputs, case.args)
                    got = named(result, outputs)
                    if any(_differs(got[o], want[o], task.spec.tolerance) for o in outputs):
                        caught = True
                        break
                if caught:
                    break
            if not caught:
                problems.append(f"{task.id}: mistake {mistake.name} passes every case")
    return problems


def unstable_solutions(folder: str, seeds=(0, 1)) -> list[str]:
    """Cases marked `stable: true` on which the model solution raises a floating-point warning."""
    exercise = load_exercise(Path(EXERCISES) / folder)
    problems = []
    for task in exercise.tasks:
        impl = trusted.implementation(task)
        for seed in seeds:
            for case in build_cases(task, seed):
                result, warned = _call(impl, task.name, case.args)
                if isinstance(result, Exception):
                    problems.append(f"{task.id} case {case.name}: raised {result!r}")
                elif case.stable and warned:
                    problems.append(f"{task.id} case {case.name}: warned {warned}")
    return problems
