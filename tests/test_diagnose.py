"""diagnose: a known mistake is named only for a failure of its own kind, and every other failure says what to change.

Each flawed-but-correct variant of a model solution (it mutates its input, returns float32, a list,
another shape, or the right values with a warning) is graded in-process like the sandbox would
(outputs through the wire), on every NumPy task of the course.
"""
from __future__ import annotations

import copy
import functools
import types

import numpy as np
import pytest

from grader import drive, trusted, wire
from grader.cases import build_cases
from grader.course import load_course
from grader.diagnose import diagnose
from grader.pipeline import evaluate_case
from grader.references import ReferenceRunner
from grader.sandbox import CaseRun

COURSE = load_course()
NUMPY_TASKS = [t for t in COURSE.tasks if t.exercise.spec.track == "numpy"]


def _floats(value, change):
    """`value` with every float array in it replaced by `change(array)`."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return change(value)
    if isinstance(value, (tuple, list)):
        return type(value)(_floats(v, change) for v in value)
    if isinstance(value, dict):
        return {k: _floats(v, change) for k, v in value.items()}
    return value


def _mutate_first_array(args) -> None:
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f" and a.size:
            a += 1.0
            return


def _variant_function(fn, kind):
    @functools.wraps(fn)
    def flawed(*args):
        if kind == "mutates":
            out = fn(*copy.deepcopy(args))
            _mutate_first_array(args)
            return out
        if kind == "warns":
            np.float64(1.0) / np.float64(0.0)  # RuntimeWarning: divide by zero
            return fn(*args)
        change = {"float32": lambda a: a.astype(np.float32), "list": lambda a: a.tolist(),
                  "reshaped": lambda a: a.reshape(-1) if a.ndim > 1 else a.reshape(1, -1)}[kind]
        return _floats(fn(*args), change)

    return flawed


def _variant_class(cls, kind):
    """A subclass whose public methods mutate their first array argument, or return float32."""
    methods = {}
    for name in [n for n in dir(cls) if not n.startswith("_") and callable(getattr(cls, n))]:
        def method(self, *args, _original=getattr(cls, name)):
            out = _original(self, *args)
            if kind == "mutates":
                _mutate_first_array(args)
                return out
            return _floats(out, lambda a: a.astype(np.float32))
        methods[name] = method
    return type(cls.__name__, (cls,), methods)


def _roundtrip(value):
    return wire.decode(wire.encode(value))


def first_failure(task, kind, tmp_path):
    """The first failing case's verdict when `task`'s model solution has the flaw `kind`, or None."""
    solution = trusted.implementation(task)
    original = getattr(solution, task.name)
    flawed = _variant_class(original, kind) if isinstance(original, type) else _variant_function(original, kind)
    module = types.SimpleNamespace(**{**vars(solution), task.name: flawed})
    cases = build_cases(task, 0)
    for i, (case, want) in enumerate(zip(cases, ReferenceRunner("cpu").outputs(task, cases))):
        args = copy.deepcopy(trusted.child_args(task, case))
        outcome = drive.call(task.name, module, trusted.harness_driver(task), args)
        outputs = trusted.judged(task, case, _roundtrip(outcome.outputs))  # as the pipeline judges the child's data
        run = CaseRun(case.name, outputs, _roundtrip(args),
                      error=repr(outcome.error) if outcome.error else None, warnings=outcome.warnings)
        verdict = evaluate_case(task, case, run, want)
        if not verdict.passed:
            return verdict
    return None


THE_FLAW_IS_THE_MISTAKE = {("backprop.numerical_gradient", "mutates"): "not_restored"}
"""numerical_gradient must restore x: leaving it changed is exactly that known mistake."""


def _params():
    for task in NUMPY_TASKS:
        is_class = isinstance(getattr(trusted.implementation(task), task.name), type)
        for kind in ("mutates", "float32") if is_class else ("mutates", "float32", "list", "reshaped", "warns"):
            yield pytest.param(task, kind, id=f"{task.id}-{kind}")


@pytest.mark.parametrize("task, kind", list(_params()))
def test_a_flaw_that_no_mistake_makes_names_no_mistake(task, kind, tmp_path):
    verdict = first_failure(task, kind, tmp_path)
    if verdict is None:
        return  # the flaw is harmless for this task (e.g. a float32 scalar arrives as a Python float)
    assert diagnose(task, verdict).mistake == THE_FLAW_IS_THE_MISTAKE.get((task.id, kind))


ADVICE = {
    "activations.softmax": {
        "mutates": "`x = x.copy()`",
        "float32": "`.astype(np.float64)`",
        "list": "np.asarray",
        "reshaped": "shape (1, 3), expected shape (3,)",
        "warns": "Your values are right, but this case must run without a warning",
    },
    "losses.mse_grad": {"mutates": "`y_pred = y_pred.copy()`"},
    "transformers.scaled_dot_product_attention": {"mutates": "`q = q.copy()`"},
    "neurons.perceptron": {"mutates": "`x = x.copy()`"},
}


@pytest.mark.parametrize("task_id, kind, words", [(t, k, w) for t, by in ADVICE.items() for k, w in by.items()])
def test_each_failure_kind_says_what_to_change_and_not_to_compare_values(task_id, kind, words, tmp_path):
    [task] = COURSE.select([task_id])
    text = diagnose(task, first_failure(task, kind, tmp_path)).text
    assert words in text
    assert "element by element" not in text


def mistake_failure(task, mistake):
    """The first failing case's verdict of a known mistake (run in-process)."""
    cases = build_cases(task, 0)
    for case, want in zip(cases, ReferenceRunner("cpu").outputs(task, cases)):
        outcome = trusted.run(task, case, mistake)
        verdict = evaluate_case(task, case, CaseRun(case.name, outcome.outputs, copy.deepcopy(case.args)), want)
        if not verdict.passed:
            return verdict
    raise AssertionError(f"{mistake} passed every case")


def test_a_real_mistake_is_still_named_and_its_curve_marks_the_first_wrong_point():
    [task] = COURSE.select(["activations.leaky_relu"])
    mistake = "ignores_alpha"
    diagnosis = diagnose(task, mistake_failure(task, mistake))
    assert diagnosis.mistake == mistake
    curve = diagnosis.curve
    assert curve is not None and curve.input == "x" and curve.x == sorted(curve.x)
    first = curve.first_wrong
    assert curve.x[first] < 0 and not any(curve.wrong[:first])  # the leak is lost left of zero
    assert curve.got[first] == 0.0 and curve.expected[first] == pytest.approx(0.01 * curve.x[first])


@pytest.mark.parametrize("task_id", ["activations.softmax", "losses.mse", "cnn.conv2d_forward"])
def test_tasks_that_are_not_element_wise_get_no_curve(task_id):
    [task] = COURSE.select([task_id])
    assert diagnose(task, mistake_failure(task, task.spec.mistakes[0].name)).curve is None
