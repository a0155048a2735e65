"""The shipped question banks: lint clean, well-formed choices, stable ids, exam draws without
repeats, and every generated numeric template equal to an independent computation (PyTorch where
PyTorch has the operation) over many random draws."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader.quiz import templates
from grader.quiz.bank import load_library
from grader.quiz.blueprint import build_plan
from grader.quiz.coverage import QUIZZES, load_bank
from grader.quiz.formulas import FORMULAS, evaluate, FormulaError
from grader.quiz.schema import MultipleQuestion, NumericQuestion, OrderingQuestion, SingleQuestion

from reference import llm as llm_reference
from tests.quiz.bankcheck import problems

BANKS = QUIZZES / "banks"
IDS_FILE = Path(__file__).with_name("bank_ids.txt")
DRAWS = 40


@pytest.fixture(scope="module")
def library():
    return load_library([QUIZZES])


@pytest.fixture(scope="module")
def ours():
    out = []
    for path in sorted(BANKS.glob("*.yaml")):
        out.extend(load_bank(path).questions)
    return out


def test_every_bank_lints_clean(library):
    assert [str(p) for p in library.problems] == []
    assert problems() == []


def test_ids_unique_and_prefixed_by_topic(ours):
    ids = [q.id for q in ours]
    assert len(ids) == len(set(ids))
    for q in ours:
        assert q.id.startswith(q.topic + "."), q.id


def test_ids_are_stable(ours):
    """Ids are keys of learners' answers and review state: a shipped id may never disappear, except
    renamed with its old id in the new question's `renamed_from` (stored answers then move over)."""
    shipped = {line.strip() for line in IDS_FILE.read_text().splitlines() if line.strip()}
    kept = {q.id for q in ours} | {old for q in ours for old in q.renamed_from}
    missing = sorted(shipped - kept)
    assert missing == [], f"ids removed, or renamed without renamed_from: {missing}"


def test_single_answer_questions_have_one_right_choice(ours):
    for q in ours:
        if isinstance(q, SingleQuestion):
            keys = [c.key for c in q.choices]
            assert keys.count(q.answer) == 1, q.id
            wrong = [c for c in q.choices if c.key != q.answer]
            assert all(c.feedback for c in wrong), q.id
            texts = [c.text.strip().lower() for c in q.choices]
            assert len(texts) == len(set(texts)), f"{q.id}: two choices read the same"


def test_no_all_or_none_of_the_above(ours):
    bad = re.compile(r"\b(all|none) of the above\b", re.I)
    for q in ours:
        for c in getattr(q, "choices", None) or []:
            assert not bad.search(c.text), q.id


def test_every_question_teaches(ours):
    for q in ours:
        assert len(q.explanation.split()) >= 8, f"{q.id}: explanation too short to teach"
        assert q.mappings, q.id
        if isinstance(q, MultipleQuestion):
            assert re.search(r"select (two|three|four)", q.stem, re.I), f"{q.id}: say how many to pick"
        if isinstance(q, OrderingQuestion):
            assert len(q.answer) == len(q.choices)


def test_right_answers_are_not_always_in_one_position(ours):
    singles = [q for q in ours if isinstance(q, SingleQuestion)]
    positions = [[c.key for c in q.choices].index(q.answer) for q in singles]
    # at most 75 % of single-answer questions may put the answer in the same slot
    assert max(positions.count(i) for i in set(positions)) <= 0.75 * len(positions)


# --------------------------------------------------------------------------------------------
# Independent computations, one per formula, with PyTorch where it has the operation.


def _t(x):
    return torch.tensor(x, dtype=torch.float64)


def _grad(fn, x):
    x = _t(x).requires_grad_(True)
    fn(x).backward()
    return x.grad.item()


