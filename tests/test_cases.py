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
