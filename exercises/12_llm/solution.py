"""Model solution of the llm exercise."""
import numpy as np

GELU_K = np.sqrt(2.0 / np.pi)
GELU_C = 0.044715
GELU_SATURATED = 10.0   # beyond |x| = 10, tanh(k(x + c x^3)) is exactly +-1 in float64


def _gelu_tanh(x):
    """tanh(k (x + c x^3)) and the clipped x it was computed from (x^3 never overflows)."""
    xc = np.clip(x, -GELU_SATURATED, GELU_SATURATED)
    return np.tanh(GELU_K * (xc + GELU_C * xc**3)), xc


def gelu(x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as F.gelu(x, approximate="tanh")."""
    t, _ = _gelu_tanh(x)
    return 0.5 * x * (1.0 + t)


def gelu_backward(x, grad_out):
    t, xc = _gelu_tanh(x)
    du_dx = GELU_K * (1.0 + 3.0 * GELU_C * xc**2)
    # Product rule: d/dx [0.5 x] (1 + t) + 0.5 x (1 - t^2) du/dx; the second term is 0 once saturated.
    return grad_out * (0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * du_dx)


def sigmoid(x):
    """1 / (1 + exp(-x)) with no positive exponent."""
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def silu(x):
    return x * sigmoid(x)


def silu_backward(x, grad_out):
    s = sigmoid(x)
    return grad_out * s * (1.0 + x * (1.0 - s))           # d(x s)/dx = s + x s (1 - s)


def rms_norm(x, weight, eps=1e-6):
    """x / sqrt(mean(x^2) + eps) * weight over the last axis (no mean subtracted)."""
    inv_rms = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    return x * inv_rms * weight


def rms_norm_backward(x, weight, grad_out, eps=1e-6):
    inv_rms = 1.0 / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps)
    x_hat = x * inv_rms
    dweight = np.sum(grad_out * x_hat, axis=tuple(range(x.ndim - 1)))
    g = grad_out * weight
    # inv_rms depends on every x of the row: dx = inv_rms * (g - x_hat * mean(g * x_hat)).
    dx = inv_rms * (g - x_hat * np.mean(g * x_hat, axis=-1, keepdims=True))
    return dx, dweight


def rotary_embedding(x, base=10000.0):
    """Rotate the pairs (x[..., i], x[..., i + D/2]) by t * base**(-2i/D) at position t."""
    N, T, D = x.shape
    half = D // 2
    theta = base ** (-2.0 * np.arange(half) / D)               # (D/2,)
    angle = np.arange(T)[:, None] * theta[None, :]             # (T, D/2)
    cos, sin = np.cos(angle), np.sin(angle)
    first, second = x[..., :half], x[..., half:]
    return np.concatenate([first * cos - second * sin, second * cos + first * sin], axis=-1)


def _softmax(a, axis=-1):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(d) with future positions at -inf) v."""
    T = q.shape[-2]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    allowed = np.tril(np.ones((T, T), dtype=bool))             # row t: positions 0..t
    return _softmax(np.where(allowed, scores, -np.inf)) @ v


class KVCache:
    """Keys and values of the positions decoded so far; each step attends over all of them."""

    def __init__(self):
        self.keys = []
        self.values = []

    def step(self, q_t, k_t, v_t):
        self.keys.append(np.array(k_t, dtype=np.float64))      # copies: the caller may reuse its arrays
        self.values.append(np.array(v_t, dtype=np.float64))
        K = np.stack(self.keys, axis=1)                          # (N, t+1, d)
        V = np.stack(self.values, axis=1)
        scores = np.einsum("nd,ntd->nt", q_t, K) / np.sqrt(q_t.shape[-1])
        return np.einsum("nt,ntd->nd", _softmax(scores), V)


def top_k_top_p_filter(logits, top_k=0, top_p=1.0):
    """Top-k (ties with the k-th kept), then top-p on what is left; removed logits become -inf."""
    out = np.array(logits, dtype=np.float64)
    if top_k > 0:
        kth = np.sort(out, axis=-1)[:, -min(top_k, out.shape[-1])][:, None]
        out[out < kth] = -np.inf
    if top_p < 1.0:
        order = np.argsort(-out, axis=-1, kind="stable")          # most probable first
        probs = np.take_along_axis(_softmax(out), order, axis=-1)
        before = np.cumsum(probs, axis=-1) - probs                # mass of the tokens ranked above
        remove_sorted = before >= top_p                           # the token crossing top_p is kept
        remove_sorted[:, 0] = False                               # always at least one token
        remove = np.zeros_like(remove_sorted)
        np.put_along_axis(remove, order, remove_sorted, axis=-1)
        out[remove] = -np.inf
    return out


def lora_forward(x, W, b, A, B, alpha, r):
    return x @ W + b + (alpha / r) * (x @ A @ B)


def lora_merge(W, A, B, alpha, r):
    return W + (alpha / r) * (A @ B)


def quantize_int8(w):
    """Symmetric per-tensor int8: scale = max|w| / 127, q = round-half-even(w / scale)."""
    peak = np.max(np.abs(w))
    scale = float(peak / 127.0) if peak > 0 else 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)   # np.round rounds half to even
    return q, scale


def dequantize_int8(q, scale):
    return q.astype(np.float64) * scale


def _log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _smoothed_targets(labels, K, smoothing):
    """(1 - s) on the label plus s / K on every class (the label included), as PyTorch."""
    target = np.full((len(labels), K), smoothing / K)
    target[np.arange(len(labels)), labels] += 1.0 - smoothing
    return target


def label_smoothing_cross_entropy(z, labels, smoothing=0.1):
    target = _smoothed_targets(labels, z.shape[-1], smoothing)
    return float(-np.mean(np.sum(target * _log_softmax(z), axis=-1)))


def label_smoothing_cross_entropy_grad(z, labels, smoothing=0.1):
    target = _smoothed_targets(labels, z.shape[-1], smoothing)
    return (_softmax(z) - target) / z.shape[0]


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps):
    """Linear warm-up from 0, then half a cosine down to 0 at total_steps."""
    if step < warmup_steps:
        return float(base_lr * step / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return float(base_lr * 0.5 * (1.0 + np.cos(np.pi * progress)))


def clip_grad_norm(grads, max_norm):
    """Scale every gradient by one factor so that their global L2 norm is at most max_norm."""
    total_norm = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    factor = min(1.0, max_norm / (total_norm + 1e-6))
    return [g * factor for g in grads], total_norm


def embedding_backward(indices, grad_out, vocab_size):
    dW = np.zeros((vocab_size, grad_out.shape[-1]))
    np.add.at(dW, indices.reshape(-1), grad_out.reshape(-1, grad_out.shape[-1]))   # repeats add up
    return dW
