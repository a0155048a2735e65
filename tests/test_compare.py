"""compare: pure functions, tested with tiny inputs."""
import numpy as np
import pytest

from grader.compare import compare, name_outputs, relative_error, unchanged
from grader.course import Bound, Tolerance
from grader.wire import Rejected

TOL = Tolerance(rtol=1e-6, atol=1e-9)


def test_equal_arrays_match():
    assert compare(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-12]), "allclose", TOL) == []


def test_values_outside_tolerance_report_errors():
    [m] = compare(np.array([1.0, 2.5]), np.array([1.0, 2.0]), "allclose", TOL)
    assert "1 of 2" in m.problem
    assert m.max_abs == pytest.approx(0.5)
    assert m.max_rel == pytest.approx(0.5 / 4.5)


def test_shape_dtype_and_type_are_checked():
    assert "shape (2, 1)" in compare(np.zeros((2, 1)), np.zeros(2), "allclose", TOL)[0].problem
    assert "float32" in compare(np.zeros(2, np.float32), np.zeros(2), "allclose", TOL)[0].problem
    assert "a list" in compare([0.0, 0.0], np.zeros(2), "allclose", TOL)[0].problem
    assert "shape (2,), expected a scalar" in compare(np.zeros(2), 0.5, "allclose", TOL)[0].problem
    assert "expected a number" in compare("0.5", 0.5, "allclose", TOL)[0].problem


def test_a_narrow_integer_dtype_is_part_of_the_answer():
    """int8 codes are the point of quantization: int64 codes with the right values still fail."""
    want = np.array([3, -127], dtype=np.int8)
    [m] = compare(want.astype(np.int64), want, "allclose", TOL)
    assert m.kind == "dtype" and "expected int8" in m.problem and ".astype(np.int8)" in m.fix
    assert compare(want.copy(), want, "allclose", TOL) == []
    assert compare(np.array([1, 2], dtype=np.int32), np.array([1, 2]), "allclose", TOL) == []


def test_scalars_accept_python_numbers_and_0d_arrays():
    assert compare(0.5, 0.5, "allclose", TOL) == []
    assert compare(np.array(0.5), 0.5, "allclose", TOL) == []
    assert compare(np.array([0.5]), 0.5, "allclose", TOL)[0].problem.startswith("shape (1,)")


def test_non_finite_where_reference_is_finite_fails():
    [m] = compare(np.array([np.nan, 1.0]), np.array([0.0, 1.0]), "allclose", TOL)
    assert "non-finite" in m.problem


def test_infinities_must_match_exactly():
    assert compare(np.array([1000.0]), np.array([np.inf]), "allclose", TOL)
    assert compare(np.array([np.inf]), np.array([np.inf]), "allclose", TOL) == []
    assert compare(np.array([np.nan]), np.array([np.nan]), "allclose", TOL) == []


def test_integer_and_boolean_outputs_are_exact_and_typed():
    assert compare(np.array([1, 0]), np.array([1, 0]), "allclose", TOL) == []
    assert "expected an integer array" in compare(np.array([True, False]), np.array([1, 0]), "allclose", TOL)[0].problem
    assert compare(np.array([1, 1]), np.array([1, 0]), "allclose", TOL)


def test_rejected_values_fail_with_what_they_were():
    [m] = compare(Rejected("a subclass of np.ndarray (Liar)"), np.zeros(2), "allclose", TOL)
    assert "Liar" in m.problem


def test_containers_compare_elementwise():
    assert compare([np.ones(2), (1.0, 2.0)], [np.ones(2), (1.0, 2.0)], "allclose", TOL) == []
    [m] = compare({"a": np.ones(2)}, {"a": np.zeros(2)}, "allclose", TOL, "grads")
    assert m.path == "grads['a']"


def test_exact_and_bounds_and_info():
    assert compare("cuda", "cpu", "exact", TOL)
    assert compare(True, 1, "exact", TOL)
    assert compare(0.95, None, Bound(at_least=0.9), TOL) == []
    assert "below" in compare(0.5, None, Bound(at_least=0.9), TOL)[0].problem
    assert compare("anything", 1.0, "info", TOL) == []


def test_name_outputs():
    assert name_outputs((1, 2), ["a", "b"]) == {"a": 1, "b": 2}
    assert name_outputs(np.ones(2), ["out"])["out"].shape == (2,)
    assert isinstance(name_outputs((1, 2, 3), ["a", "b"]), Rejected)


def test_relative_error_is_the_gradient_check_figure():
    assert relative_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_unchanged_names_modified_inputs():
    before = {"x": np.ones(2), "w": [np.ones(2)], "k": 3}
    assert unchanged(before, {"x": np.ones(2), "w": [np.ones(2)], "k": 3}) == []
    assert unchanged(before, {"x": np.zeros(2), "w": [np.zeros(2)], "k": 3}) == ["x", "w"]


def test_each_mismatch_has_a_kind_and_a_fix_where_one_is_known():
    kinds = {
        "value": compare(np.array([1.0, 2.5]), np.array([1.0, 2.0]), "allclose", TOL),
        "nonfinite": compare(np.array([np.nan]), np.array([0.0]), "allclose", TOL),
        "shape": compare(np.zeros((2, 1)), np.zeros(2), "allclose", TOL),
        "dtype": compare(np.zeros(2, np.float32), np.zeros(2), "allclose", TOL),
        "type": compare([0.0, 0.0], np.zeros(2), "allclose", TOL),
        "structure": compare([np.zeros(2)], [np.zeros(2), np.zeros(2)], "allclose", TOL),
    }
    for kind, [m] in kinds.items():
        assert m.kind == kind
    assert "`.astype(np.float64)`" in kinds["dtype"][0].fix
    assert "np.asarray" in kinds["type"][0].fix
    assert "`.astype(np.int64)`" in compare(np.array([1.0]), np.array([1]), "allclose", TOL)[0].fix
