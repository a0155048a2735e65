"""PyTorch reference of the llm exercise.

Where PyTorch has the operation the reference is PyTorch's own (F.gelu, F.silu, F.rms_norm,
F.scaled_dot_product_attention, F.cross_entropy, clip_grad_norm_, nn.Embedding, autograd for the
backward passes); rotary embeddings, the sampling filter, LoRA, int8 quantization and the
schedule have no torch built-in and are written out (tests/reference/test_llm.py proves each one
against torch.quantize_per_tensor, LambdaLR, complex rotation or a per-row loop).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

GELU_SATURATED = 10.0


def gelu(x):
    return F.gelu(x, approximate="tanh")


def gelu_backward(x, grad_out):
    x = x.detach().clone().requires_grad_(True)
    F.gelu(x, approximate="tanh").backward(grad_out)
    # PyTorch's kernel squares x, so it returns nan past |x| ~ 1e154; the contract wants a finite
    # value for every finite x. Past |x| = 10 tanh is exactly +-1 in float64 and the derivative is
    # exactly the step (1 for x > 0, 0 for x < 0), which is what PyTorch returns up to 1e154.
    step = (x.detach() > 0).to(x.dtype) * grad_out
    return torch.where(x.detach().abs() > GELU_SATURATED, step, x.grad)


def silu(x):
    return F.silu(x)


def silu_backward(x, grad_out):
    x = x.detach().clone().requires_grad_(True)
    F.silu(x).backward(grad_out)
    return x.grad


def rms_norm(x, weight, eps=1e-6):
    return F.rms_norm(x, x.shape[-1:], weight, eps)


def rms_norm_backward(x, weight, grad_out, eps=1e-6):
    x = x.detach().clone().requires_grad_(True)
    weight = weight.detach().clone().requires_grad_(True)
    F.rms_norm(x, x.shape[-1:], weight, eps).backward(grad_out)
    return x.grad, weight.grad


def rotary_embedding(x, base=10000.0):
    """The half-split ("rotate half") form of Llama and GPT-NeoX: x * cos + rotate_half(x) * sin."""
    T, D = x.shape[-2], x.shape[-1]
    theta = base ** (-torch.arange(0, D, 2, dtype=x.dtype, device=x.device) / D)
    angle = torch.outer(torch.arange(T, dtype=x.dtype, device=x.device), theta)   # (T, D/2)
    cos, sin = torch.cat([angle.cos()] * 2, dim=-1), torch.cat([angle.sin()] * 2, dim=-1)
    first, second = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-second, first], dim=-1) * sin


def causal_attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def KVCache(q, k, v):
    """What the harness returns: step t's output is row t of causal attention over the sequence."""
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    return {"out": [out[:, t] for t in range(out.shape[1])]}


def top_k_top_p_filter(logits, top_k=0, top_p=1.0):
    """Hugging Face's TopKLogitsWarper then TopPLogitsWarper (min_tokens_to_keep 1)."""
    scores = logits.clone()
    if top_k > 0:
        kth = torch.topk(scores, min(top_k, scores.shape[-1]), dim=-1).values[..., -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(scores, descending=False, dim=-1)
        cumulative = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_remove = cumulative <= (1 - top_p)
        sorted_remove[..., -1:] = False
        remove = sorted_remove.scatter(-1, sorted_indices, sorted_remove)
        scores = scores.masked_fill(remove, float("-inf"))
    return scores


def lora_forward(x, W, b, A, B, alpha, r):
    return x @ W + b + (alpha / r) * (x @ A @ B)


def lora_merge(W, A, B, alpha, r):
    return W + (alpha / r) * (A @ B)


def quantize_int8(w):
    peak = w.abs().max().item()
    scale = peak / 127.0 if peak > 0 else 1.0
    q = torch.round(w / scale).clamp(-127, 127).to(torch.int8)    # torch.round: half to even
    return q, scale


def dequantize_int8(q, scale):
    return q.to(torch.float64) * scale


def label_smoothing_cross_entropy(z, labels, smoothing=0.1):
    return F.cross_entropy(z, labels, label_smoothing=smoothing).item()


def label_smoothing_cross_entropy_grad(z, labels, smoothing=0.1):
    z = z.detach().clone().requires_grad_(True)
    F.cross_entropy(z, labels, label_smoothing=smoothing).backward()
    return z.grad


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps):
    """Hugging Face's get_cosine_schedule_with_warmup factor (num_cycles 0.5) times base_lr."""
    if step < warmup_steps:
        return base_lr * step / max(1, warmup_steps)
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    return base_lr * max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def clip_grad_norm(grads, max_norm):
    params = [nn.Parameter(torch.zeros_like(g)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    total_norm = nn.utils.clip_grad_norm_(params, max_norm)
    return [p.grad for p in params], total_norm.item()


def embedding_backward(indices, grad_out, vocab_size):
    embedding = nn.Embedding(vocab_size, grad_out.shape[-1], dtype=grad_out.dtype, device=grad_out.device)
    embedding(indices).backward(grad_out)
    return embedding.weight.grad
