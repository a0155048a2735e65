"""cases: recipes become seeded, reproducible inputs."""
import numpy as np
import pytest

from grader.cases import CaseError, build_cases, build_value


def rng():
    return np.random.default_rng(0)


def test_literals_and_generators():
    assert build_value([1, 2], rng()).dtype == np.float64
    assert build_value({"array": [1, 2], "dtype": "int64"}, rng()).dtype == np.int64
    assert build_value({"array": [-127, 127], "dtype": "int8"}, rng()).dtype == np.int8
    assert build_value({"normal": [2, 3]}, rng()).shape == (2, 3)
    p = build_value({"probs": [4, 3]}, rng())
    assert np.allclose(p.sum(axis=-1), 1) and (p > 0).all()
    onehot = build_value({"onehot": [5, 3]}, rng())
    assert (onehot.sum(axis=1) == 1).all()
    assert build_value({"causal": 3}, rng()).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    ints = build_value({"integers": [100], "low": 0, "high": 3}, rng())
    assert ints.min() >= 0 and ints.max() < 3
    assert isinstance(build_value({"list": [1.0, [1.0]]}, rng()), list)
    assert set(build_value({"dict": {"a": 1}}, rng())) == {"a"}


def test_unknown_generators_are_clear_errors():
    with pytest.raises(CaseError, match="unknown case value 'gaussian'"):
        build_value({"gaussian": [2]}, rng())
    with pytest.raises(CaseError, match="bad parameters"):
        build_value({"normal": [2], "sigma": 1}, rng())


def test_cases_are_seeded_and_reproducible(toy_course):
    task = toy_course.tasks[0]
    a, b, c = build_cases(task, 1), build_cases(task, 1), build_cases(task, 2)
    assert [x.name for x in a] == ["small", "random"]
    assert np.array_equal(a[1].args["x"], b[1].args["x"])
    assert not np.array_equal(a[1].args["x"], c[1].args["x"])


def test_a_multi_call_case_gets_fresh_reproducible_values_for_each_call_last():
    from grader.course import load_course

    [task] = load_course().select(["backprop.Dense"])
    [case] = [c for c in build_cases(task, 3) if c.name == "three_batches"]
    [again] = [c for c in build_cases(task, 3) if c.name == "three_batches"]
    assert list(case.args) == ["W", "b", "x", "grad_out", "calls"]
    xs = [case.args["x"]] + [call["x"] for call in case.args["calls"]]
    assert len(xs) == 3 and not any(np.array_equal(a, b) for i, a in enumerate(xs) for b in xs[i + 1:])
    assert all(np.array_equal(a["x"], b["x"]) for a, b in zip(case.args["calls"], again.args["calls"]))


def test_calls_is_not_an_argument_name_and_its_recipes_are_validated():
    from pydantic import ValidationError

    from grader.cases import validate_recipes
    from grader.course import CaseSpec

    with pytest.raises(ValidationError, match="multi-call"):
        CaseSpec(name="bad", args={"calls": 1})
    spec = CaseSpec(name="steps", args={"x": [1.0]}, calls=[{"x": {"gaussian": [2]}}])
    [problem] = validate_recipes(spec)
    assert problem.startswith("case steps, arg calls[0].x: unknown case value 'gaussian'")


STATEFUL = {"backprop.Dense": ["stale_cache", "accumulates_grads"]}
"""Mistakes that carry state wrongly between calls: right on every one-call case, caught by a multi-call one."""


@pytest.mark.parametrize("task_id, mistake", [(t, m) for t, ms in STATEFUL.items() for m in ms])
def test_state_carried_wrongly_between_calls_is_caught_only_by_the_multi_call_case(task_id, mistake):
    import copy

    from grader import trusted
    from grader.course import load_course
    from grader.diagnose import diagnose
    from grader.pipeline import evaluate_case
    from grader.references import ReferenceRunner
    from grader.sandbox import CaseRun

    [task] = load_course().select([task_id])
    cases = build_cases(task, 0)
    failing = []
    for case, want in zip(cases, ReferenceRunner("cpu").outputs(task, cases)):
        outcome = trusted.run(task, case, mistake)
        verdict = evaluate_case(task, case, CaseRun(case.name, outcome.outputs, copy.deepcopy(case.args)), want)
        if not verdict.passed:
            failing.append(case.name)
            assert diagnose(task, verdict).mistake == mistake
    assert failing == [c.name for c in cases if "calls" in c.args]
