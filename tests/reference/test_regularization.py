"""The 06_regularization references against PyTorch's modules and the formulas written out."""
import numpy as np
import pytest
import torch

from reference import regularization as ref
from tests.reference.course_cases import EXERCISES, device_mismatches, mismatches, run_reference, run_solution

from grader.cases import build_cases
from grader.course import load_exercise

GEN = torch.Generator().manual_seed(0)


def _t(*shape, scale=1.0):
    return torch.randn(*shape, dtype=torch.float64, generator=GEN) * scale


def _weights():
    return [_t(3, 4), _t(4), torch.tensor([0.0, -0.0, 1e-300, -2.0], dtype=torch.float64)]


@pytest.mark.parametrize("lam", [0.0, 0.01, 2.5])
def test_penalties_match_formulas(lam):
    ws = _weights()
    torch.testing.assert_close(torch.as_tensor(ref.l2_penalty(ws, lam)),
                               torch.as_tensor(lam * sum(float((w * w).sum()) for w in ws), dtype=torch.float64))
    torch.testing.assert_close(torch.as_tensor(ref.l1_penalty(ws, lam)),
                               torch.as_tensor(lam * sum(float(w.abs().sum()) for w in ws), dtype=torch.float64))
    flat = torch.cat([w.reshape(-1) for w in ws])
    g2 = ref.l2_penalty_grad(ws, lam)
    g1 = ref.l1_penalty_grad(ws, lam)
    torch.testing.assert_close(g2["grad"], 2 * lam * flat)
    torch.testing.assert_close(g1["grad"], lam * torch.sign(flat))
    assert g1["grad"][flat == 0].abs().max() == 0  # subgradient 0 at 0
    assert g1["shapes_match"] and g2["shapes_match"]


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_reference_properties_of_f_dropout(p):
    x = torch.rand(4, 5, dtype=torch.float64, generator=GEN) + 0.5
    got = ref.dropout(x, p, 0)
    assert got["shape_ok"] and got["only_zero_or_scaled"] and got["keep_rate_ok"]
    assert got["eval_identity"] and got["same_seed_same_output"] and got["input_unchanged"]
    assert got["draws_differ"] == (p > 0)


def test_dropout_reference_does_not_touch_global_rng():
    torch.manual_seed(123)
    a = torch.rand(3)
    torch.manual_seed(123)
    ref.dropout(torch.ones(4, 5, dtype=torch.float64), 0.5, 7)
    assert torch.equal(torch.rand(3), a)


def test_dropout_with_mask_matches_formula():
    x = _t(4, 5)
    mask = torch.rand(4, 5, generator=GEN) < 0.7
    torch.testing.assert_close(ref.dropout_with_mask(x, mask, 0.3), x * mask.double() / 0.7)


def _bn_manual(xs, x_eval, gamma, beta, rm, rv, momentum, eps):
    outs, means, variances = [], [], []
    for x in xs:
        n = x.shape[0]
        mu, var = x.mean(0), ((x - x.mean(0)) ** 2).sum(0) / n
        outs.append(gamma * (x - mu) / torch.sqrt(var + eps) + beta)
        rm = (1 - momentum) * rm + momentum * mu
        rv = (1 - momentum) * rv + momentum * var * n / (n - 1)
        means.append(rm)
        variances.append(rv)
    eval_out = gamma * (x_eval - rm) / torch.sqrt(rv + eps) + beta
    return torch.stack(outs), torch.stack(means), torch.stack(variances), eval_out, rm, rv


@pytest.mark.parametrize("momentum,eps,n", [(0.1, 1e-5, 4), (0.3, 1e-3, 2), (1.0, 1e-5, 7)])
def test_batchnorm_forward_reference_matches_formula(momentum, eps, n):
    d = 3
    xs, x_eval = _t(4, n, d, scale=2.0) + 1.0, _t(5, d)
    gamma, beta, rm, rv = _t(d), _t(d), _t(d), torch.rand(d, dtype=torch.float64, generator=GEN) + 0.5
    got = ref.batchnorm_forward(xs, x_eval, gamma, beta, rm, rv, momentum, eps)
    want = _bn_manual(xs, x_eval, gamma, beta, rm, rv, momentum, eps)
    for key, w in zip(["train_out", "running_mean", "running_var", "eval_out", "eval_running_mean",
                       "eval_running_var"], want):
        torch.testing.assert_close(got[key], w, rtol=1e-10, atol=1e-12)
    assert got["inputs_unchanged"] is True


@pytest.mark.parametrize("eps", [1e-5, 1e-3])
def test_batchnorm_backward_reference_matches_module_and_formula(eps):
    x, gamma, g = _t(6, 3, scale=2.0), _t(3), _t(6, 3)
    dx, dgamma, dbeta = ref.batchnorm_backward(x, gamma, g, eps)
    bn = torch.nn.BatchNorm1d(3, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(gamma)
    xx = x.clone().requires_grad_(True)
    bn.train()
    bn(xx).backward(g)
    torch.testing.assert_close(dx, xx.grad)
    torch.testing.assert_close(dgamma, bn.weight.grad)
    torch.testing.assert_close(dbeta, bn.bias.grad)
    inv_std = 1 / torch.sqrt(x.var(0, unbiased=False) + eps)
    xhat = (x - x.mean(0)) * inv_std
    torch.testing.assert_close(dx, gamma * inv_std * (g - g.mean(0) - xhat * (g * xhat).mean(0)))


def _early_stopping_manual(patience, min_delta, losses):
    best, counter, best_index, stops = np.inf, 0, -1, []
    for i, loss in enumerate(losses):
        if best - loss > min_delta:
            best, counter, best_index = loss, 0, i
        else:
            counter += 1
        stops.append(counter >= patience)
        if counter >= patience:
            break
    return stops, best, best_index


@pytest.mark.parametrize("seed", range(8))
def test_early_stopping_reference_matches_independent_rule(seed):
    rng = np.random.default_rng(seed)
    losses = np.round(np.cumsum(rng.normal(-0.05, 0.2, 15)) + 5, 1)  # rounded: ties happen
    patience, min_delta = int(rng.integers(1, 4)), float(rng.choice([0.0, 0.25]))
    w = [_t(2, 2), _t(3)]
    got = ref.EarlyStopping(patience, min_delta, torch.tensor(losses), w)
    stops, best, best_index = _early_stopping_manual(patience, min_delta, losses)
    assert got["stops"].tolist() == stops
    assert got["best_loss"] == best
    assert got["initial_best_loss"] == float("inf")
    torch.testing.assert_close(got["best_weights"], torch.cat([(a + best_index).reshape(-1) for a in w]))


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("06_regularization", seeds=(0, 1))


def test_solution_exact_outputs_on_yaml_cases():
    exercise = load_exercise(EXERCISES / "06_regularization")
    for task in exercise.tasks:
        for case in build_cases(task, 0):
            want = run_reference(exercise.module, task.name, task.spec.outputs, case.args)
            got = run_solution(exercise, task.name, task.spec.outputs, case.args)
            for out in task.spec.outputs:
                if isinstance(want.get(out), (bool, np.bool_)) or task.spec.comparison(out) == "exact":
                    assert np.array_equal(np.asarray(got[out]), np.asarray(want[out])), (task.id, case.name, out)


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("06_regularization", "cuda")
