"""Known-wrong versions of the llm tasks, run in the namespace of solution.py.

A mutant rebinds one task's name to its mistake, so the mistakes call the correct functions
through the aliases below, taken before any rebinding.
"""
import math

correct_gelu = gelu
correct_rms_norm = rms_norm
correct_rms_norm_backward = rms_norm_backward
correct_top_k_top_p_filter = top_k_top_p_filter
correct_lora_forward = lora_forward
correct_label_smoothing_grad = label_smoothing_cross_entropy_grad
correct_clip_grad_norm = clip_grad_norm
correct_quantize_int8 = quantize_int8
correct_embedding_backward = embedding_backward

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _phi_cdf(x):
    return 0.5 * (1.0 + _erf(x / np.sqrt(2.0)))


# --- gelu, gelu_backward ----------------------------------------------------------------------

def gelu__erf_form(x):
    return x * _phi_cdf(x)                                   # the exact GELU, not the tanh form


def gelu__sigmoid_approximation(x):
    return x * sigmoid(1.702 * x)


def gelu__cube_overflows(x):
    return 0.5 * x * (1.0 + np.tanh(GELU_K * (x + GELU_C * x**3)))     # x**3 overflows past 1e102


def gelu_backward__product_rule_missing(x, grad_out):
    t, _ = _gelu_tanh(x)
    return grad_out * 0.5 * (1.0 + t)                        # only d(0.5 x)/dx (1 + t)


def gelu_backward__erf_derivative(x, grad_out):
    return grad_out * (_phi_cdf(x) + x * np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi))


def gelu_backward__cube_overflows(x, grad_out):
    t = np.tanh(GELU_K * (x + GELU_C * x**3))
    return grad_out * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_K * (1.0 + 3.0 * GELU_C * x**2))


# --- silu, silu_backward ----------------------------------------------------------------------

def silu__naive_exp(x):
    return x / (1.0 + np.exp(-x))                            # exp(1000) overflows


def silu__gelu_instead(x):
    return correct_gelu(x)


def silu_backward__product_rule_missing(x, grad_out):
    return grad_out * sigmoid(x)                             # x treated as a constant factor


def silu_backward__naive_exp(x, grad_out):
    s = 1.0 / (1.0 + np.exp(-x))
    return grad_out * s * (1.0 + x * (1.0 - s))


def silu_backward__grad_out_ignored(x, grad_out):
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


# --- rms_norm, rms_norm_backward --------------------------------------------------------------

def rms_norm__subtracts_mean(x, weight, eps=1e-6):
    centred = x - x.mean(axis=-1, keepdims=True)             # that is layer norm
    return centred / np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + eps) * weight


def rms_norm__eps_outside_sqrt(x, weight, eps=1e-6):
    return x / (np.sqrt(np.mean(x * x, axis=-1, keepdims=True)) + eps) * weight


def rms_norm__rms_over_first_axis(x, weight, eps=1e-6):
    return x / np.sqrt(np.mean(x * x, axis=0, keepdims=True) + eps) * weight


def rms_norm_backward__rms_treated_as_constant(x, weight, grad_out, eps=1e-6):
    inv_rms = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    _, dweight = correct_rms_norm_backward(x, weight, grad_out, eps)
    return grad_out * weight * inv_rms, dweight


def rms_norm_backward__dweight_not_summed(x, weight, grad_out, eps=1e-6):
    dx, _ = correct_rms_norm_backward(x, weight, grad_out, eps)
    return dx, grad_out * correct_rms_norm(x, np.ones_like(weight), eps)


def rms_norm_backward__layer_norm_gradient(x, weight, grad_out, eps=1e-6):
    D = x.shape[-1]
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(np.mean(centred**2, axis=-1, keepdims=True) + eps)
    x_hat = centred * inv_std
    g = grad_out * weight
    dx = inv_std / D * (D * g - g.sum(axis=-1, keepdims=True) - x_hat * np.sum(g * x_hat, axis=-1, keepdims=True))
    return dx, np.sum(grad_out * x_hat, axis=tuple(range(x.ndim - 1)))


# --- rotary_embedding -------------------------------------------------------------------------

def _rotate_pairs(x, first_idx, second_idx, theta, positions):
    angle = positions[:, None] * theta[None, :]
    cos, sin = np.cos(angle), np.sin(angle)
    a, b = x[..., first_idx], x[..., second_idx]
    out = np.empty_like(x)
    out[..., first_idx] = a * cos - b * sin
    out[..., second_idx] = b * cos + a * sin
    return out