def _one_step(opt_cls, param, grad, steps=1, **kw):
    p = torch.nn.Parameter(_t([param]))
    opt = opt_cls([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        p.grad = _t([grad])
        opt.step()
    return p.item()


def _schedule(sched_cls, lr, epoch, **kw):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = sched_cls(opt, **kw)
    for _ in range(epoch):
        opt.step()
        sched.step()
    return opt.param_groups[0]["lr"]


def _bn(values, momentum=0.1):
    bn = torch.nn.BatchNorm1d(1, momentum=momentum).double().train()
    out = bn(_t(values)[:, None])[:, 0]
    return bn, out


def _receptive(layers, kernel):
    n = 1 + 2 * layers * kernel
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(layers):
        y = F.conv1d(y, torch.ones(1, 1, kernel, dtype=torch.float64))
    y[0, 0, y.shape[-1] // 2].backward()
    return int((x.grad[0, 0] != 0).sum())


def _sdpa_scale(d_k):
    """Recover the scale PyTorch's scaled_dot_product_attention uses: with q = k0 = e1 and k1 = 0
    the weight of key 0 is sigmoid(scale), read out through values (1, 0)."""
    e1 = torch.zeros(d_k, dtype=torch.float64)
    e1[0] = 1.0
    q = e1[None, None]
    k = torch.stack([e1, torch.zeros_like(e1)])[None]
    v = torch.tensor([[[1.0], [0.0]]], dtype=torch.float64)
    w0 = F.scaled_dot_product_attention(q, k, v).item()
    return math.log(w0 / (1 - w0))


def _clipped_first(grad_w, grad_b, max_norm):
    params = [torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64)) for g in (grad_w, grad_b)]
    for p, g in zip(params, (grad_w, grad_b)):
        p.grad = _t(g)
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    return params[0].grad[0].item()


def _count(module):
    return sum(p.numel() for p in module.parameters())


DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16,
          "int8": torch.int8, "float64": torch.float64}


def _adam_memory(params_billions):
    # bytes per parameter of fp32 weights + grads + Adam state, measured on a real optimizer
    p = torch.nn.Parameter(torch.zeros(10))
    opt = torch.optim.Adam([p])
    p.grad = torch.ones(10)
    opt.step()
    tensors = [p, p.grad] + [v for v in opt.state[p].values() if torch.is_tensor(v) and v.numel() == 10]
    per_param = sum(t.element_size() * t.numel() for t in tensors) / 10
    return per_param * params_billions


