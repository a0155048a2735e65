"""reference/transformers.py against PyTorch's attention, MultiheadAttention, layer norm and
TransformerEncoderLayer, and the NumPy solution against the reference."""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from reference import transformers as ref
from tests.reference.course_cases import device_mismatches, mismatches

torch.manual_seed(0)
f64 = dict(dtype=torch.float64)


def _attention_by_hand(q, k, v, allowed=None):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if allowed is not None:
        scores = scores.masked_fill(~allowed, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def _causal(T):
    return torch.ones(T, T, dtype=torch.bool).tril()


@pytest.mark.parametrize("shape_q, shape_k, dv", [((4, 3), (4, 3), 3), ((1, 2), (5, 2), 4),
                                                   ((2, 2, 4, 3), (2, 2, 6, 3), 5)])
@pytest.mark.parametrize("masked", [False, True])
def test_scaled_dot_product_attention(shape_q, shape_k, dv, masked):
    q, k = torch.randn(shape_q, **f64), torch.randn(shape_k, **f64)
    v = torch.randn(shape_k[:-1] + (dv,), **f64)
    mask = None
    if masked:
        mask = torch.rand(shape_q[-2], shape_k[-2]) < 0.5
        mask[:, 0] = True                              # no query row without an allowed key
    torch.testing.assert_close(ref.scaled_dot_product_attention(q, k, v, mask),
                               _attention_by_hand(q, k, v, mask))


def test_attention_mask_true_means_may_attend():
    # Keys 1 and 2 blocked for every query: the output is exactly value 0.
    q, k = torch.randn(3, 4, **f64), torch.randn(3, 4, **f64)
    v = torch.eye(3, **f64)
    mask = torch.tensor([True, False, False]).expand(3, 3)
    torch.testing.assert_close(ref.scaled_dot_product_attention(q, k, v, mask), v[[0, 0, 0]])
    causal = ref.scaled_dot_product_attention(q, k, v, _causal(3))
    assert causal[0, 1:].abs().max() == 0 and causal[1, 2] == 0


def _mha_inputs(N, Tq, Tk, E):
    return (torch.randn(N, Tq, E, **f64), torch.randn(N, Tk, E, **f64), torch.randn(N, Tk, E, **f64),
            0.5 * torch.randn(3 * E, E, **f64), 0.1 * torch.randn(3 * E, **f64),
            0.5 * torch.randn(E, E, **f64), 0.1 * torch.randn(E, **f64))


def _mha_module(E, heads, in_w, in_b, out_w, out_b):
    mha = nn.MultiheadAttention(E, heads, batch_first=True, **f64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(in_w)
        mha.in_proj_bias.copy_(in_b)
        mha.out_proj.weight.copy_(out_w)
        mha.out_proj.bias.copy_(out_b)
    return mha


@pytest.mark.parametrize("N, Tq, Tk, E, heads", [(1, 3, 3, 4, 2), (2, 4, 5, 6, 3), (2, 5, 5, 8, 1),
                                                 (3, 2, 6, 8, 4)])
@pytest.mark.parametrize("mask_kind", [None, "causal", "2d", "3d"])
def test_multi_head_attention(N, Tq, Tk, E, heads, mask_kind):
    query, key, value, in_w, in_b, out_w, out_b = _mha_inputs(N, Tq, Tk, E)
    allowed = {None: None, "causal": torch.ones(Tq, Tk, dtype=torch.bool).tril(),
               "2d": torch.rand(Tq, Tk) < 0.5, "3d": torch.rand(N, Tq, Tk) < 0.5}[mask_kind]
    if allowed is not None:
        allowed[..., 0] = True
    got = ref.multi_head_attention(query, key, value, in_w, in_b, out_w, out_b, heads, allowed)

    # PyTorch's module with an additive float mask (-inf = blocked): no boolean convention involved.
    float_mask = None
    if allowed is not None:
        float_mask = torch.zeros(allowed.shape, **f64).masked_fill(~allowed, float("-inf"))
        if float_mask.dim() == 3:
            float_mask = float_mask.repeat_interleave(heads, dim=0)
    want, _ = _mha_module(E, heads, in_w, in_b, out_w, out_b)(query, key, value,
                                                                attn_mask=float_mask, need_weights=False)
    torch.testing.assert_close(got, want.detach())

    # And the maths written out: split heads along features, attend, merge, project.
    def split(t):
        return t.reshape(N, t.shape[1], heads, E // heads).transpose(1, 2)
    W_q, W_k, W_v = in_w.chunk(3)
    b_q, b_k, b_v = in_b.chunk(3)
    per_head = None if allowed is None else (allowed if allowed.dim() == 2 else allowed[:, None])
    out = _attention_by_hand(split(query @ W_q.T + b_q), split(key @ W_k.T + b_k),
                             split(value @ W_v.T + b_v), per_head)
    torch.testing.assert_close(got, out.transpose(1, 2).reshape(N, Tq, E) @ out_w.T + out_b)
    assert not in_w.requires_grad


@pytest.mark.parametrize("seq_len, d_model", [(1, 2), (4, 6), (20, 16), (6, 5), (50, 64)])
def test_positional_encoding(seq_len, d_model):
    want = torch.tensor([[math.sin(p / 10000 ** (j / d_model)) if j % 2 == 0
                          else math.cos(p / 10000 ** ((j - 1) / d_model))
                          for j in range(d_model)] for p in range(seq_len)], **f64)
    got = ref.positional_encoding(seq_len, d_model)
    assert got.dtype == torch.float64
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("shape", [(1, 4), (3, 5), (2, 4, 6)])
@pytest.mark.parametrize("eps", [1e-5, 1e-2])
@pytest.mark.parametrize("scale", [1.0, 1e-3])
def test_layer_norm(shape, eps, scale):
    x = 5.0 + scale * torch.randn(shape, **f64)
    gamma, beta = torch.randn(shape[-1], **f64), torch.randn(shape[-1], **f64)
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)                       # biased
    torch.testing.assert_close(ref.layer_norm(x, gamma, beta, eps),
                               (x - mean) / torch.sqrt(var + eps) * gamma + beta)
    module = nn.LayerNorm(shape[-1], eps=eps, **f64)
    module.load_state_dict({"weight": gamma, "bias": beta})
    torch.testing.assert_close(ref.layer_norm(x, gamma, beta, eps), module(x).detach())


@pytest.mark.parametrize("N, T, E, heads, ff", [(1, 3, 4, 2, 6), (2, 5, 8, 2, 16), (2, 4, 12, 4, 16)])
def test_transformer_encoder_layer(N, T, E, heads, ff):
    torch_layer = nn.TransformerEncoderLayer(E, heads, ff, dropout=0.0, batch_first=True, **f64)
    params = {name: t.detach().clone() + 0.1 * torch.randn_like(t) for name, t in
              torch_layer.state_dict().items()}
    torch_layer.load_state_dict(params)
    x = torch.randn(N, T, E, **f64)
    got = ref.transformer_encoder_layer(x, params, heads)
    torch.testing.assert_close(got, torch_layer(x).detach())
    torch_layer.eval()                                     # the inference fast path agrees too
    with torch.no_grad():
        torch.testing.assert_close(got, torch_layer(x))

    # Post-norm, ReLU, written out from the attention and layer-norm references.
    p = params
    attn = ref.multi_head_attention(x, x, x, p["self_attn.in_proj_weight"], p["self_attn.in_proj_bias"],
                                    p["self_attn.out_proj.weight"], p["self_attn.out_proj.bias"], heads)
    h = F.layer_norm(x + attn, (E,), p["norm1.weight"], p["norm1.bias"])
    ffn = F.linear(torch.relu(F.linear(h, p["linear1.weight"], p["linear1.bias"])),
                   p["linear2.weight"], p["linear2.bias"])
    torch.testing.assert_close(got, F.layer_norm(h + ffn, (E,), p["norm2.weight"], p["norm2.bias"]))


def test_solution_matches_reference_on_yaml_cases():
    assert not mismatches("09_transformers")


@pytest.mark.gpu
def test_cuda_reference_matches_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert not device_mismatches("09_transformers", "cuda")
