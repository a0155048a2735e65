"""reference/losses.py against PyTorch's built-in losses and the contract's formulas, and the
NumPy solution against it."""
import math

import pytest
import torch
import torch.nn.functional as F

from reference import losses as ref
from tests.reference.course_cases import device_mismatches, mismatches
from tests.reference.known_mistakes import uncaught_mistakes, unstable_solutions

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)
TOL = dict(rtol=1e-7, atol=1e-10)
EPS = 1e-7


def close(a, b):
    torch.testing.assert_close(torch.as_tensor(a, **f64), torch.as_tensor(b, **f64), **TOL)


SHAPES = [(1,), (8,), (4, 3), (2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES)
def test_mse_and_grad(shape):
    p, y = torch.randn(shape, **f64), torch.randn(shape, **f64)
    loss = ref.mse(p, y)
    assert isinstance(loss, float)
    close(loss, ((p - y) ** 2).sum() / p.numel())
    close(loss, F.mse_loss(p, y))
    close(ref.mse_grad(p, y), 2 * (p - y) / p.numel())


@pytest.mark.parametrize("shape", SHAPES)
def test_mae_and_grad(shape):
    p, y = torch.randn(shape, **f64), torch.randn(shape, **f64)
    y.view(-1)[0] = p.view(-1)[0]   # one exact match: subgradient 0 there
    loss = ref.mae(p, y)
    assert isinstance(loss, float)
    close(loss, (p - y).abs().sum() / p.numel())
    grad = ref.mae_grad(p, y)
    close(grad, torch.sign(p - y) / p.numel())
    assert grad.view(-1)[0] == 0


def _bce_by_formula(p, y, eps=EPS):
    """The contract's formula element by element, in Python floats."""
    total = 0.0
    for pi, yi in zip(p.reshape(-1).tolist(), y.reshape(-1).tolist()):
        q = min(max(pi, eps), 1 - eps)
        total += -(yi * math.log(q) + (1 - yi) * math.log(1 - q))
    return total / p.numel()


@pytest.mark.parametrize("shape", [(8,), (4, 3)])
def test_bce_equals_torch_inside_the_clip(shape):
    p = torch.rand(shape, **f64) * 0.98 + 0.01
    y = torch.bernoulli(torch.full(shape, 0.5, **f64))
    close(ref.binary_cross_entropy(p, y), F.binary_cross_entropy(p, y))
    close(ref.binary_cross_entropy(p, y), _bce_by_formula(p, y))
    pg = p.clone().requires_grad_(True)
    F.binary_cross_entropy(pg, y).backward()
    close(ref.binary_cross_entropy_grad(p, y), pg.grad)
    close(ref.binary_cross_entropy_grad(p, y), (p - y) / (p * (1 - p)) / p.numel())


@pytest.mark.parametrize("eps", [1e-7, 1e-3])
def test_bce_clips_p_exactly_0_and_1(eps):
    # Where torch clamps log at -100, the contract clips p to [eps, 1 - eps].
    p = torch.tensor([[0.0, 1.0, 0.3], [1.0, 0.0, 0.8]], **f64)
    y = torch.tensor([[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]], **f64)
    loss = ref.binary_cross_entropy(p, y, eps)
    assert math.isfinite(loss)
    close(loss, _bce_by_formula(p, y, eps))
    single = ref.binary_cross_entropy(torch.tensor([0.0], **f64), torch.tensor([1.0], **f64), eps)
    close(single, -math.log(eps))


def test_bce_grad_near_the_bounds():
    p = torch.tensor([1e-5, 1 - 1e-5, 1e-3, 0.999], **f64)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0], **f64)
    close(ref.binary_cross_entropy_grad(p, y), (-y / p + (1 - y) / (1 - p)) / 4)


@pytest.mark.parametrize("z", [torch.randn(8, **f64) * 3, torch.randn(4, 3, **f64) * 2,
                               torch.tensor([-1000.0, 1000.0, -1000.0, 1000.0, 0.0, -30.0, 30.0], **f64)])