REFERENCES = {
    "softmax_prob": lambda logits, index: torch.softmax(_t(logits), 0)[index].item(),
    "sigmoid": lambda x: torch.sigmoid(_t(x)).item(),
    "bce": lambda p, y: F.binary_cross_entropy(_t(p).clamp(1e-7, 1 - 1e-7), _t(float(y))).item(),
    "cross_entropy": lambda logits, label: F.cross_entropy(_t([logits]), torch.tensor([label])).item(),
    "mse": lambda y_pred, y_true: F.mse_loss(_t(y_pred), _t(y_true)).item(),
    "conv_output_size": lambda size, kernel, stride, padding: torch.nn.Conv2d(1, 1, kernel, stride, padding)(
        torch.zeros(1, 1, size, size)).shape[-1],
    "pool_output_size": lambda size, kernel, stride: F.max_pool2d(torch.zeros(1, 1, size, size), kernel, stride).shape[-1],
    "conv_param_count": lambda in_channels, out_channels, kernel, bias: _count(
        torch.nn.Conv2d(in_channels, out_channels, kernel, bias=bool(bias))),
    "dense_param_count": lambda inputs, outputs: _count(torch.nn.Linear(inputs, outputs)),
    "lstm_param_count": lambda input_size, hidden_size: _count(torch.nn.LSTM(input_size, hidden_size)),
    "gru_param_count": lambda input_size, hidden_size: _count(torch.nn.GRU(input_size, hidden_size)),
    "adam_step": lambda param, grad, lr, beta1, beta2: _one_step(
        torch.optim.Adam, param, grad, lr=lr, betas=(beta1, beta2), eps=1e-8),
    "sgd_momentum_step": lambda param, grad, lr, momentum, steps: _one_step(
        torch.optim.SGD, param, grad, steps, lr=lr, momentum=momentum),
    "attention_scale": _sdpa_scale,
    "positional_encoding": lambda pos, i, d_model: (
        torch.sin if i % 2 == 0 else torch.cos)(_t(pos) / torch.pow(_t(10000.0), _t((i - i % 2) / d_model))).item(),
    "dropout_scale": lambda p: (torch.nn.Dropout(p).train()(torch.ones(20000, dtype=torch.float64)).max()).item()
    if p > 0 else 1.0,
    "l2_penalty": lambda weights, lam: (lam * _t(weights).pow(2).sum()).item(),
    # formulas_extra
    "tanh_value": lambda x: torch.tanh(_t(x)).item(),
    "leaky_relu_value": lambda x, alpha: F.leaky_relu(_t(x), alpha).item(),
    "elu_value": lambda x, alpha: F.elu(_t(x), alpha).item(),
    "sigmoid_grad": lambda x: _grad(torch.sigmoid, x),
    "tanh_grad": lambda x: _grad(torch.tanh, x),
    "gelu_value": lambda x: F.gelu(_t(x)).item(),
    "softplus_value": lambda x: F.softplus(_t(x)).item(),
    "silu_value": lambda x: F.silu(_t(x)).item(),
    "softmax_temperature_prob": lambda logits, temperature, index: torch.softmax(_t(logits) / temperature, 0)[index].item(),
    "mae": lambda y_pred, y_true: F.l1_loss(_t(y_pred), _t(y_true)).item(),
    "mse_grad": lambda y_pred, y_true, index: (lambda p: (F.mse_loss(p, _t(y_true)).backward(), p.grad[index].item())[1])(
        _t(y_pred).requires_grad_(True)),
    "bce_with_logits": lambda z, y: F.binary_cross_entropy_with_logits(_t(z), _t(float(y))).item(),
    "bce_logit_grad": lambda z, y: _grad(lambda t: F.binary_cross_entropy_with_logits(t, _t(float(y))), z),
    "cross_entropy_grad": lambda logits, label, index: (lambda z: (
        F.cross_entropy(z[None], torch.tensor([label])).backward(), z.grad[index].item())[1])(
        _t(logits).requires_grad_(True)),
    "huber": lambda y_pred, y_true, delta: F.huber_loss(_t(y_pred), _t(y_true), delta=delta).item(),
    "label_smoothing_ce": lambda logits, label, smoothing: F.cross_entropy(
        _t([logits]), torch.tensor([label]), label_smoothing=smoothing).item(),
    "perplexity": lambda probs: torch.exp(F.nll_loss(torch.log(_t(probs))[:, None],
                                                     torch.zeros(len(probs), dtype=torch.long))).item(),
    "linear_mse_grad_w": lambda x, w, b, y: _grad(lambda t: (t * x + b - y) ** 2, w),
    "sigmoid_neuron_grad_w": lambda x, w, b, t: _grad(lambda v: 0.5 * (torch.sigmoid(v * x + b) - t) ** 2, w),
    "tanh_chain_grad": lambda x, w1, w2: _grad(lambda v: w2 * torch.tanh(v * x), w1),
    "rmsprop_step": lambda param, grad, lr, alpha: _one_step(torch.optim.RMSprop, param, grad, lr=lr, alpha=alpha, eps=1e-8),
    "adamw_step": lambda param, grad, lr, weight_decay: _one_step(
        torch.optim.AdamW, param, grad, lr=lr, weight_decay=weight_decay, eps=1e-8),
    "sgd_weight_decay_step": lambda param, grad, lr, weight_decay: _one_step(
        torch.optim.SGD, param, grad, lr=lr, weight_decay=weight_decay),
    "nesterov_step": lambda param, grad, lr, momentum, steps: _one_step(
        torch.optim.SGD, param, grad, steps, lr=lr, momentum=momentum, nesterov=True),
    "adagrad_step": lambda param, grad, lr, steps: _one_step(torch.optim.Adagrad, param, grad, steps, lr=lr, eps=1e-10),
    "batchnorm_output": lambda values, index: _bn(values)[1][index].item(),
    "batchnorm_batch_var": lambda values: torch.var(_t(values), unbiased=False).item(),
    "batchnorm_running_mean": lambda values, momentum: _bn(values, momentum)[0].running_mean.item(),
    "batchnorm_running_var": lambda values, momentum: _bn(values, momentum)[0].running_var.item(),
    "layernorm_output": lambda values, index: F.layer_norm(_t(values), (len(values),))[index].item(),
    "l1_penalty": lambda weights, lam: (lam * _t(weights).abs().sum()).item(),
    "batchnorm_param_count": lambda channels: _count(torch.nn.BatchNorm2d(channels)),
    "conv_output_size_dilated": lambda size, kernel, stride, padding, dilation: torch.nn.Conv1d(
        1, 1, kernel, stride, padding, dilation)(torch.zeros(1, 1, size)).shape[-1],
    "conv_transpose_output_size": lambda size, kernel, stride, padding, output_padding: torch.nn.ConvTranspose1d(
        1, 1, kernel, stride, padding, output_padding)(torch.zeros(1, 1, size)).shape[-1],
    "depthwise_separable_param_count": lambda in_channels, out_channels, kernel: _count(torch.nn.Sequential(
        torch.nn.Conv2d(in_channels, in_channels, kernel, groups=in_channels, bias=False),
        torch.nn.Conv2d(in_channels, out_channels, 1, bias=False))),
    "receptive_field": _receptive,
    "conv_flatten_size": lambda size, channels, kernel, pool: torch.nn.Sequential(
        torch.nn.Conv2d(3, channels, kernel), torch.nn.MaxPool2d(pool), torch.nn.Flatten())(
        torch.zeros(1, 3, size, size)).shape[-1],
    "conv_single_output": lambda patch, kernel, bias: F.conv2d(
        _t(patch).reshape(1, 1, 3, 3), _t(kernel).reshape(1, 1, 3, 3), _t([bias])).item(),
    "rnn_param_count": lambda input_size, hidden_size: _count(torch.nn.RNN(input_size, hidden_size)),
    "bilstm_param_count": lambda input_size, hidden_size: _count(torch.nn.LSTM(input_size, hidden_size, bidirectional=True)),
    "embedding_param_count": lambda vocab_size, dim: _count(torch.nn.Embedding(vocab_size, dim)),
    "rnn_step": lambda x, h, w_ih, w_hh, b: torch._VF.rnn_tanh_cell(
        _t([[x]]), _t([[h]]), _t([[w_ih]]), _t([[w_hh]]), _t([b]), _t([0.0])).item(),
    "lstm_cell_state": lambda c, f, i, g: (torch.sigmoid(_t(f)) * c + torch.sigmoid(_t(i)) * torch.tanh(_t(g))).item(),
    "attention_weight": lambda q, k0, k1, k2, index: torch.softmax(
        (_t([k0, k1, k2]) @ _t(q)) / math.sqrt(len(q)), 0)[index].item(),
    "mha_param_count": lambda d_model: _count(torch.nn.MultiheadAttention(d_model, 8)),
    "ffn_param_count": lambda d_model, d_ff: _count(torch.nn.Sequential(
        torch.nn.Linear(d_model, d_ff), torch.nn.Linear(d_ff, d_model))),
    "attention_score_count": lambda seq_len, heads: torch.empty(heads, seq_len, seq_len).numel(),
    "kv_cache_mib": lambda layers, seq_len, d_model, bytes_per_value: sum(
        t.numel() * t.element_size() for _ in range(layers)
        for t in (torch.empty(seq_len, d_model, dtype=torch.float16 if bytes_per_value == 2 else torch.float32),) * 2
    ) / 2 ** 20,
    "param_memory_gb": lambda params_billions, dtype: params_billions * torch.empty(0, dtype=DTYPES[dtype]).element_size(),
    "adam_training_memory_gb": _adam_memory,
    "global_batch_size": lambda per_device_batch, devices, accumulation_steps: per_device_batch * devices * accumulation_steps,
    "step_lr": lambda lr, gamma, step_size, epoch: _schedule(
        torch.optim.lr_scheduler.StepLR, lr, epoch, step_size=step_size, gamma=gamma),
    "exponential_lr": lambda lr, gamma, epoch: _schedule(torch.optim.lr_scheduler.ExponentialLR, lr, epoch, gamma=gamma),
    "cosine_lr": lambda lr, t_max, epoch: _schedule(torch.optim.lr_scheduler.CosineAnnealingLR, lr, epoch, T_max=t_max),
    "linear_warmup_lr": lambda lr, start_factor, total_iters, epoch: _schedule(
        torch.optim.lr_scheduler.LinearLR, lr, epoch, start_factor=start_factor, total_iters=total_iters),
    "steps_per_epoch": lambda samples, batch_size: len(torch.utils.data.DataLoader(range(samples), batch_size=batch_size)),
    # counts and scalings with no PyTorch operation: computed independently here
    "precision": lambda tp, fp: tp / (tp + fp),
    "recall": lambda tp, fn: tp / (tp + fn),
    "f1_score": lambda tp, fp, fn: (lambda p, r: 2 * p * r / (p + r))(tp / (tp + fp), tp / (tp + fn)),
    "accuracy": lambda tp, tn, fp, fn: (tp + tn) / (tp + tn + fp + fn),
    "zscore": lambda x, mean, std: ((_t(x) - mean) / std).item(),
    "minmax_scale": lambda x, lo, hi: ((_t(x) - lo) / (hi - lo)).item(),
    # language-model arithmetic (12_llm)
    "rms_norm_output": lambda values, index: F.rms_norm(_t(values), (len(values),), eps=1e-6)[index].item(),
    "warmup_cosine_factor": lambda warmup_steps, total_steps, step: _schedule(
        torch.optim.lr_scheduler.LambdaLR, 1.0, step, lr_lambda=lambda s: s / warmup_steps if s < warmup_steps
        else 0.5 * (1 + math.cos(math.pi * (s - warmup_steps) / (total_steps - warmup_steps)))),
    "clipped_gradient": _clipped_first,
    "int8_roundtrip": lambda values, index: (lambda w, s: (torch.round(w / s).clamp(-127, 127) * s)[index].item())(
        _t(values), _t(values).abs().max() / 127),
    "top_p_kept_count": lambda logits, top_p: int(llm_reference.top_k_top_p_filter(_t([logits]), 0, top_p).isfinite().sum()),
}


