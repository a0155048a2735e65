"""The 05_optimizers references (torch.optim, DataLoader) against the update rules written out."""
import math

import numpy as np
import pytest
import torch

from reference import optimizers as ref
from tests.reference.course_cases import EXERCISES, device_mismatches, mismatches, run_reference, run_solution

from grader.cases import build_cases
from grader.course import load_exercise

STEPS = 40
SCALES = torch.tensor([1e-8, 1e-8, 0.0, 1.0, 1.0, 0.5, 2.0, 0.0, 1e-8, 1.0] * 4, dtype=torch.float64)


def _problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    params = [torch.randn(3, 4, generator=g, dtype=torch.float64), torch.randn(4, generator=g, dtype=torch.float64)]
    grads = torch.randn(5, 16, generator=g, dtype=torch.float64)
    return params, grads


def _manual(update, params, grads, scales):
    """Independent loop over the written-out rule: update(state, p, g, t) -> new p (elementwise torch)."""
    p = torch.cat([q.reshape(-1) for q in params]).clone()
    state = {}
    rows = []
    for t in range(len(scales)):
        g = grads[t % len(grads)] * scales[t]
        p = update(state, p, g, t + 1)
        rows.append(p.clone())
    return torch.stack(rows)


def _sgd_rule(lr, momentum, nesterov):
    def update(state, p, g, t):
        if momentum:
            state["b"] = g.clone() if t == 1 else momentum * state["b"] + g
            d = g + momentum * state["b"] if nesterov else state["b"]
        else:
            d = g
        return p - lr * d
    return update


def _rmsprop_rule(lr, alpha, eps):
    def update(state, p, g, t):
        state["v"] = alpha * state.get("v", torch.zeros_like(p)) + (1 - alpha) * g * g
        return p - lr * g / (state["v"].sqrt() + eps)
    return update


def _adam_rule(lr, b1, b2, eps, wd, decoupled):
    def update(state, p, g, t):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        state["m"] = b1 * state.get("m", torch.zeros_like(p)) + (1 - b1) * g
        state["v"] = b2 * state.get("v", torch.zeros_like(p)) + (1 - b2) * g * g
        m_hat = state["m"] / (1 - b1**t)
        v_hat = state["v"] / (1 - b2**t)
        return p - lr * m_hat / (v_hat.sqrt() + eps)
    return update


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("lr,momentum,nesterov", [(0.1, 0.0, False), (0.05, 0.9, False), (0.05, 0.9, True), (0.3, 0.5, True)])
def test_sgd_reference_matches_rule(seed, lr, momentum, nesterov):
    params, grads = _problem(seed)
    got = ref.SGD(params, grads, SCALES, lr, momentum, nesterov)
    assert got["in_place"] is True
    torch.testing.assert_close(got["trajectory"], _manual(_sgd_rule(lr, momentum, nesterov), params, grads, SCALES),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lr,alpha,eps", [(0.01, 0.99, 1e-8), (0.001, 0.5, 1e-6), (0.1, 0.9, 1e-8)])
def test_rmsprop_reference_matches_rule(lr, alpha, eps):
    params, grads = _problem(2)
    got = ref.RMSprop(params, grads, SCALES, lr, alpha, eps)
    torch.testing.assert_close(got["trajectory"], _manual(_rmsprop_rule(lr, alpha, eps), params, grads, SCALES),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("lr,b1,b2,eps,wd", [(0.001, 0.9, 0.999, 1e-8, 0.0), (0.01, 0.8, 0.99, 1e-8, 0.1),
                                             (0.1, 0.9, 0.999, 1e-6, 0.5)])
def test_adam_and_adamw_references_match_rule(decoupled, lr, b1, b2, eps, wd):
    params, grads = _problem(3)
    fn = ref.AdamW if decoupled else ref.Adam
    got = fn(params, grads, SCALES, lr, b1, b2, eps, wd)
    want = _manual(_adam_rule(lr, b1, b2, eps, wd, decoupled), params, grads, SCALES)
    torch.testing.assert_close(got["trajectory"], want, rtol=1e-10, atol=1e-12)


def test_tiny_gradient_first_adam_step_is_half_lr():
    params = [torch.zeros(3, dtype=torch.float64)]
    grads = torch.full((1, 3), 1e-8, dtype=torch.float64)
    got = ref.Adam(params, grads, torch.ones(1, dtype=torch.float64), 0.1, 0.9, 0.999, 1e-8, 0.0)
    torch.testing.assert_close(got["trajectory"][0], torch.full((3,), -0.05, dtype=torch.float64))


def test_manual_grad_assignment_equals_backward():
    """Setting .grad by hand (what the reference does) equals a real loss.backward() step."""
    params, grads = _problem(4)
    target = grads[0]
    flat = torch.cat([q.reshape(-1) for q in params])
    one = ref.Adam(params, (flat - target)[None], torch.ones(1, dtype=torch.float64),
                   0.01, 0.9, 0.999, 1e-8, 0.0)["trajectory"][0]
    w = [p.clone().requires_grad_(True) for p in params]
    opt = torch.optim.Adam(w, lr=0.01)
    (0.5 * ((torch.cat([q.reshape(-1) for q in w]) - target) ** 2).sum()).backward()
    opt.step()
    torch.testing.assert_close(one, torch.cat([q.detach().reshape(-1) for q in w]))


@pytest.mark.parametrize("n,bs", [(13, 4), (12, 4), (13, 20), (12, 1), (1, 1), (7, 7)])
def test_minibatches_reference_properties(n, bs):
    got = ref.minibatches(torch.randn(n, 2, dtype=torch.float64), torch.arange(n), bs, 0)
    want_sizes = [bs] * (n // bs) + ([n % bs] if n % bs else [])
    assert got["batch_sizes"].tolist() == want_sizes
    assert got["covers_every_row_once"] and got["rows_aligned"] and got["same_seed_same_order"]
    assert got["no_shuffle_keeps_order"]
    if math.factorial(n) > 10**6:
        assert got["different_seed_different_order"] and got["default_rng_shuffles"]


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("05_optimizers", seeds=(0, 1))


def test_solution_exact_outputs_on_yaml_cases():
    exercise = load_exercise(EXERCISES / "05_optimizers")
    for task in exercise.tasks:
        for case in build_cases(task, 0):
            want = run_reference(exercise.module, task.name, task.spec.outputs, case.args)
            got = run_solution(exercise, task.name, task.spec.outputs, case.args)
            for out in task.spec.outputs:
                if isinstance(want[out], (bool, np.bool_)) or task.spec.comparison(out) == "exact":
                    assert np.array_equal(np.asarray(got[out]), np.asarray(want[out])), (task.id, case.name, out)


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("05_optimizers", "cuda")
