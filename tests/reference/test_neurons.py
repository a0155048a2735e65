"""reference/neurons.py against PyTorch's own layers, and the NumPy solution against it."""
import importlib.util

import numpy as np
import pytest
import torch

from reference import neurons
from tests.reference.course_cases import EXERCISES, device_mismatches, mismatches
from tests.reference.known_mistakes import uncaught_mistakes, unstable_solutions

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)


@pytest.mark.parametrize("n, d", [(1, 1), (5, 3), (8, 2)])
def test_perceptron_is_a_strict_threshold_as_int64(n, d):
    x, w = torch.randn(n, d, **f64), torch.randn(d, **f64)
    b = 0.3
    out = neurons.perceptron(x, w, b)
    assert out.dtype == torch.int64 and out.shape == (n,)
    expected = torch.tensor([1 if float(row @ w) + b > 0 else 0 for row in x], dtype=torch.int64)
    assert torch.equal(out, expected)


def test_perceptron_sum_exactly_zero_gives_zero():
    x = torch.tensor([[1.0, 2.0], [0.0, 0.0], [2.0, 1.0]], **f64)
    w = torch.tensor([1.0, -0.5], **f64)
    assert neurons.perceptron(x, w, 0.0).tolist() == [0, 0, 1]
    assert neurons.perceptron(x, w, -1e-12).tolist() == [0, 0, 1]
    assert neurons.perceptron(x, w, 1e-12).tolist() == [1, 1, 1]


@pytest.mark.parametrize("n, din, dout", [(1, 2, 3), (5, 4, 3), (4, 3, 3), (6, 2, 1)])
def test_dense_forward_equals_nn_linear(n, din, dout):
    x, W, b = torch.randn(n, din, **f64), torch.randn(din, dout, **f64), torch.randn(dout, **f64)
    layer = torch.nn.Linear(din, dout, **f64)
    with torch.no_grad():
        layer.weight.copy_(W.T)   # nn.Linear stores (Dout, Din)
        layer.bias.copy_(b)
        expected = layer(x)
    torch.testing.assert_close(neurons.dense_forward(x, W, b), expected, rtol=1e-7, atol=1e-10)
    torch.testing.assert_close(neurons.dense_forward(x, W, b), x @ W + b, rtol=1e-7, atol=1e-10)


def test_worked_example_of_the_stub():
    x = torch.tensor([[1.0, 2.0]], **f64)
    W = torch.tensor([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]], **f64)
    b = torch.tensor([0.5, 0.0, -0.5], **f64)
    assert neurons.dense_forward(x, W, b).tolist() == [[5.5, 2.0, -1.5]]
    assert neurons.perceptron(torch.tensor([[2.0, -1.0]], **f64), torch.tensor([0.5, 1.0], **f64), 0.25).tolist() == [1]


def _solution():
    spec = importlib.util.spec_from_file_location("neurons_solution", EXERCISES / "01_neurons" / "solution.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_solution_perceptron_returns_integers():
    out = _solution().perceptron(np.array([[1.0, -1.0], [2.0, 0.0]]), np.array([1.0, 1.0]), 0.0)
    assert out.dtype.kind == "i" and out.tolist() == [0, 1]


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("01_neurons")


def test_solution_is_warning_free_and_every_mistake_is_caught():
    assert not unstable_solutions("01_neurons")
    assert not uncaught_mistakes("01_neurons")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("01_neurons", "cuda")