def _templates(ours):
    return [q for q in ours if isinstance(q, NumericQuestion) and q.template is not None]


def test_enough_templates_and_every_formula_has_a_reference(ours):
    used = {q.template.formula for q in _templates(ours)}
    assert len(_templates(ours)) >= 40
    assert used <= set(REFERENCES), sorted(used - set(REFERENCES))
    assert set(REFERENCES) <= set(FORMULAS)


@pytest.mark.parametrize("formula", sorted(REFERENCES))
def test_templates_match_independent_computation(formula, ours):
    questions = [q for q in _templates(ours) if q.template.formula == formula]
    if not questions:
        pytest.skip(f"no bank uses {formula}")
    rng = np.random.default_rng(1234)
    for q in questions:
        checked = 0
        for _ in range(DRAWS * 3):
            values = {**q.template.fixed, **{n: templates.draw_value(s, rng) for n, s in q.template.params.items()}}
            try:
                got = evaluate(formula, values)
            except FormulaError:
                continue
            want = float(REFERENCES[formula](**values))
            assert got == pytest.approx(want, rel=1e-6, abs=1e-9), f"{q.id} {values}"
            # the learner's answer, rounded as the stem asks, must be accepted by the tolerance
            shown = round(want, q.template.decimals)
            tol = max(q.tolerance.abs, q.tolerance.rel * abs(got))
            assert abs(shown - got) <= tol + 1e-12, f"{q.id}: rounded answer {shown} rejected ({values})"
            checked += 1
            if checked == DRAWS:
                break
        assert checked >= DRAWS // 2, f"{q.id}: too few valid draws"


def test_rendered_template_text_has_no_placeholders(ours):
    rng = np.random.default_rng(7)
    for q in _templates(ours):
        inst = templates.instantiate(q, rng)
        assert "{" not in inst.stem and "{" not in inst.explanation, q.id


def test_each_active_exam_draws_full_papers_without_repeats(library):
    """Every active exam with a multiple-choice paper: full papers of its item types, domains and
    multi-select share, for several seeds (`dlcert quiz coverage` counts the disjoint ones)."""
    import datetime as dt

    today = dt.date.today()
    for cert in library.catalog.certs:
        count = cert.questions.value if cert.questions is not None else None
        if cert.format not in ("multiple-choice", "mixed") or not isinstance(count, (int, float)) \
                or cert.status(today) == "retired":
            continue
        for seed in range(3):
            plan, cov = build_plan(library, cert, int(count), np.random.default_rng(seed))
            ids = [p["question_id"] for p in plan]
            assert len(ids) == int(count), cert.id
            assert len(set(ids)) == len(ids), cert.id
            assert cov.complete and not cov.short, (cert.id, cov.short, cov.multiples)