def rotary_embedding__interleaved_pairs(x, base=10000.0):
    D = x.shape[-1]
    theta = base ** (-2.0 * np.arange(D // 2) / D)
    return _rotate_pairs(x, np.arange(0, D, 2), np.arange(1, D, 2), theta, np.arange(x.shape[1]))


def rotary_embedding__positions_from_one(x, base=10000.0):
    D = x.shape[-1]
    half = np.arange(D // 2)
    theta = base ** (-2.0 * half / D)
    return _rotate_pairs(x, half, half + D // 2, theta, np.arange(1, x.shape[1] + 1))


def rotary_embedding__frequency_exponent_halved(x, base=10000.0):
    D = x.shape[-1]
    half = np.arange(D // 2)
    theta = base ** (-1.0 * half / D)                         # base**(-i/D), not base**(-2i/D)
    return _rotate_pairs(x, half, half + D // 2, theta, np.arange(x.shape[1]))


def rotary_embedding__rotation_reversed(x, base=10000.0):
    D = x.shape[-1]
    half = np.arange(D // 2)
    theta = base ** (-2.0 * half / D)
    return _rotate_pairs(x, half, half + D // 2, -theta, np.arange(x.shape[1]))


# --- causal_attention -------------------------------------------------------------------------

def _masked_attention(q, k, v, allowed, scale):
    scores = q @ np.swapaxes(k, -1, -2) * scale
    return _softmax(np.where(allowed, scores, -np.inf)) @ v


def causal_attention__sees_next_token(q, k, v):
    T = q.shape[-2]
    return _masked_attention(q, k, v, np.tril(np.ones((T, T), dtype=bool), k=1), 1.0 / np.sqrt(q.shape[-1]))


def causal_attention__upper_triangular_mask(q, k, v):
    T = q.shape[-2]
    return _masked_attention(q, k, v, np.triu(np.ones((T, T), dtype=bool)), 1.0 / np.sqrt(q.shape[-1]))


def causal_attention__no_scaling(q, k, v):
    T = q.shape[-2]
    return _masked_attention(q, k, v, np.tril(np.ones((T, T), dtype=bool)), 1.0)


# --- KVCache ----------------------------------------------------------------------------------

class KVCache__keeps_aliases(KVCache):
    def step(self, q_t, k_t, v_t):
        self.keys.append(k_t)                                    # the caller's array, not a copy
        self.values.append(v_t)
        K, V = np.stack(self.keys, axis=1), np.stack(self.values, axis=1)
        scores = np.einsum("nd,ntd->nt", q_t, K) / np.sqrt(q_t.shape[-1])
        return np.einsum("nt,ntd->nd", _softmax(scores), V)


class KVCache__no_scaling(KVCache):
    def step(self, q_t, k_t, v_t):
        self.keys.append(k_t.copy())
        self.values.append(v_t.copy())
        K, V = np.stack(self.keys, axis=1), np.stack(self.values, axis=1)
        return np.einsum("nt,ntd->nd", _softmax(np.einsum("nd,ntd->nt", q_t, K)), V)


class KVCache__softmax_over_batch(KVCache):
    def step(self, q_t, k_t, v_t):
        self.keys.append(k_t.copy())
        self.values.append(v_t.copy())
        K, V = np.stack(self.keys, axis=1), np.stack(self.values, axis=1)
        scores = np.einsum("nd,ntd->nt", q_t, K) / np.sqrt(q_t.shape[-1])
        return np.einsum("nt,ntd->nd", _softmax(scores, axis=0), V)


# --- top_k_top_p_filter -----------------------------------------------------------------------

def top_k_top_p_filter__drops_crossing_token(logits, top_k=0, top_p=1.0):
    out = correct_top_k_top_p_filter(logits, top_k, 1.0)
    if top_p < 1.0:
        order = np.argsort(-out, axis=-1, kind="stable")
        cumulative = np.cumsum(np.take_along_axis(_softmax(out), order, axis=-1), axis=-1)
        remove_sorted = cumulative > top_p                       # drops the token that crosses top_p
        remove_sorted[:, 0] = False
        remove = np.zeros_like(remove_sorted)
        np.put_along_axis(remove, order, remove_sorted, axis=-1)
        out[remove] = -np.inf
    return out


def top_k_top_p_filter__ties_dropped(logits, top_k=0, top_p=1.0):
    out = np.array(logits, dtype=np.float64)
    if top_k > 0:
        order = np.argsort(-out, axis=-1, kind="stable")
        np.put_along_axis(out, order[:, top_k:], -np.inf, axis=-1)   # exactly k kept, ties cut
    return correct_top_k_top_p_filter(out, 0, top_p)


def top_k_top_p_filter__removed_set_to_zero(logits, top_k=0, top_p=1.0):
    out = correct_top_k_top_p_filter(logits, top_k, top_p)
    return np.where(np.isneginf(out), 0.0, out)


def top_k_top_p_filter__top_p_before_top_k(logits, top_k=0, top_p=1.0):
    return correct_top_k_top_p_filter(correct_top_k_top_p_filter(logits, 0, top_p), top_k, 1.0)


# --- lora_forward, lora_merge -----------------------------------------------------------------

def lora_forward__scaled_by_alpha(x, W, b, A, B, alpha, r):
    return x @ W + b + alpha * (x @ A @ B)


def lora_forward__scaling_ignored(x, W, b, A, B, alpha, r):
    return x @ W + b + x @ A @ B


def lora_merge__scaled_by_alpha(W, A, B, alpha, r):
    return W + alpha * (A @ B)


def lora_merge__modifies_w_in_place(W, A, B, alpha, r):
    W += (alpha / r) * (A @ B)
    return W


# --- quantize_int8, dequantize_int8 -----------------------------------------------------------

def quantize_int8__round_half_away(w):
    _, scale = correct_quantize_int8(w)
    scaled = w / scale
    q = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)       # 2.5 -> 3, not 2
    return np.clip(q, -127, 127).astype(np.int8), scale


def quantize_int8__full_int8_range(w):
    peak = np.max(np.abs(w))
    scale = float(peak / 128.0) if peak > 0 else 1.0
    return np.clip(np.round(w / scale), -128, 127).astype(np.int8), scale


def quantize_int8__per_row_scale(w):
    peak = np.max(np.abs(w), axis=-1, keepdims=True)
    scale = np.where(peak > 0, peak / 127.0, 1.0)
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale.reshape(-1)


def quantize_int8__zero_tensor_unguarded(w):
    scale = float(np.max(np.abs(w)) / 127.0)                   # 0.0 for an all-zero tensor: 0 / 0
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale


def dequantize_int8__divides_by_scale(q, scale):
    return q.astype(np.float64) / scale


def dequantize_int8__unsigned_codes(q, scale):
    return q.astype(np.uint8).astype(np.float64) * scale        # -1 becomes 255


# --- label smoothing --------------------------------------------------------------------------

def _targets_over_others(labels, K, smoothing):
    target = np.full((len(labels), K), smoothing / (K - 1))
    target[np.arange(len(labels)), labels] = 1.0 - smoothing
    return target


def label_smoothing_cross_entropy__spread_over_other_classes(z, labels, smoothing=0.1):
    target = _targets_over_others(labels, z.shape[-1], smoothing)
    return float(-np.mean(np.sum(target * _log_softmax(z), axis=-1)))


def label_smoothing_cross_entropy__summed_over_batch(z, labels, smoothing=0.1):
    target = _smoothed_targets(labels, z.shape[-1], smoothing)
    return float(-np.sum(target * _log_softmax(z)))


def label_smoothing_cross_entropy__naive_softmax(z, labels, smoothing=0.1):
    e = np.exp(z)                                                # overflows for large logits
    target = _smoothed_targets(labels, z.shape[-1], smoothing)
    return float(-np.mean(np.sum(target * np.log(e / e.sum(axis=-1, keepdims=True)), axis=-1)))


def label_smoothing_cross_entropy_grad__spread_over_other_classes(z, labels, smoothing=0.1):
    return (_softmax(z) - _targets_over_others(labels, z.shape[-1], smoothing)) / z.shape[0]


def label_smoothing_cross_entropy_grad__missing_batch_mean(z, labels, smoothing=0.1):
    return correct_label_smoothing_grad(z, labels, smoothing) * z.shape[0]


def label_smoothing_cross_entropy_grad__smoothing_ignored(z, labels, smoothing=0.1):
    return correct_label_smoothing_grad(z, labels, 0.0)


# --- warmup_cosine_lr -------------------------------------------------------------------------

def warmup_cosine_lr__warmup_starts_at_one(step, base_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return float(base_lr * (step + 1) / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(base_lr * 0.5 * (1.0 + np.cos(np.pi * progress)))


def warmup_cosine_lr__progress_ignores_warmup(step, base_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    return float(base_lr * 0.5 * (1.0 + np.cos(np.pi * step / total_steps)))


def warmup_cosine_lr__linear_decay(step, base_lr, warmup_steps, total_steps):
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    return float(base_lr * (1.0 - (step - warmup_steps) / (total_steps - warmup_steps)))


# --- clip_grad_norm ---------------------------------------------------------------------------

def clip_grad_norm__per_tensor_clipping(grads, max_norm):
    norms = [float(np.sqrt(np.sum(g * g))) for g in grads]
    clipped = [g * min(1.0, max_norm / (n + 1e-6)) for g, n in zip(grads, norms)]
    return clipped, float(np.sqrt(sum(n * n for n in norms)))


def clip_grad_norm__always_rescales(grads, max_norm):
    total_norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    return [g * (max_norm / (total_norm + 1e-6)) for g in grads], total_norm   # small norms grow


def clip_grad_norm__modifies_in_place(grads, max_norm):
    clipped, total_norm = correct_clip_grad_norm(grads, max_norm)
    for g, c in zip(grads, clipped):
        g[...] = c
    return grads, total_norm


# --- embedding_backward -----------------------------------------------------------------------

def embedding_backward__fancy_index_loses_repeats(indices, grad_out, vocab_size):
    dW = np.zeros((vocab_size, grad_out.shape[-1]))
    dW[indices.reshape(-1)] += grad_out.reshape(-1, grad_out.shape[-1])   # one write per repeated id
    return dW


def embedding_backward__averaged_over_repeats(indices, grad_out, vocab_size):
    dW = correct_embedding_backward(indices, grad_out, vocab_size)
    counts = np.bincount(indices.reshape(-1), minlength=vocab_size)
    return dW / np.maximum(counts, 1)[:, None]
