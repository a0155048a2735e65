"""More named formulas for generated questions (NumPy only, never torch), registered into
`grader.quiz.formulas.FORMULAS` with the same `register` decorator.

Importing this module registers the ones the main registry lacks (it never replaces one);
`grader.quiz.formulas` should import it at its end so every caller of the registry (lint, practice,
exam) sees them. Where an exercise's NumPy model solution exists the formula
calls it (as `formulas` does); otherwise it is a small local implementation of the same maths.
tests/quiz/test_banks.py checks every formula used by a bank against PyTorch (or an independent
computation where PyTorch has no such function) over many random draws.
"""
from __future__ import annotations

import math

import numpy as np

from grader.quiz.formulas import FORMULAS, FormulaError, _index, _positive_int, _task, _vec
from grader.quiz.formulas import register as _register


def register(summary: str, uses: str | None = None):
    """Like formulas.register, but never replaces a formula the main registry already has: the
    registry in grader.quiz.formulas is authoritative, this module only fills gaps."""

    def decorate(func):
        if func.__name__ not in FORMULAS:
            _register(summary, uses)(func)
        return func

    return decorate

BN_EPS = 1e-5  # torch.nn.BatchNorm / LayerNorm default


def _scalar(impl, fallback, *args):
    """Call a model solution on one-element arrays, or the local fallback."""
    if impl is not None:
        out = impl(*[np.array([float(a)]) for a in args])
        return float(np.asarray(out, dtype=np.float64).reshape(-1)[0])
    return float(fallback(*[float(a) for a in args]))


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


# --- activations ------------------------------------------------------------------------------


@register("tanh(x)", uses="activations.tanh")
def tanh_value(x):
    return _scalar(_task("activations", "tanh"), math.tanh, x)


@register("x if x > 0 else alpha*x", uses="activations.leaky_relu")
def leaky_relu_value(x, alpha):
    impl = _task("activations", "leaky_relu")
    if impl is not None:
        return float(impl(np.array([float(x)]), alpha)[0])
    return x if x > 0 else alpha * x


@register("x if x > 0 else alpha*(exp(x) - 1)", uses="activations.elu")
def elu_value(x, alpha):
    impl = _task("activations", "elu")
    if impl is not None:
        return float(impl(np.array([float(x)]), alpha)[0])
    return x if x > 0 else alpha * math.expm1(x)


@register("sigmoid'(x) = s(x)*(1 - s(x))", uses="activations.sigmoid_backward")
def sigmoid_grad(x):
    impl = _task("activations", "sigmoid_backward")
    if impl is not None:
        return float(impl(np.array([float(x)]), np.array([1.0]))[0])
    s = _sig(x)
    return s * (1 - s)


@register("tanh'(x) = 1 - tanh(x)^2", uses="activations.tanh_backward")
def tanh_grad(x):
    impl = _task("activations", "tanh_backward")
    if impl is not None:
        return float(impl(np.array([float(x)]), np.array([1.0]))[0])
    return 1 - math.tanh(x) ** 2


@register("GELU (exact): x * Phi(x) = 0.5*x*(1 + erf(x/sqrt(2)))")
def gelu_value(x):
    return 0.5 * x * (1 + math.erf(x / math.sqrt(2)))


@register("softplus: log(1 + exp(x))")
def softplus_value(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@register("SiLU / swish: x * sigmoid(x)")
def silu_value(x):
    return x * _sig(x)


@register("softmax(logits / temperature)[index]", uses="activations.softmax")
def softmax_temperature_prob(logits, temperature, index):
    z = _vec(logits, "logits")
    if temperature <= 0:
        raise FormulaError("temperature must be > 0")
    k = _index(index, z.size, "index")
    s = z / float(temperature)
    impl = _task("activations", "softmax")
    if impl is not None:
        return float(np.asarray(impl(s.copy()))[k])
    e = np.exp(s - s.max())
    return float(e[k] / e.sum())


# --- losses -----------------------------------------------------------------------------------


@register("mean(|y_pred - y_true|)", uses="losses.mae")
def mae(y_pred, y_true):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape:
        raise FormulaError("y_pred and y_true must have the same length")
    impl = _task("losses", "mae")
    if impl is not None:
        return impl(a, b)
    return float(np.mean(np.abs(a - b)))


@register("d mse / d y_pred[index] = 2*(y_pred[index] - y_true[index]) / n", uses="losses.mse_grad")
def mse_grad(y_pred, y_true, index):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape:
        raise FormulaError("y_pred and y_true must have the same length")
    k = _index(index, a.size, "index")
    impl = _task("losses", "mse_grad")
    if impl is not None:
        return float(np.asarray(impl(a, b))[k])
    return 2 * (a[k] - b[k]) / a.size


@register("BCE with logits: max(z,0) - z*y + log(1 + exp(-|z|))", uses="losses.binary_cross_entropy_with_logits")
def bce_with_logits(z, y):
    if y not in (0, 1):
        raise FormulaError("y must be 0 or 1")
    impl = _task("losses", "binary_cross_entropy_with_logits")
    if impl is not None:
        return impl(np.array([float(z)]), np.array([float(y)]))
    return max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))


