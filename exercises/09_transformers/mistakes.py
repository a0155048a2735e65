"""Known-wrong versions of the transformers tasks, run in the namespace of solution.py.

A mutant rebinds one task's name to its mistake, so the mistakes call the correct functions
through the aliases below, taken before any rebinding.
"""
correct_attention = scaled_dot_product_attention
correct_multi_head_attention = multi_head_attention
correct_positional_encoding = positional_encoding
correct_layer_norm = layer_norm


# --- scaled_dot_product_attention -----------------------------------------------------------

def scaled_dot_product_attention__scaled_by_d(q, k, v, mask=None):
    d = q.shape[-1]
    # Scaling q by sqrt(d) turns the correct 1/sqrt(d) into 1/d.
    return correct_attention(q / np.sqrt(d), k, v, mask)


def scaled_dot_product_attention__mask_inverted(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -1e9, scores)          # blocks the allowed keys instead
    return softmax(scores, axis=-1) @ v


def scaled_dot_product_attention__softmax_wrong_axis(q, k, v, mask=None):
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return softmax(scores, axis=-2) @ v                # normalised over the queries


def scaled_dot_product_attention__no_scale(q, k, v, mask=None):
    # Raw q @ k.T: the 1/sqrt(d) is forgotten.
    return correct_attention(q * np.sqrt(q.shape[-1]), k, v, mask)


def scaled_dot_product_attention__ignores_mask(q, k, v, mask=None):
    # Every query attends to every key, whatever the mask says.
    return correct_attention(q, k, v, None)


# --- multi_head_attention -------------------------------------------------------------------

def multi_head_attention__heads_split_wrong_axis(query, key, value, in_proj_weight, in_proj_bias,
                                                 out_proj_weight, out_proj_bias, num_heads,
                                                 mask=None):
    N, Tq, E = query.shape
    W_q, W_k, W_v = np.split(in_proj_weight, 3)
    b_q, b_k, b_v = np.split(in_proj_bias, 3)

    def split_heads(t):                                # reshape straight to (N, heads, T, hd)
        return t.reshape(t.shape[0], num_heads, t.shape[1], E // num_heads)

    if mask is not None and mask.ndim == 3:
        mask = mask[:, None]
    heads = correct_attention(split_heads(query @ W_q.T + b_q),
                              split_heads(key @ W_k.T + b_k),
                              split_heads(value @ W_v.T + b_v), mask)
    return heads.reshape(N, Tq, E) @ out_proj_weight.T + out_proj_bias


def multi_head_attention__scaled_by_model_dim(query, key, value, in_proj_weight, in_proj_bias,
                                              out_proj_weight, out_proj_bias, num_heads, mask=None):
    # 1/sqrt(E) instead of 1/sqrt(E/heads): fold the extra factor into the query projection.
    shrink = np.sqrt(num_heads)
    E = query.shape[-1]
    W = in_proj_weight.copy()
    b = in_proj_bias.copy()
    W[:E] /= shrink
    b[:E] /= shrink
    return correct_multi_head_attention(query, key, value, W, b, out_proj_weight, out_proj_bias,
                                        num_heads, mask)


def multi_head_attention__no_output_projection(query, key, value, in_proj_weight, in_proj_bias,
                                               out_proj_weight, out_proj_bias, num_heads,
                                               mask=None):
    E = query.shape[-1]
    return correct_multi_head_attention(query, key, value, in_proj_weight, in_proj_bias,
                                        np.eye(E), np.zeros(E), num_heads, mask)


# --- positional_encoding --------------------------------------------------------------------

def positional_encoding__sin_cos_swapped(seq_len, d_model):
    pos = np.arange(seq_len)[:, None]
    angle = pos / 10000.0 ** (np.arange(d_model) // 2 * 2 / d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.cos(angle), np.sin(angle))


def positional_encoding__exponent_uses_feature_index(seq_len, d_model):
    # 10000**(j/d_model) for feature j: the odd feature 2i+1 gets its own frequency.
    pos = np.arange(seq_len)[:, None]
    angle = pos / 10000.0 ** (np.arange(d_model) / d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))


def positional_encoding__multiplied_by_base_power(seq_len, d_model):
    pos = np.arange(seq_len)[:, None]
    angle = pos * 10000.0 ** (np.arange(d_model) // 2 * 2 / d_model)
    return np.where(np.arange(d_model) % 2 == 0, np.sin(angle), np.cos(angle))


def positional_encoding__sin_cos_concatenated(seq_len, d_model):
    # First half of the features sin, second half cos (another layout, not the contract's).
    pe = correct_positional_encoding(seq_len, d_model)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


# --- layer_norm -----------------------------------------------------------------------------

def layer_norm__unbiased_variance(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, ddof=1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def layer_norm__eps_outside_sqrt(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    return (x - mean) / (x.std(axis=-1, keepdims=True) + eps) * gamma + beta


def layer_norm__normalised_over_first_axis(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


# --- transformer_encoder_layer --------------------------------------------------------------

def _attention_block(x, p, num_heads):
    return correct_multi_head_attention(x, x, x, p["self_attn.in_proj_weight"],
                                        p["self_attn.in_proj_bias"], p["self_attn.out_proj.weight"],
                                        p["self_attn.out_proj.bias"], num_heads)


def _feed_forward(x, p, activation):
    hidden = activation(x @ p["linear1.weight"].T + p["linear1.bias"])
    return hidden @ p["linear2.weight"].T + p["linear2.bias"]


def _relu(a):
    return np.maximum(a, 0.0)


def _gelu(a):
    return 0.5 * a * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (a + 0.044715 * a**3)))


def transformer_encoder_layer__pre_norm(x, params, num_heads):
    p = params
    x = x + _attention_block(correct_layer_norm(x, p["norm1.weight"], p["norm1.bias"]), p, num_heads)
    return x + _feed_forward(correct_layer_norm(x, p["norm2.weight"], p["norm2.bias"]), p, _relu)


def transformer_encoder_layer__gelu_instead_of_relu(x, params, num_heads):
    p = params
    x = correct_layer_norm(x + _attention_block(x, p, num_heads), p["norm1.weight"], p["norm1.bias"])
    return correct_layer_norm(x + _feed_forward(x, p, _gelu), p["norm2.weight"], p["norm2.bias"])


def transformer_encoder_layer__attention_residual_missing(x, params, num_heads):
    p = params
    x = correct_layer_norm(_attention_block(x, p, num_heads), p["norm1.weight"], p["norm1.bias"])
    return correct_layer_norm(x + _feed_forward(x, p, _relu), p["norm2.weight"], p["norm2.bias"])
