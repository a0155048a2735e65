"""Transformer building blocks: attention, multi-head attention, positional encoding, layer norm,
and a whole encoder layer, each equal to its PyTorch counterpart.

Scaled dot-product attention
----------------------------
Queries ``q (..., Tq, d)``, keys ``k (..., Tk, d)`` and values ``v (..., Tk, dv)``:

    scores  = q @ k^T / sqrt(d)                       (..., Tq, Tk)
    weights = softmax(scores) over the LAST axis      each query's weights over the keys sum to 1
    out     = weights @ v                             (..., Tq, dv)

A boolean ``mask`` broadcastable to ``(..., Tq, Tk)`` says which keys each query may attend to:
True = may attend (the convention of ``torch.nn.functional.scaled_dot_product_attention``). A
masked score is set to -inf before the softmax, so its weight is exactly 0. A *causal* mask
``np.tril(np.ones((T, T), bool))`` lets position t see positions 0..t only.
Subtract each row's maximum before ``np.exp`` so large scores cannot overflow.

Worked example, d = 2, one query, two keys::

    q = [[1, 0]]   k = [[1, 0], [0, 1]]   v = [[1, 2], [3, 4]]
    scores  = [[1, 0]] / sqrt(2)          = [[0.7071, 0.0]]
    weights = softmax                     = [[0.6698, 0.3302]]
    out     = 0.6698*[1, 2] + 0.3302*[3, 4] = [[1.6605, 2.6605]]

Multi-head attention (as torch.nn.MultiheadAttention with batch_first=True)
---------------------------------------------------------------------------
``query (N, Tq, E)``, ``key`` and ``value (N, Tk, E)``. ``in_proj_weight (3E, E)`` stacks the
query, key and value projections (in that order), ``in_proj_bias (3E,)`` likewise:

    Q = query @ W_q.T + b_q,  K = key @ W_k.T + b_k,  V = value @ W_v.T + b_v       (N, T, E)

Each of Q, K, V is split into ``num_heads`` heads of size ``E // num_heads`` along the FEATURE axis:
``(N, T, E) -> (N, T, heads, E/heads) -> (N, heads, T, E/heads)`` (reshape, then swap axes 1 and 2).
Every head runs scaled dot-product attention on its own (scaled by ``1/sqrt(E/heads)``); the heads'
outputs are put back side by side ``(N, Tq, E)`` and projected: ``out @ out_proj_weight.T +
out_proj_bias``. A ``(Tq, Tk)`` or ``(N, Tq, Tk)`` mask (True = may attend) applies to every head.
Beware: torch.nn.MultiheadAttention's own boolean ``attn_mask`` means the opposite (True = blocked);
this exercise uses the scaled_dot_product_attention convention everywhere.

Sinusoidal positional encoding ("Attention Is All You Need")
------------------------------------------------------------
    PE[pos, 2i]   = sin(pos / 10000**(2i / d_model))
    PE[pos, 2i+1] = cos(pos / 10000**(2i / d_model))

Feature pairs (2i, 2i+1) share one frequency; even features get sin, odd features cos. With
d_model = 4, position 1 is ``[sin(1), cos(1), sin(1/100), cos(1/100)] = [0.8415, 0.5403, 0.0100,
0.99995]``, and position 0 is ``[0, 1, 0, 1]``. d_model may be odd (the last feature is then a sin).

Layer normalisation
-------------------
Each vector along the last axis is normalised on its own, with the biased variance (divide by D):

    mu = mean(x), var = mean((x - mu)**2),  out = (x - mu) / sqrt(var + eps) * gamma + beta

x = [1, 2, 3, 4]: mu = 2.5, var = 1.25, out = [-1.3416, -0.4472, 0.4472, 1.3416] (gamma 1, beta 0).

Transformer encoder layer (post-norm, as torch.nn.TransformerEncoderLayer, dropout 0, ReLU)
-------------------------------------------------------------------------------------------
    x = layer_norm(x + self_attention(x, x, x))                     with norm1
    x = layer_norm(x + linear2(relu(linear1(x))))                   with norm2

where ``linear(x) = x @ weight.T + bias`` and the parameters are named as in the torch layer's
``state_dict()``: ``self_attn.in_proj_weight``, ``self_attn.in_proj_bias``,
``self_attn.out_proj.weight``, ``self_attn.out_proj.bias``, ``linear1.weight``, ``linear1.bias``,
``linear2.weight``, ``linear2.bias``, ``norm1.weight``, ``norm1.bias``, ``norm2.weight``,
``norm2.bias`` (eps 1e-5). "Post-norm": the norm comes after each residual sum, not before the
sub-layer.

You may call your own functions from one another. All functions take and return float64 NumPy
arrays and never modify their inputs.
"""
import numpy as np


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q @ k^T / sqrt(d)) @ v, as torch.nn.functional.scaled_dot_product_attention.

    q: (..., Tq, d), k: (..., Tk, d), v: (..., Tk, dv).
    mask: None or bool, broadcastable to (..., Tq, Tk); True = the query may attend to the key.
    Returns (..., Tq, dv).
    """
    raise NotImplementedError


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, num_heads, mask=None):
    """Multi-head attention, equal to batch-first torch.nn.MultiheadAttention's output.

    query: (N, Tq, E), key, value: (N, Tk, E), in_proj_weight: (3E, E) rows q, k, v,
    in_proj_bias: (3E,), out_proj_weight: (E, E), out_proj_bias: (E,), num_heads: divides E.
    mask: None or bool (Tq, Tk) or (N, Tq, Tk), True = may attend; the same for every head.
    Returns the attention output (N, Tq, E).
    """
    raise NotImplementedError


def positional_encoding(seq_len, d_model):
    """Sinusoidal positional encoding, (seq_len, d_model).

    PE[pos, 2i] = sin(pos / 10000**(2i/d_model)),  PE[pos, 2i+1] = cos(pos / 10000**(2i/d_model)).
    """
    raise NotImplementedError


def layer_norm(x, gamma, beta, eps=1e-5):
    """Layer normalisation over the last axis, as torch.nn.functional.layer_norm.

    x: (..., D), gamma, beta: (D,).
    Returns (x - mean) / sqrt(var + eps) * gamma + beta, mean and biased var over the last axis.
    """
    raise NotImplementedError


def transformer_encoder_layer(x, params, num_heads):
    """One post-norm encoder layer, as torch.nn.TransformerEncoderLayer(batch_first=True, dropout=0).

    x: (N, T, E). params: dict of arrays keyed by the torch layer's state_dict names (see the
    module docstring). Returns (N, T, E):
        x = layer_norm(x + self_attention(x), norm1);  x = layer_norm(x + feed_forward(x), norm2)
    with feed_forward(x) = relu(x @ linear1.weight.T + linear1.bias) @ linear2.weight.T + linear2.bias.
    """
    raise NotImplementedError