@register("d BCE-with-logits / d z = sigmoid(z) - y", uses="losses.binary_cross_entropy_with_logits_grad")
def bce_logit_grad(z, y):
    if y not in (0, 1):
        raise FormulaError("y must be 0 or 1")
    impl = _task("losses", "binary_cross_entropy_with_logits_grad")
    if impl is not None:
        return float(np.asarray(impl(np.array([float(z)]), np.array([float(y)])))[0])
    return _sig(z) - y


@register("d CE / d logits[index] = softmax(logits)[index] - [index == label]",
          uses="losses.softmax_cross_entropy_with_logits_grad")
def cross_entropy_grad(logits, label, index):
    z = _vec(logits, "logits")
    k = _index(label, z.size, "label")
    j = _index(index, z.size, "index")
    impl = _task("losses", "softmax_cross_entropy_with_logits_grad")
    if impl is not None:
        return float(np.asarray(impl(z[None, :], np.array([k], dtype=np.int64)))[0, j])
    e = np.exp(z - z.max())
    s = e / e.sum()
    return float(s[j] - (1.0 if j == k else 0.0))


@register("Huber loss (mean): 0.5*r^2 if |r| <= delta else delta*(|r| - 0.5*delta)")
def huber(y_pred, y_true, delta):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape or delta <= 0:
        raise FormulaError("same lengths and delta > 0 needed")
    r = np.abs(a - b)
    return float(np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))))


@register("cross-entropy with label smoothing eps over K classes (PyTorch's rule)")
def label_smoothing_ce(logits, label, smoothing):
    z = _vec(logits, "logits")
    k = _index(label, z.size, "label")
    if not 0 <= smoothing < 1:
        raise FormulaError("smoothing must be in [0, 1)")
    m = z.max()
    logp = z - (m + math.log(np.exp(z - m).sum()))
    target = np.full(z.size, smoothing / z.size)
    target[k] += 1 - smoothing
    return float(-(target * logp).sum())


@register("perplexity = exp(-mean(log p)) over the probabilities of the right tokens")
def perplexity(probs):
    p = _vec(probs, "probs")
    if np.any(p <= 0) or np.any(p > 1):
        raise FormulaError("probabilities must be in (0, 1]")
    return float(math.exp(-np.mean(np.log(p))))


# --- backprop ---------------------------------------------------------------------------------


@register("dL/dw for L = (w*x + b - y)^2: 2*(w*x + b - y)*x")
def linear_mse_grad_w(x, w, b, y):
    return 2 * (w * x + b - y) * x


@register("dL/dw for a sigmoid neuron a = s(w*x + b) with L = 0.5*(a - t)^2: (a - t)*a*(1 - a)*x")
def sigmoid_neuron_grad_w(x, w, b, t):
    a = _sig(w * x + b)
    return (a - t) * a * (1 - a) * x


@register("d/dw1 of y = w2*tanh(w1*x): w2*(1 - tanh(w1*x)^2)*x")
def tanh_chain_grad(x, w1, w2):
    return w2 * (1 - math.tanh(w1 * x) ** 2) * x


# --- optimizers -------------------------------------------------------------------------------


@register("one RMSprop step from v = 0 (PyTorch rule, eps 1e-8)")
def rmsprop_step(param, grad, lr, alpha):
    if not 0 <= alpha < 1 or lr <= 0:
        raise FormulaError("need 0 <= alpha < 1 and lr > 0")
    v = (1 - alpha) * grad * grad
    return param - lr * grad / (math.sqrt(v) + 1e-8)


