"""Model solution of the transformers exercise."""
import numpy as np


def softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q @ k^T / sqrt(d)) @ v; mask True = may attend."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)       # weight exactly 0 after the softmax
    return softmax(scores, axis=-1) @ v


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, num_heads, mask=None):
    """Batch-first torch.nn.MultiheadAttention's output with these weights."""
    N, Tq, E = query.shape
    head_dim = E // num_heads
    W_q, W_k, W_v = np.split(in_proj_weight, 3)
    b_q, b_k, b_v = np.split(in_proj_bias, 3)

    def split_heads(t):                                # (N, T, E) -> (N, heads, T, head_dim)
        return t.reshape(t.shape[0], t.shape[1], num_heads, head_dim).transpose(0, 2, 1, 3)

    q = split_heads(query @ W_q.T + b_q)
    k = split_heads(key @ W_k.T + b_k)
    v = split_heads(value @ W_v.T + b_v)
    if mask is not None and mask.ndim == 3:
        mask = mask[:, None]                           # (N, 1, Tq, Tk): the same for every head
    heads = scaled_dot_product_attention(q, k, v, mask)
    concat = heads.transpose(0, 2, 1, 3).reshape(N, Tq, E)
    return concat @ out_proj_weight.T + out_proj_bias


def positional_encoding(seq_len, d_model):
    """Sinusoidal positional encoding: sin at even, cos at odd features."""
    pos = np.arange(seq_len)[:, None]
    pair_start = np.arange(d_model) // 2 * 2           # 2i for features 2i and 2i+1
    angle = pos / 10000.0 ** (pair_start / d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))


def layer_norm(x, gamma, beta, eps=1e-5):
    """Normalise over the last axis with the biased variance, then scale and shift."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def transformer_encoder_layer(x, params, num_heads):
    """Post-norm encoder layer: x = norm1(x + attn(x)); x = norm2(x + ff(x))."""
    p = params
    attn = multi_head_attention(x, x, x, p["self_attn.in_proj_weight"], p["self_attn.in_proj_bias"],
                                p["self_attn.out_proj.weight"], p["self_attn.out_proj.bias"], num_heads)
    x = layer_norm(x + attn, p["norm1.weight"], p["norm1.bias"])
    hidden = np.maximum(x @ p["linear1.weight"].T + p["linear1.bias"], 0.0)
    ff = hidden @ p["linear2.weight"].T + p["linear2.bias"]
    return layer_norm(x + ff, p["norm2.weight"], p["norm2.bias"])
