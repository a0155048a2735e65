"""reference/activations.py against PyTorch's built-ins and the analytic derivatives, and the
NumPy solution against it."""
import pytest
import torch
import torch.nn.functional as F

from reference import activations as ref
from tests.reference.course_cases import device_mismatches, mismatches
from tests.reference.known_mistakes import uncaught_mistakes, unstable_solutions

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)
TOL = dict(rtol=1e-7, atol=1e-10)

EDGES = torch.tensor([-1000.0, -745.0, -50.0, -1.0, -0.0, 0.0, 1e-300, 1.0, 50.0, 745.0, 1000.0], **f64)
ZEROS = torch.tensor([-2.0, 0.0, -0.0, 0.0, 3.0], **f64)   # exact kinks


def inputs():
    return [torch.randn(7, **f64) * 3, torch.randn(4, 5, **f64) * 3, torch.randn(2, 3, 4, **f64), EDGES, ZEROS]


def close(a, b):
    torch.testing.assert_close(a, b, **TOL)


@pytest.mark.parametrize("x", inputs())
def test_sigmoid_and_backward(x):
    out = ref.sigmoid(x)
    assert torch.isfinite(out).all()
    close(out, torch.special.expit(x))
    moderate = x.clamp(-30, 30)
    close(ref.sigmoid(moderate), 1 / (1 + torch.exp(-moderate)))
    g = torch.randn_like(x)
    s = torch.sigmoid(x)
    close(ref.sigmoid_backward(x, g), g * s * (1 - s))


@pytest.mark.parametrize("x", inputs())
def test_tanh_and_backward(x):
    close(ref.tanh(x), torch.tanh(x))
    moderate = x.clamp(-20, 20)
    close(ref.tanh(moderate), (torch.exp(moderate) - torch.exp(-moderate)) / (torch.exp(moderate) + torch.exp(-moderate)))
    g = torch.randn_like(x)
    close(ref.tanh_backward(x, g), g * (1 - torch.tanh(x) ** 2))


@pytest.mark.parametrize("x", inputs())
def test_relu_and_backward_zero_at_zero(x):
    close(ref.relu(x), torch.clamp(x, min=0))
    g = torch.randn_like(x)
    close(ref.relu_backward(x, g), torch.where(x > 0, g, torch.zeros_like(g)))


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.3])
@pytest.mark.parametrize("x", inputs())
def test_leaky_relu_and_backward_alpha_at_zero(x, alpha):
    close(ref.leaky_relu(x, alpha), torch.where(x > 0, x, alpha * x))
    g = torch.randn_like(x)
    close(ref.leaky_relu_backward(x, g, alpha), torch.where(x > 0, g, alpha * g))


def test_leaky_relu_default_alpha():
    x = torch.tensor([-1.0, 0.0, 2.0], **f64)
    close(ref.leaky_relu(x), torch.tensor([-0.01, 0.0, 2.0], **f64))
    close(ref.leaky_relu_backward(x, torch.ones_like(x)), torch.tensor([0.01, 0.01, 1.0], **f64))


@pytest.mark.parametrize("alpha", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("x", inputs())
def test_elu_and_backward_alpha_at_zero(x, alpha):
    neg = torch.clamp(x, max=0)
    close(ref.elu(x, alpha), torch.where(x > 0, x, alpha * torch.expm1(neg)))
    g = torch.randn_like(x)
    close(ref.elu_backward(x, g, alpha), torch.where(x > 0, g, alpha * torch.exp(neg) * g))


def test_elu_default_alpha():
    x = torch.tensor([-1.0, 0.0, 2.0], **f64)
    close(ref.elu(x), torch.tensor([torch.expm1(torch.tensor(-1.0, **f64)).item(), 0.0, 2.0], **f64))
    close(ref.elu_backward(x, torch.ones_like(x)), torch.tensor([torch.exp(torch.tensor(-1.0, **f64)).item(), 1.0, 1.0], **f64))


def _softmax_by_hand(x, axis):
    e = torch.exp(x - x.amax(dim=axis, keepdim=True))
    return e / e.sum(dim=axis, keepdim=True)


SOFTMAX_INPUTS = [
    (torch.tensor([1.0, 2.0, 3.0], **f64), -1),
    (torch.randn(4, 5, **f64) * 3, -1),
    (torch.randn(3, 4, **f64), 0),
    (torch.randn(2, 3, 4, **f64), 1),
    (torch.tensor([[1.0, 1.0, 1.0], [0.0, 5.0, 5.0]], **f64), -1),
    (torch.tensor([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1000.0]], **f64), -1),
]


@pytest.mark.parametrize("x, axis", SOFTMAX_INPUTS)
def test_softmax(x, axis):
    out = ref.softmax(x, axis)
    assert torch.isfinite(out).all()
    close(out, _softmax_by_hand(x, axis))
    close(out.sum(dim=axis), torch.ones_like(out.sum(dim=axis)))


def test_softmax_worked_example():
    out = ref.softmax(torch.tensor([1.0, 2.0, 3.0], **f64))
    torch.testing.assert_close(out, torch.tensor([0.09003057, 0.24472847, 0.66524096], **f64), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("x, axis", SOFTMAX_INPUTS)
def test_softmax_backward_is_the_jacobian_vjp(x, axis):
    g = torch.randn_like(x)
    s = _softmax_by_hand(x, axis)
    close(ref.softmax_backward(x, g, axis), s * (g - (g * s).sum(dim=axis, keepdim=True)))


def test_softmax_backward_with_the_full_jacobian():
    x, g = torch.randn(5, **f64), torch.randn(5, **f64)
    J = torch.autograd.functional.jacobian(lambda t: F.softmax(t, dim=0), x)
    s = F.softmax(x, dim=0)
    close(J, torch.diag(s) - torch.outer(s, s))
    close(ref.softmax_backward(x, g), J.T @ g)


def test_references_leave_inputs_alone():
    x, g = torch.randn(3, 4, **f64), torch.randn(3, 4, **f64)
    x0, g0 = x.clone(), g.clone()
    for backward in (ref.sigmoid_backward, ref.tanh_backward, ref.relu_backward, ref.leaky_relu_backward,
                     ref.elu_backward, ref.softmax_backward):
        backward(x, g)
    assert torch.equal(x, x0) and torch.equal(g, g0) and x.grad is None and not x.requires_grad


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("02_activations")


def test_solution_is_warning_free_and_every_mistake_is_caught():
    assert not unstable_solutions("02_activations")
    assert not uncaught_mistakes("02_activations")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("02_activations", "cuda")