@register("one AdamW step from zero moments (betas 0.9/0.999, eps 1e-8, decoupled weight decay)")
def adamw_step(param, grad, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise FormulaError("need lr > 0 and weight_decay >= 0")
    p = param * (1 - lr * weight_decay)
    m_hat = grad  # (1 - b1) g / (1 - b1)
    v_hat = grad * grad
    return p - lr * m_hat / (math.sqrt(v_hat) + 1e-8)


@register("one plain SGD step with L2 weight decay: param - lr*(grad + weight_decay*param)")
def sgd_weight_decay_step(param, grad, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise FormulaError("need lr > 0 and weight_decay >= 0")
    return param - lr * (grad + weight_decay * param)


@register("the parameter after `steps` Nesterov SGD steps under a constant gradient (PyTorch rule)")
def nesterov_step(param, grad, lr, momentum, steps):
    n = _positive_int(steps, "steps")
    if not 0 < momentum < 1 or lr <= 0:
        raise FormulaError("need 0 < momentum < 1 and lr > 0")
    p, buf = float(param), None
    for _ in range(n):
        buf = grad if buf is None else momentum * buf + grad
        p -= lr * (grad + momentum * buf)
    return p


@register("the parameter after `steps` Adagrad steps under a constant gradient (eps 1e-10)")
def adagrad_step(param, grad, lr, steps):
    n = _positive_int(steps, "steps")
    if lr <= 0:
        raise FormulaError("need lr > 0")
    p, acc = float(param), 0.0
    for _ in range(n):
        acc += grad * grad
        p -= lr * grad / (math.sqrt(acc) + 1e-10)
    return p


# --- normalization and regularization ---------------------------------------------------------


def _norm(values: np.ndarray) -> np.ndarray:
    return (values - values.mean()) / np.sqrt(values.var() + BN_EPS)


@register("batch norm (training mode, gamma 1, beta 0, eps 1e-5) of values[index]")
def batchnorm_output(values, index):
    v = _vec(values, "values")
    if v.size < 2:
        raise FormulaError("a batch needs at least two values")
    return float(_norm(v)[_index(index, v.size, "index")])


@register("the biased batch variance mean((x - mean)^2) that batch norm normalizes with")
def batchnorm_batch_var(values):
    v = _vec(values, "values")
    return float(v.var())


@register("running mean after one batch from 0: momentum*mean(batch) (PyTorch's momentum)")
def batchnorm_running_mean(values, momentum):
    v = _vec(values, "values")
    if not 0 < momentum <= 1:
        raise FormulaError("momentum must be in (0, 1]")
    return float(momentum * v.mean())


@register("running variance after one batch from 1: (1 - momentum) + momentum*unbiased var")
def batchnorm_running_var(values, momentum):
    v = _vec(values, "values")
    if v.size < 2 or not 0 < momentum <= 1:
        raise FormulaError("at least two values and 0 < momentum <= 1")
    return float((1 - momentum) * 1.0 + momentum * v.var(ddof=1))


@register("layer norm (gamma 1, beta 0, eps 1e-5) of values[index] over one example's features")
def layernorm_output(values, index):
    v = _vec(values, "values")
    if v.size < 2:
        raise FormulaError("at least two features")
    return float(_norm(v)[_index(index, v.size, "index")])


@register("lam * sum(|w|)")
def l1_penalty(weights, lam):
    w = _vec(weights, "weights")
    return float(lam * np.sum(np.abs(w)))


@register("trainable parameters of a batch-norm layer over C channels: 2*C (gamma and beta)")
def batchnorm_param_count(channels):
    return 2 * _positive_int(channels, "channels")


# --- convolutions -----------------------------------------------------------------------------


@register("floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1")
def conv_output_size_dilated(size, kernel, stride, padding, dilation):
    size, kernel = _positive_int(size, "size"), _positive_int(kernel, "kernel")
    stride, padding = _positive_int(stride, "stride"), _positive_int(padding, "padding", 0)
    dilation = _positive_int(dilation, "dilation")
    span = dilation * (kernel - 1) + 1
    if span > size + 2 * padding:
        raise FormulaError("the dilated kernel is larger than the padded input")
    return (size + 2 * padding - span) // stride + 1


@register("(size - 1)*stride - 2*padding + kernel + output_padding (transposed convolution)")
def conv_transpose_output_size(size, kernel, stride, padding, output_padding):
    size, kernel = _positive_int(size, "size"), _positive_int(kernel, "kernel")
    stride, padding = _positive_int(stride, "stride"), _positive_int(padding, "padding", 0)
    output_padding = _positive_int(output_padding, "output_padding", 0)
    if output_padding >= stride:
        raise FormulaError("output_padding must be smaller than stride")
    out = (size - 1) * stride - 2 * padding + kernel + output_padding
    if out < 1:
        raise FormulaError("no output")
    return out


@register("depthwise k*k*Cin + pointwise Cin*Cout (both without bias)")
def depthwise_separable_param_count(in_channels, out_channels, kernel):
    cin, cout = _positive_int(in_channels, "in_channels"), _positive_int(out_channels, "out_channels")
    k = _positive_int(kernel, "kernel")
    return k * k * cin + cin * cout


@register("receptive field of `layers` stacked stride-1 convolutions of size kernel: 1 + layers*(kernel - 1)")
def receptive_field(layers, kernel):
    n, k = _positive_int(layers, "layers"), _positive_int(kernel, "kernel")
    return 1 + n * (k - 1)


@register("flattened size after a valid stride-1 conv (kernel) and a pool x pool max pool: channels*side^2")
def conv_flatten_size(size, channels, kernel, pool):
    size, c = _positive_int(size, "size"), _positive_int(channels, "channels")
    k, p = _positive_int(kernel, "kernel"), _positive_int(pool, "pool")
    conv = size - k + 1
    if conv < p:
        raise FormulaError("too small")
    side = (conv - p) // p + 1
    return c * side * side


@register("one output of a 3x3 single-channel convolution: sum(patch*kernel) + bias", uses="cnn.conv2d_forward")
def conv_single_output(patch, kernel, bias):
    x, w = _vec(patch, "patch"), _vec(kernel, "kernel")
    if x.size != 9 or w.size != 9:
        raise FormulaError("patch and kernel need 9 values (3x3)")
    impl = _task("cnn", "conv2d_forward")
    if impl is not None:
        out = impl(x.reshape(1, 1, 3, 3), w.reshape(1, 1, 3, 3), np.array([float(bias)]))
        return float(np.asarray(out).reshape(-1)[0])
    return float(np.sum(x * w) + bias)


# --- recurrent networks -----------------------------------------------------------------------


@register("H*D + H*H + 2*H: a PyTorch (Elman) RNN layer (two bias vectors)")
def rnn_param_count(input_size, hidden_size):
    d, h = _positive_int(input_size, "input_size"), _positive_int(hidden_size, "hidden_size")
    return h * d + h * h + 2 * h


@register("2 * 4*(H*D + H*H + 2*H): a bidirectional PyTorch LSTM layer")
def bilstm_param_count(input_size, hidden_size):
    d, h = _positive_int(input_size, "input_size"), _positive_int(hidden_size, "hidden_size")
    return 2 * 4 * (h * d + h * h + 2 * h)


@register("vocab_size * dim: an embedding table")
def embedding_param_count(vocab_size, dim):
    return _positive_int(vocab_size, "vocab_size") * _positive_int(dim, "dim")


@register("one scalar tanh RNN step: tanh(w_ih*x + w_hh*h + b)", uses="rnn.rnn_cell")
def rnn_step(x, h, w_ih, w_hh, b):
    impl = _task("rnn", "rnn_cell")
    if impl is not None:
        one = lambda v: np.array([[float(v)]])  # noqa: E731
        out = impl(one(x), one(h), one(w_ih), one(w_hh), np.array([float(b)]), np.array([0.0]))
        return float(np.asarray(out).reshape(-1)[0])
    return math.tanh(w_ih * x + w_hh * h + b)


@register("LSTM cell state c' = sigmoid(f)*c + sigmoid(i)*tanh(g) from gate pre-activations")
def lstm_cell_state(c, f, i, g):
    return _sig(f) * c + _sig(i) * math.tanh(g)


# --- transformers -----------------------------------------------------------------------------


@register("softmax(q.k_j / sqrt(d))[index] over three keys k0, k1, k2")
def attention_weight(q, k0, k1, k2, index):
    qv = _vec(q, "q")
    keys = [_vec(k, n) for k, n in ((k0, "k0"), (k1, "k1"), (k2, "k2"))]
    if any(k.shape != qv.shape for k in keys):
        raise FormulaError("q and the keys need the same length")
    scores = np.array([qv @ k for k in keys]) / math.sqrt(qv.size)
    j = _index(index, 3, "index")
    impl = _task("activations", "softmax")
    if impl is not None:
        return float(np.asarray(impl(scores.copy()))[j])
    e = np.exp(scores - scores.max())
    return float(e[j] / e.sum())


@register("4*(d*d + d): Q, K, V and output projections of PyTorch multi-head attention (with bias)")
def mha_param_count(d_model):
    d = _positive_int(d_model, "d_model")
    return 4 * (d * d + d)


@register("2*d_model*d_ff + d_ff + d_model: the position-wise feed-forward block")
def ffn_param_count(d_model, d_ff):
    d, f = _positive_int(d_model, "d_model"), _positive_int(d_ff, "d_ff")
    return 2 * d * f + f + d


@register("heads * seq_len^2: attention scores one layer computes for one sequence")
def attention_score_count(seq_len, heads):
    return _positive_int(heads, "heads") * _positive_int(seq_len, "seq_len") ** 2


@register("2*layers*seq_len*d_model*bytes_per_value / 2^20: KV cache of one sequence in MiB")
def kv_cache_mib(layers, seq_len, d_model, bytes_per_value):
    n = _positive_int(layers, "layers") * _positive_int(seq_len, "seq_len") * _positive_int(d_model, "d_model")
    return 2 * n * _positive_int(bytes_per_value, "bytes_per_value") / 2 ** 20


# --- GPU and memory ---------------------------------------------------------------------------

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}


@register("params_billions * bytes per value of dtype: weight memory in GB (10^9 bytes)")
def param_memory_gb(params_billions, dtype):
    if dtype not in DTYPE_BYTES:
        raise FormulaError(f"unknown dtype {dtype!r}")
    if params_billions <= 0:
        raise FormulaError("params_billions must be > 0")
    return params_billions * DTYPE_BYTES[dtype]


@register("16 bytes per parameter (fp32 weights, grads, two Adam moments) in GB (10^9 bytes)")
def adam_training_memory_gb(params_billions):
    if params_billions <= 0:
        raise FormulaError("params_billions must be > 0")
    return 16 * params_billions


@register("per_device_batch * devices * accumulation_steps")
def global_batch_size(per_device_batch, devices, accumulation_steps):
    return (_positive_int(per_device_batch, "per_device_batch") * _positive_int(devices, "devices")
            * _positive_int(accumulation_steps, "accumulation_steps"))


# --- training: schedules, batches, metrics -----------------------------------------------------


@register("StepLR: lr * gamma^floor(epoch / step_size)")
def step_lr(lr, gamma, step_size, epoch):
    return lr * gamma ** (_positive_int(epoch, "epoch", 0) // _positive_int(step_size, "step_size"))


@register("ExponentialLR: lr * gamma^epoch")
def exponential_lr(lr, gamma, epoch):
    return lr * gamma ** _positive_int(epoch, "epoch", 0)


@register("CosineAnnealingLR with eta_min 0: lr * (1 + cos(pi*epoch/t_max)) / 2")
def cosine_lr(lr, t_max, epoch):
    t, e = _positive_int(t_max, "t_max"), _positive_int(epoch, "epoch", 0)
    if e > t:
        raise FormulaError("epoch beyond t_max")
    return lr * (1 + math.cos(math.pi * e / t)) / 2


@register("LinearLR warm-up: lr * (start_factor + (1 - start_factor)*min(epoch, total_iters)/total_iters)")
def linear_warmup_lr(lr, start_factor, total_iters, epoch):
    t, e = _positive_int(total_iters, "total_iters"), _positive_int(epoch, "epoch", 0)
    if not 0 < start_factor <= 1:
        raise FormulaError("start_factor must be in (0, 1]")
    return lr * (start_factor + (1 - start_factor) * min(e, t) / t)


@register("ceil(samples / batch_size): batches per epoch when the last partial batch is kept")
def steps_per_epoch(samples, batch_size):
    n, b = _positive_int(samples, "samples"), _positive_int(batch_size, "batch_size")
    return -(-n // b)


def _counts(*values):
    out = [_positive_int(v, "count", 0) for v in values]
    return out


@register("precision = tp / (tp + fp)")
def precision(tp, fp):
    tp, fp = _counts(tp, fp)
    if tp + fp == 0:
        raise FormulaError("no positive predictions")
    return tp / (tp + fp)


@register("recall = tp / (tp + fn)")
def recall(tp, fn):
    tp, fn = _counts(tp, fn)
    if tp + fn == 0:
        raise FormulaError("no positives")
    return tp / (tp + fn)


@register("F1 = 2*tp / (2*tp + fp + fn)")
def f1_score(tp, fp, fn):
    tp, fp, fn = _counts(tp, fp, fn)
    if tp == 0:
        raise FormulaError("F1 undefined or zero")
    return 2 * tp / (2 * tp + fp + fn)


@register("accuracy = (tp + tn) / (tp + tn + fp + fn)")
def accuracy(tp, tn, fp, fn):
    tp, tn, fp, fn = _counts(tp, tn, fp, fn)
    total = tp + tn + fp + fn
    if total == 0:
        raise FormulaError("no examples")
    return (tp + tn) / total


@register("standardized value (x - mean) / std")
def zscore(x, mean, std):
    if std <= 0:
        raise FormulaError("std must be > 0")
    return (x - mean) / std


@register("min-max scaled value (x - lo) / (hi - lo)")
def minmax_scale(x, lo, hi):
    if hi <= lo:
        raise FormulaError("hi must exceed lo")
    return (x - lo) / (hi - lo)