def test_bce_with_logits_and_grad(z):
    y = torch.bernoulli(torch.full(z.shape, 0.5, **f64))
    stable = (torch.clamp(z, min=0) - z * y + torch.log1p(torch.exp(-z.abs()))).mean()
    loss = ref.binary_cross_entropy_with_logits(z, y)
    assert math.isfinite(loss)
    close(loss, stable)
    close(ref.binary_cross_entropy_with_logits_grad(z, y), (torch.sigmoid(z) - y) / z.numel())
    moderate = z.clamp(-10, 10)   # where sigmoid-then-log is still accurate
    close(ref.binary_cross_entropy_with_logits(moderate, y), F.binary_cross_entropy(torch.sigmoid(moderate), y))


def _probs(n, k):
    return F.softmax(torch.randn(n, k, **f64), dim=1)


@pytest.mark.parametrize("n, k", [(1, 3), (5, 4), (6, 3)])
def test_categorical_and_sparse_ce_inside_the_clip(n, k):
    p = _probs(n, k)
    labels = torch.randint(0, k, (n,))
    onehot = F.one_hot(labels, k).to(torch.float64)
    expected = F.nll_loss(torch.log(p), labels)
    close(ref.categorical_cross_entropy(p, onehot), expected)
    close(ref.sparse_categorical_cross_entropy(p, labels), expected)
    close(ref.categorical_cross_entropy(p, onehot), -(onehot * torch.log(p)).sum() / n)
    grad = -onehot / p / n
    close(ref.categorical_cross_entropy_grad(p, onehot), grad)
    close(ref.sparse_categorical_cross_entropy_grad(p, labels), grad)


def test_categorical_ce_clips_to_eps_and_one_minus_eps():
    p = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], **f64)
    onehot = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], **f64)
    labels = torch.tensor([0, 0, 2])
    expected = -(math.log(1 - EPS) + 2 * math.log(EPS)) / 3
    close(ref.categorical_cross_entropy(p, onehot), expected)
    close(ref.sparse_categorical_cross_entropy(p, labels), expected)
    close(ref.categorical_cross_entropy(p[:1, :2], onehot[:1, :2], 0.01), -math.log(0.99))


@pytest.mark.parametrize("z", [torch.randn(5, 4, **f64) * 2, torch.zeros(3, 4, **f64),
                               torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]], **f64)])
def test_softmax_cross_entropy_with_logits_and_grad(z):
    n, k = z.shape
    labels = torch.randint(0, k, (n,))
    lse = z.amax(dim=1) + torch.log(torch.exp(z - z.amax(dim=1, keepdim=True)).sum(dim=1))
    loss = ref.softmax_cross_entropy_with_logits(z, labels)
    assert math.isfinite(loss)
    close(loss, (lse - z[torch.arange(n), labels]).mean())
    close(loss, F.cross_entropy(z, labels))
    onehot = F.one_hot(labels, k).to(torch.float64)
    close(ref.softmax_cross_entropy_with_logits_grad(z, labels), (F.softmax(z, dim=1) - onehot) / n)


def test_worked_examples_of_the_stub():
    t = lambda v: torch.tensor(v, **f64)
    close(ref.mse(t([1.0, 2.0, 3.0]), t([1.0, 1.0, 1.0])), 5 / 3)
    close(ref.binary_cross_entropy(t([0.9, 0.2]), t([1.0, 0.0])), 0.164252033486018)
    close(ref.binary_cross_entropy_with_logits(t([2.0, -1.0]), t([1.0, 0.0])), 0.2200948492805977)
    close(ref.softmax_cross_entropy_with_logits(t([[2.0, 1.0, 0.0]]), torch.tensor([0])), 0.4076059644443806)


def test_references_leave_inputs_alone():
    p, y = _probs(3, 4), torch.rand(3, 4, **f64)
    p0 = p.clone()
    for grad in (ref.mse_grad, ref.mae_grad, ref.binary_cross_entropy_grad, ref.binary_cross_entropy_with_logits_grad,
                 ref.categorical_cross_entropy_grad):
        grad(p, y)
    assert torch.equal(p, p0) and p.grad is None and not p.requires_grad


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("03_losses")


def test_solution_is_warning_free_and_every_mistake_is_caught():
    assert not unstable_solutions("03_losses")
    assert not uncaught_mistakes("03_losses")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("03_losses", "cuda")
