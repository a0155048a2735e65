"""The building blocks of today's language models (GPT-2, Llama), each equal to PyTorch's.

Every section gives the maths, a worked example, and why the piece is in a real model. All
functions take and return float64 NumPy arrays (int8 for quantized codes) and never modify their
inputs. You may call your own functions from one another.

GELU, tanh form (GPT-2, BERT)
-----------------------------
    gelu(x) = 0.5 * x * (1 + tanh(k * (x + c * x**3))),   k = sqrt(2 / pi), c = 0.044715
    gelu'(x) = 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * k * (1 + 3 * c * x**2),   t = tanh(...)

x = [-2, -1, 0, 1, 2] -> [-0.0454, -0.1588, 0, 0.8412, 1.9546]; gelu' = [-0.0861, -0.083, 0.5,
1.083, 1.0861]. Must be finite and warning-free for any finite x: x**3 overflows past about 1e102,
but tanh is exactly +-1 in float64 once |x| > 10, so compute the tanh (and the second term of the
derivative) from np.clip(x, -10, 10).
Why: GPT-2's and BERT's feed-forward blocks use GELU, a smooth ReLU that lets small negative
inputs through a little. The tanh form is what GPT-2 shipped with; PyTorch's default
F.gelu is the exact erf form, and loading GPT-2 weights with the wrong one shifts every activation
slightly, enough to change generated text.

SiLU (swish; Llama's SwiGLU)
----------------------------
    silu(x) = x * sigmoid(x),   silu'(x) = s + x * s * (1 - s) = s * (1 + x * (1 - s)),  s = sigmoid(x)

x = [-2, -1, 0, 1, 2] -> [-0.2384, -0.2689, 0, 0.7311, 1.7616]; silu' = [-0.0908, 0.0723, 0.5,
0.9277, 1.0908]. Build sigmoid from exp(-|x|) so that x = -1000 does not overflow.
Why: Llama's feed-forward block is SwiGLU, silu(x W1) * (x W3) then W2: the SiLU gate is in every
layer of every Llama, Mistral and Qwen model. A naive exp overflows on the large negative
pre-activations that do occur, and the resulting nan spreads through the whole residual stream.

RMSNorm (Llama)
---------------
Over the last axis, with no mean subtracted and no bias:

    r = 1 / sqrt(mean(x**2) + eps),   x_hat = x * r,   out = x_hat * weight
    dweight = sum of grad_out * x_hat over every axis but the last
    dx = r * (g - x_hat * mean(g * x_hat)),   g = grad_out * weight   (r depends on all of x)

x = [1, 2, 3, 4]: mean(x**2) = 7.5, out = x / 2.7386 = [0.3651, 0.7303, 1.0954, 1.4606]. A zero row
gives 0 (eps keeps it finite).
Why: Llama replaces layer norm by RMSNorm before every attention and feed-forward block: it is
cheaper (no mean, no bias) and trains as well. Subtracting the mean, as layer norm does, gives a
different function: pretrained weights then see inputs they were never trained on.

Rotary position embedding, half-split form (Llama, GPT-NeoX)
------------------------------------------------------------
``x (N, T, D)``, D even. Pair feature i with feature i + D/2 (i < D/2) and rotate the pair at
position t = 0..T-1 by the angle t * theta_i, theta_i = base**(-2i / D):

    a = x[..., :D/2],  b = x[..., D/2:]
    out = concat(a * cos - b * sin,  b * cos + a * sin)     angle = t * theta, shape (T, D/2)

As complex numbers, (a + ib) * exp(i t theta). x = [1, 2, 3, 4] at positions 0 and 1 (D = 4,
theta = [1, 0.01]): position 0 is unchanged; position 1 is [-1.9841, 1.9599, 2.4624, 4.0198].
Why: rotary embeddings are applied to the queries and keys of every attention layer in Llama.
Rotating both by their positions makes q . k depend only on the distance between them, which is
what lets such models extrapolate to long contexts. GPT-J and the RoFormer paper pair interleaved
features (2i, 2i+1) instead; weights trained with one layout give nonsense with the other.

Causal self-attention (GPT)
---------------------------
``q, k, v (N, T, d)``: position t attends to positions 0..t only.

    scores = q @ k^T / sqrt(d),   blocked (future) scores = -inf,   out = softmax(scores) @ v

q = k = [[1, 0], [0, 1], [1, 1]], v = [[1, 2], [3, 4], [5, 6]] -> rows [1, 2], [2.3395, 3.3395],
[3.5105, 4.5105] (row 0 can only see itself).
Why: a decoder is trained to predict every next token of a sequence in parallel; the mask stops
position t from reading token t+1, the answer it must predict. A mask off by one trains a model
that cheats: the training loss looks excellent and generation is garbage.

KV cache (incremental decoding)
-------------------------------
``KVCache()``; ``step(q_t, k_t, v_t)`` with arrays ``(N, d)`` appends k_t and v_t to the cache and
returns the attention of q_t over every cached position (scaled by 1/sqrt(d)), ``(N, d)``. Fed the
positions of a sequence one by one, the outputs are exactly the rows of causal_attention.
The caller reuses its arrays between steps: keep copies, never references.
Why: generating token t+1 needs the keys and values of every earlier token. Recomputing them
makes generation quadratic; caching them makes each new token cost one row of attention, which
is how every LLM server decodes (and why KV-cache memory limits batch size and context length).

Top-k and top-p (nucleus) filtering (Hugging Face's TopKLogitsWarper then TopPLogitsWarper)
-------------------------------------------------------------------------------------------
``logits (N, V)``; return a new array where the removed logits are -inf.
Top-k (0 = off): keep the logits >= the k-th largest of the row (ties with it are kept).
Top-p (1.0 = off), on what top-k kept: sort by probability, descending; keep the smallest set of
tokens whose cumulative probability reaches top_p (the token that crosses top_p is kept; at
least one token always is).

logits [1, 3, 2, 5, 4], top_k = 2 -> [-inf, -inf, -inf, 5, 4]. logits [0.3, 0.2, 0.1, 0, -0.1,
-0.2] (probabilities 0.211, 0.191, 0.173, 0.156, ...), top_p = 0.5 -> the first three are kept
(0.211 + 0.191 = 0.402 < 0.5, the third crosses it).
Why: sampling from the full distribution lets the long tail of unlikely tokens in, and one bad
token derails a generation; greedy decoding repeats itself. Chat APIs expose top_k and top_p
next to temperature for exactly this trade-off.

LoRA (low-rank adaptation)
--------------------------
A frozen layer ``x @ W + b`` (W (Din, Dout)) plus a trainable low-rank update:

    lora_forward = x @ W + b + (alpha / r) * x @ A @ B,   A (Din, r), B (r, Dout)
    lora_merge   = W + (alpha / r) * A @ B                (a new array)

x = [1, 2], W = [[1, 0, 0], [0, 1, 0]], b = [0, 0, 1], A = I, B = [[0.5, 0, 0], [0, 0, 0.5]],
alpha = 4, r = 2: x @ W + b = [1, 2, 1], update 2 * [0.5, 0, 1] -> [2, 2, 3].
Why: fine-tuning a 7B-parameter model updates 7B weights and needs their optimizer state; LoRA
trains r (Din + Dout) numbers per layer instead (B starts at zero, so training starts from the
base model). The alpha / r scaling keeps the update's size when r changes; merging folds it into
W so serving costs nothing extra.

Symmetric per-tensor int8 quantization
--------------------------------------
    scale = max|w| / 127 (1.0 when w is all zero),   q = clip(round_half_even(w / scale), -127, 127)
    dequantize: w ~ q * scale

w = [0.5, -1.27, 0, 1.27]: scale 0.01, q = [50, -127, 0, 127] (int8). np.round rounds halves to
even: 2.5 -> 2, 3.5 -> 4, as torch.round and torch.quantize_per_tensor.
Why: int8 weights take a quarter of float32's memory and bandwidth, which is what lets a large
model fit on one GPU and decode faster. A single outlier weight sets the scale for the whole
tensor and crushes every small weight to 0, which is why LLM quantizers use per-channel or
per-group scales and treat outliers specially.

Cross-entropy with label smoothing
----------------------------------
``z (N, K)`` logits, int ``labels (N,)``. The target is (1 - s) on the label plus s / K on every
class (the label included), and the loss is the mean over rows of -sum(target * log_softmax(z)),
as F.cross_entropy(z, labels, label_smoothing=s). Its gradient: (softmax(z) - target) / N.

z = [2, 1, 0], label 0, s = 0.1: target [0.9333, 0.0333, 0.0333], loss 0.5076, gradient [-0.2681,
0.2114, 0.0567].
Why: a model trained towards one-hot targets grows its logits without bound to become ever more
confident; smoothing caps the target at 1 - s + s/K, which regularises and improves calibration.
The original transformer used s = 0.1.

Warm-up then cosine learning-rate schedule
------------------------------------------
    step < warmup_steps:  lr = base_lr * step / warmup_steps
    otherwise:            lr = base_lr * 0.5 * (1 + cos(pi * progress)),
                          progress = (step - warmup_steps) / (total_steps - warmup_steps)

base_lr 0.001, warm-up 100, total 1000: steps 0, 50, 100, 550, 1000 -> 0, 0.0005, 0.001, 0.0005, 0.
Returns a Python float (Hugging Face's get_cosine_schedule_with_warmup).
Why: Adam's moment estimates are poor in the first steps, and a large learning rate then can
blow a transformer's training up; warm-up avoids that, and the cosine decay anneals to a good
minimum. Almost every LLM pre-training and fine-tuning recipe uses this shape.

Gradient clipping by global norm
--------------------------------
``grads``: a list of arrays. total_norm = sqrt(sum of every squared element of every array); every
gradient is multiplied by min(1, max_norm / (total_norm + 1e-6)), as
torch.nn.utils.clip_grad_norm_. Returns ``(clipped, total_norm)``: new arrays, inputs untouched.

grads [3, 0] and [[0], [4]], max_norm 1: total_norm 5, clipped [0.6, 0] and [[0], [0.8]].
Why: one bad batch can produce a huge gradient (a loss spike) that throws a transformer's weights
far away; clipping the global norm (typically to 1.0) bounds the step and keeps its direction.
Clipping each tensor separately changes the direction of the update.

Embedding gradient
------------------
``indices`` int ``(N, T)``, ``grad_out (N, T, D)``: the embedding looked up W[indices], so its
gradient ``dW (vocab_size, D)`` is 0 except on the rows that were used; a row used several times
gets the SUM of their gradients.

indices [[1, 3, 1]], grad_out [[[1, 2], [3, 4], [5, 6]]], vocab 5: dW[1] = [6, 8], dW[3] = [3, 4].
Why: the token embedding is the first layer of every language model (and, tied, often its last).
Common tokens ("the", ",") appear many times per batch; losing repeated indices silently trains
the most frequent tokens' embeddings with a fraction of their gradient.
"""
import numpy as np


