"""PyTorch reference of the transformers exercise.

Attention, layer norm and the encoder layer are PyTorch's own functions and modules; the
positional encoding has no torch built-in and is written out (tests check it against the formula).
"""
import torch
import torch.nn.functional as F
from torch import nn


def scaled_dot_product_attention(q, k, v, mask=None):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def multi_head_attention(query, key, value, in_proj_weight, in_proj_bias, out_proj_weight,
                         out_proj_bias, num_heads, mask=None):
    E = query.shape[-1]
    mha = nn.MultiheadAttention(E, num_heads, batch_first=True, device=query.device, dtype=query.dtype)
    mha.load_state_dict({"in_proj_weight": in_proj_weight, "in_proj_bias": in_proj_bias,
                         "out_proj.weight": out_proj_weight, "out_proj.bias": out_proj_bias})
    attn_mask = None
    if mask is not None:
        attn_mask = ~mask                      # torch's attn_mask: True = NOT allowed
        if attn_mask.dim() == 3:               # (N, Tq, Tk) -> (N*heads, Tq, Tk), batch-major
            attn_mask = attn_mask.repeat_interleave(num_heads, dim=0)
    with torch.no_grad():
        out, _ = mha(query, key, value, attn_mask=attn_mask, need_weights=False)
    return out


def positional_encoding(seq_len, d_model):
    pos = torch.arange(seq_len, dtype=torch.float64)[:, None]
    feature = torch.arange(d_model)
    angle = pos / 10000.0 ** ((feature // 2 * 2).to(torch.float64) / d_model)
    return torch.where(feature % 2 == 0, torch.sin(angle), torch.cos(angle))


def layer_norm(x, gamma, beta, eps=1e-5):
    return F.layer_norm(x, x.shape[-1:], gamma, beta, eps)


def transformer_encoder_layer(x, params, num_heads):
    d_model = x.shape[-1]
    dim_feedforward = params["linear1.weight"].shape[0]
    layer = nn.TransformerEncoderLayer(d_model, num_heads, dim_feedforward, dropout=0.0,
                                       batch_first=True, device=x.device, dtype=x.dtype)
    layer.load_state_dict(params)
    with torch.no_grad():
        return layer(x)
