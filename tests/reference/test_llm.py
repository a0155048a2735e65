"""reference/llm.py against PyTorch's own built-ins (F.gelu, F.silu, F.rms_norm, scaled dot-product
attention, quantize_per_tensor, cross_entropy, clip_grad_norm_, nn.Embedding, LambdaLR, autograd)
or, where PyTorch has none, an independent formulation (complex rotation, a per-row loop); and the
NumPy solution against the reference on the yaml's cases."""
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from reference import llm as ref
from tests.reference.course_cases import device_mismatches, mismatches

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)
HUGE = [-1e200, -1e120, -1000.0, -50.0, -10.5, 10.5, 50.0, 1000.0, 1e120, 1e200]


def _vjp(fn, x, grad_out):
    x = x.detach().clone().requires_grad_(True)
    fn(x).backward(grad_out)
    return x.grad


def _gelu_by_hand(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


# --- activations ------------------------------------------------------------------------------

def test_gelu_is_the_tanh_form():
    x = 3 * torch.randn(200, **f64)
    torch.testing.assert_close(ref.gelu(x), _gelu_by_hand(x))
    torch.testing.assert_close(ref.gelu(x), F.gelu(x, approximate="tanh"))
    assert (ref.gelu(x) - F.gelu(x)).abs().max() > 1e-5          # not the exact (erf) GELU


def test_gelu_backward_is_autograd_and_finite_everywhere():
    x, g = 3 * torch.randn(200, **f64), torch.randn(200, **f64)
    torch.testing.assert_close(ref.gelu_backward(x, g), _vjp(_gelu_by_hand, x, g))
    # Where PyTorch's kernel is finite (|x| < ~1e154) the reference is exactly PyTorch's gradient;
    # beyond, PyTorch returns nan and the contract asks for the saturated value (1 or 0).
    big = torch.tensor(HUGE, **f64)
    g = torch.randn(big.shape, **f64)
    got = ref.gelu_backward(big, g)
    torch_grad = _vjp(lambda t: F.gelu(t, approximate="tanh"), big, g)
    finite = torch_grad.isfinite()
    assert not finite.all()                                       # the disagreement is real
    torch.testing.assert_close(got[finite], torch_grad[finite])
    torch.testing.assert_close(got, torch.where(big > 0, g, torch.zeros_like(g)))


def test_silu_and_its_backward():
    x, g = torch.cat([3 * torch.randn(100, **f64), torch.tensor(HUGE, **f64)]), torch.randn(110, **f64)
    by_hand = x * torch.sigmoid(x)
    torch.testing.assert_close(ref.silu(x), by_hand)
    torch.testing.assert_close(ref.silu(x), F.silu(x))
    s = torch.sigmoid(x)
    torch.testing.assert_close(ref.silu_backward(x, g), g * (s + x * s * (1 - s)))
    assert ref.silu_backward(x, g).isfinite().all()


# --- RMSNorm ----------------------------------------------------------------------------------

def _rms_by_hand(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


@pytest.mark.parametrize("shape", [(1, 4), (3, 5), (2, 4, 6)])
@pytest.mark.parametrize("eps, scale", [(1e-6, 1.0), (1e-6, 1e-3), (1e-2, 0.1)])
def test_rms_norm_and_backward(shape, eps, scale):
    x = scale * torch.randn(shape, **f64)
    x[0] = 0.0                                                     # a zero row
    w, g = torch.randn(shape[-1], **f64), torch.randn(shape, **f64)
    torch.testing.assert_close(ref.rms_norm(x, w, eps), _rms_by_hand(x, w, eps))
    module = nn.RMSNorm(shape[-1], eps=eps, **f64)
    module.load_state_dict({"weight": w})
    torch.testing.assert_close(ref.rms_norm(x, w, eps), module(x).detach())

    dx, dw = ref.rms_norm_backward(x, w, g, eps)
    xr, wr = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
    _rms_by_hand(xr, wr, eps).backward(g)
    torch.testing.assert_close(dx, xr.grad)
    torch.testing.assert_close(dw, wr.grad)


# --- rotary embedding -------------------------------------------------------------------------

def _rotary_complex(x, base):
    """Pairs (x[i], x[i + D/2]) as complex numbers, multiplied by exp(i t theta_i)."""
    N, T, D = x.shape
    z = torch.complex(x[..., : D // 2], x[..., D // 2 :])
    theta = torch.tensor([base ** (-2 * i / D) for i in range(D // 2)], **f64)
    turn = torch.polar(torch.ones(T, D // 2, **f64), torch.arange(T, **f64)[:, None] * theta)
    rotated = z * turn
    return torch.cat([rotated.real, rotated.imag], dim=-1)


@pytest.mark.parametrize("N, T, D, base", [(1, 2, 4, 10000.0), (2, 5, 8, 10000.0), (1, 64, 8, 10000.0),
                                           (2, 7, 4, 500.0), (3, 1, 6, 10000.0)])
def test_rotary_embedding_is_a_complex_rotation(N, T, D, base):
    x = torch.randn(N, T, D, **f64)
    torch.testing.assert_close(ref.rotary_embedding(x, base), _rotary_complex(x, base))


def test_rotary_scores_depend_only_on_relative_position():
    q, k = torch.randn(1, 1, 8, **f64), torch.randn(1, 1, 8, **f64)
    seq_q, seq_k = q.expand(1, 12, 8), k.expand(1, 12, 8)
    scores = ref.rotary_embedding(seq_q) @ ref.rotary_embedding(seq_k).transpose(-1, -2)
    torch.testing.assert_close(scores[0, 5, 2], scores[0, 9, 6])  # both 3 positions apart
    torch.testing.assert_close(scores[0, 3, 3], (q * k).sum())    # distance 0: unrotated dot product


# --- causal attention and the KV cache --------------------------------------------------------

def _causal_by_hand(q, k, v):
    T = q.shape[-2]
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    blocked = torch.ones(T, T, dtype=torch.bool).triu(1)
    return torch.softmax(scores.masked_fill(blocked, float("-inf")), -1) @ v


@pytest.mark.parametrize("N, T, d, dv", [(1, 3, 2, 2), (2, 5, 4, 4), (1, 12, 8, 3)])
def test_causal_attention_and_kv_cache(N, T, d, dv):
    q, k, v = torch.randn(N, T, d, **f64), torch.randn(N, T, d, **f64), torch.randn(N, T, dv, **f64)
    torch.testing.assert_close(ref.causal_attention(q, k, v), _causal_by_hand(q, k, v))
    rows = ref.KVCache(q, k, v)["out"]
    assert len(rows) == T
    for t, row in enumerate(rows):                                 # step t: q_t over keys 0..t only
        w = torch.softmax(torch.einsum("nd,ntd->nt", q[:, t], k[:, : t + 1]) / math.sqrt(d), -1)
        torch.testing.assert_close(row, torch.einsum("nt,ntd->nd", w, v[:, : t + 1]))


# --- top-k / top-p ----------------------------------------------------------------------------

def _filter_loop(row, top_k, top_p):
    """One row, plain Python: the contract's words, with no sorting tricks."""
    values = [float(v) for v in row]
    kept = list(range(len(values)))
    if top_k > 0:
        kth = sorted(values, reverse=True)[min(top_k, len(values)) - 1]
        kept = [i for i in kept if values[i] >= kth]
    if top_p < 1.0:
        top = max(values[i] for i in kept)
        weights = {i: math.exp(values[i] - top) for i in kept}
        total = sum(weights.values())
        ranked = sorted(kept, key=lambda i: -weights[i])
        chosen, mass = [], 0.0
        for i in ranked:
            chosen.append(i)
            mass += weights[i] / total
            if mass >= top_p:
                break
        kept = chosen
    return [v if i in kept else float("-inf") for i, v in enumerate(values)]


@pytest.mark.parametrize("top_k, top_p", [(0, 1.0), (1, 1.0), (5, 1.0), (0, 0.5), (0, 0.9), (3, 0.7),
                                          (20, 0.3), (8, 0.95)])
def test_top_k_top_p_matches_a_per_row_loop(top_k, top_p):
    logits = 2 * torch.randn(6, 10, **f64)
    logits[0, :4] = logits[0, 4]                                   # ties at the top-k boundary
    want = torch.tensor([_filter_loop(row, top_k, top_p) for row in logits], **f64)
    got = ref.top_k_top_p_filter(logits, top_k, top_p)
    if top_p < 1.0:
        got, want = got[1:], want[1:]                              # no ties at a top-p boundary
    torch.testing.assert_close(got, want)


def test_top_p_keeps_the_crossing_token_and_top_k_keeps_ties():
    flat = torch.tensor([[0.3, 0.2, 0.1, 0.0, -0.1, -0.2]], **f64)     # 0.211 + 0.191 < 0.5
    assert ref.top_k_top_p_filter(flat, 0, 0.5).isfinite().sum() == 3
    tied = torch.tensor([[2.0, 1.0, 2.0, 3.0, 2.0, 0.0]], **f64)
    assert ref.top_k_top_p_filter(tied, 2, 1.0).isfinite().tolist() == [[True, False, True, True, True, False]]


# --- LoRA -------------------------------------------------------------------------------------

def test_lora_forward_is_a_frozen_linear_plus_adapters_and_merge_agrees():
    Din, Dout, r, alpha = 6, 5, 4, 8.0
    x, W, b = torch.randn(3, Din, **f64), torch.randn(Din, Dout, **f64), torch.randn(Dout, **f64)
    A, B = torch.randn(Din, r, **f64), torch.randn(r, Dout, **f64)
    base = nn.Linear(Din, Dout, **f64)
    down, up = nn.Linear(Din, r, bias=False, **f64), nn.Linear(r, Dout, bias=False, **f64)
    base.load_state_dict({"weight": W.T, "bias": b})
    down.load_state_dict({"weight": A.T})
    up.load_state_dict({"weight": B.T})
    with torch.no_grad():
        want = base(x) + alpha / r * up(down(x))
    torch.testing.assert_close(ref.lora_forward(x, W, b, A, B, alpha, r), want)
    torch.testing.assert_close(x @ ref.lora_merge(W, A, B, alpha, r) + b, want)
    torch.testing.assert_close(ref.lora_forward(x, W, b, A, torch.zeros_like(B), alpha, r), x @ W + b)


# --- int8 quantization ------------------------------------------------------------------------

def _torch_qint8(w32, scale):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                            # quantized dtypes are deprecated
        return torch.quantize_per_tensor(w32, scale, 0, torch.qint8)


@pytest.mark.parametrize("seed", range(5))
def test_quantize_int8_matches_quantize_per_tensor(seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(8, 16, generator=g).to(torch.float64)          # float32-exact values
    w[0, 0] = 6.0                                                  # an outlier sets the scale
    q, scale = ref.quantize_int8(w)
    assert q.dtype == torch.int8 and scale == pytest.approx(6.0 / 127, rel=1e-15)
    qt = _torch_qint8(w.to(torch.float32), scale)
    assert torch.equal(q, qt.int_repr())
    torch.testing.assert_close(ref.dequantize_int8(q, scale), qt.dequantize().to(torch.float64),
                               rtol=1e-6, atol=1e-7)


def test_quantize_int8_rounds_half_to_even_and_guards_zero():
    w = torch.tensor([127.0, 0.5, 1.5, 2.5, -2.5, -0.5, 3.5, -127.0], **f64)
    q, scale = ref.quantize_int8(w)
    assert scale == 1.0 and q.tolist() == [127, 0, 2, 2, -2, 0, 4, -127]
    assert torch.equal(q, _torch_qint8(w.to(torch.float32), 1.0).int_repr())
    q, scale = ref.quantize_int8(torch.zeros(2, 3, **f64))
    assert scale == 1.0 and not q.any()


# --- label smoothing --------------------------------------------------------------------------

@pytest.mark.parametrize("N, K, s", [(1, 3, 0.1), (4, 5, 0.1), (3, 4, 0.3), (4, 2, 0.2), (5, 6, 0.0)])
def test_label_smoothing_cross_entropy_and_grad(N, K, s):
    z, labels = 2 * torch.randn(N, K, **f64), torch.randint(0, K, (N,))
    target = torch.full((N, K), s / K, **f64)
    target[torch.arange(N), labels] += 1 - s

    def by_hand(t):
        return -(target * torch.log_softmax(t, -1)).sum(-1).mean()

    assert ref.label_smoothing_cross_entropy(z, labels, s) == pytest.approx(by_hand(z).item(), rel=1e-12)
    dz = _vjp(by_hand, z, torch.tensor(1.0, **f64))
    torch.testing.assert_close(ref.label_smoothing_cross_entropy_grad(z, labels, s), dz)
    torch.testing.assert_close(dz, (torch.softmax(z, -1) - target) / N)


# --- warm-up cosine schedule ------------------------------------------------------------------

def _hf_lambda(warmup, total):
    """transformers.optimization._get_cosine_schedule_with_warmup_lr_lambda, num_cycles 0.5."""
    def factor(step):
        if step < warmup:
            return float(step) / float(max(1, warmup))
        progress = float(step - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    return factor


@pytest.mark.parametrize("base_lr, warmup, total", [(1e-3, 100, 1000), (3e-4, 10, 50), (0.01, 0, 40),
                                                    (0.5, 7, 8)])
def test_warmup_cosine_matches_lambda_lr(base_lr, warmup, total):
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, _hf_lambda(warmup, total))
    for step in range(total + 1):
        got = ref.warmup_cosine_lr(step, base_lr, warmup, total)
        assert isinstance(got, float)
        assert got == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15), step
        opt.step()
        scheduler.step()
    assert ref.warmup_cosine_lr(0, base_lr, warmup, total) == (0.0 if warmup else base_lr)
    assert ref.warmup_cosine_lr(warmup, base_lr, warmup, total) == pytest.approx(base_lr)
    assert ref.warmup_cosine_lr(total, base_lr, warmup, total) == pytest.approx(0.0, abs=1e-15)


# --- gradient clipping ------------------------------------------------------------------------

@pytest.mark.parametrize("max_norm, scale", [(1.0, 1.0), (10.0, 0.1), (0.5, 3.0)])
def test_clip_grad_norm_is_one_global_factor(max_norm, scale):
    grads = [scale * torch.randn(3, 4, **f64), scale * torch.randn(4, **f64), scale * torch.randn(2, 2, **f64)]
    kept = [g.clone() for g in grads]
    clipped, total = ref.clip_grad_norm(grads, max_norm)
    want_total = math.sqrt(sum(float((g * g).sum()) for g in kept))
    assert total == pytest.approx(want_total, rel=1e-12)
    factor = min(1.0, max_norm / (want_total + 1e-6))
    for c, g, k in zip(clipped, grads, kept):
        torch.testing.assert_close(c, k * factor)
        assert torch.equal(g, k)                                   # the inputs are untouched


# --- embedding gradient -----------------------------------------------------------------------

def test_embedding_backward_accumulates_repeats():
    indices = torch.tensor([[0, 0, 0, 3], [2, 2, 0, 1]])
    grad_out = torch.randn(2, 4, 3, **f64)
    one_hot = F.one_hot(indices, 6).to(torch.float64)             # (N, T, V)
    want = torch.einsum("ntv,ntd->vd", one_hot, grad_out)
    torch.testing.assert_close(ref.embedding_backward(indices, grad_out, 6), want)


# --- the NumPy solution -----------------------------------------------------------------------

def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("12_llm")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("12_llm", "cuda")