def gelu(x):
    """0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x**3))), as F.gelu(x, approximate="tanh")."""
    raise NotImplementedError


def gelu_backward(x, grad_out):
    """grad_out * gelu'(x) for the tanh form; finite for any finite x."""
    raise NotImplementedError


def silu(x):
    """x * sigmoid(x), as F.silu; stable for any finite x."""
    raise NotImplementedError


def silu_backward(x, grad_out):
    """grad_out * (s + x * s * (1 - s)) with s = sigmoid(x)."""
    raise NotImplementedError


def rms_norm(x, weight, eps=1e-6):
    """x / sqrt(mean(x**2, last axis) + eps) * weight, as F.rms_norm. x (..., D), weight (D,)."""
    raise NotImplementedError


def rms_norm_backward(x, weight, grad_out, eps=1e-6):
    """Gradients of rms_norm: returns (dx (..., D), dweight (D,))."""
    raise NotImplementedError


def rotary_embedding(x, base=10000.0):
    """Rotate the half-split pairs (x[..., i], x[..., i + D/2]) of x (N, T, D) by t * base**(-2i/D)."""
    raise NotImplementedError


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(d), position t sees 0..t) @ v, as F.scaled_dot_product_attention(is_causal=True).

    q, k, v: (N, T, d). Returns (N, T, d).
    """
    raise NotImplementedError


class KVCache:
    """A cache of keys and values for incremental decoding."""

    def __init__(self):
        raise NotImplementedError

    def step(self, q_t, k_t, v_t):
        """Append k_t, v_t (N, d) (copies) and return q_t's attention over every cached position, (N, d)."""
        raise NotImplementedError


def top_k_top_p_filter(logits, top_k=0, top_p=1.0):
    """logits (N, V) with the tokens removed by top-k (0 = off), then top-p (1.0 = off), set to -inf.

    Returns a new array.
    """
    raise NotImplementedError


def lora_forward(x, W, b, A, B, alpha, r):
    """x @ W + b + (alpha / r) * x @ A @ B; x (N, Din), W (Din, Dout), A (Din, r), B (r, Dout)."""
    raise NotImplementedError


def lora_merge(W, A, B, alpha, r):
    """W + (alpha / r) * A @ B, a new array (Din, Dout)."""
    raise NotImplementedError


def quantize_int8(w):
    """Symmetric per-tensor int8: returns (q int8 array, scale float), scale = max|w| / 127 (1.0 if all zero)."""
    raise NotImplementedError


def dequantize_int8(q, scale):
    """q (int8) * scale, as float64."""
    raise NotImplementedError


def label_smoothing_cross_entropy(z, labels, smoothing=0.1):
    """F.cross_entropy(z, labels, label_smoothing=smoothing): z (N, K) logits, labels int (N,); a float."""
    raise NotImplementedError


def label_smoothing_cross_entropy_grad(z, labels, smoothing=0.1):
    """Gradient of label_smoothing_cross_entropy with respect to z, (N, K)."""
    raise NotImplementedError


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps):
    """Linear warm-up to base_lr over warmup_steps, then half a cosine to 0 at total_steps; a float."""
    raise NotImplementedError


def clip_grad_norm(grads, max_norm):
    """Scale a list of arrays by min(1, max_norm / (global L2 norm + 1e-6)): returns (clipped, total_norm)."""
    raise NotImplementedError


def embedding_backward(indices, grad_out, vocab_size):
    """dW (vocab_size, D) of an embedding lookup: grad_out (N, T, D) summed into the rows indices (N, T) used."""
    raise NotImplementedError
