"""Named formulas that generated questions compute their answers with (NumPy only, never torch).

A bank's template names one of these; nothing from a bank is evaluated. Where an exercise's NumPy
model solution exists (`exercises/NN_<module>/solution.py`, proven equal to the PyTorch reference
by the grader's tests) the formula calls it, so a quiz answer is the same maths the learner
implements; otherwise a small local implementation of the same contract is used.
"""
from __future__ import annotations

import functools
import importlib.util
import inspect
import math
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import numpy as np


class FormulaError(ValueError):
    """These parameter values do not make a valid question (e.g. a kernel larger than its input)."""


@dataclass(frozen=True)
class Formula:
    """One registered formula."""

    name: str
    func: Callable[..., float]
    params: tuple[str, ...]
    """The keyword arguments it takes, in order; a template must supply exactly these."""
    summary: str
    uses: str | None = None
    """The model-solution task it calls when that solution exists (`module.task`)."""


FORMULAS: dict[str, Formula] = {}
MISTAKES: dict[str, Formula] = {}
"""Classic wrong formulas, by name; `Formula.uses` holds the formula each one is a wrong version of.
A template lists the ones a candidate really makes in `wrong_formulas`, and lint fails the template
when one of them gives the right answer (within tolerance) in more than 5 % of its draws."""


def register(summary: str, uses: str | None = None):
    """Add a function to FORMULAS under its own name."""

    def decorate(func):
        params = tuple(inspect.signature(func).parameters)
        FORMULAS[func.__name__] = Formula(func.__name__, func, params, summary, uses)
        return func

    return decorate


def mistake_of(formula: str, summary: str):
    """Add a function to MISTAKES: a classic wrong way to compute `formula`. It takes some or all
    of that formula's arguments."""

    def decorate(func):
        params = tuple(inspect.signature(func).parameters)
        MISTAKES[func.__name__] = Formula(func.__name__, func, params, summary, formula)
        return func

    return decorate


def evaluate_mistake(name: str, values: dict[str, Any]) -> float:
    """What wrong formula `name` answers for these values (it is given only the arguments it takes)."""
    mistake = MISTAKES[name]
    result = mistake.func(**{p: values[p] for p in mistake.params})
    return float(np.asarray(result, dtype=np.float64).reshape(()))


def _exercises_root() -> Path:
    return Path(__file__).resolve().parents[2] / "exercises"


@functools.lru_cache(maxsize=None)
def solution(module: str) -> ModuleType | None:
    """The model solution of a NumPy module loaded by file path, or None if there is none (yet)."""
    matches = sorted(_exercises_root().glob(f"[0-9][0-9]_{module}/solution.py"))
    if not matches:
        return None
    path = matches[0]
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if re.search(r"^\s*(import|from)\s+torch\b", source, flags=re.M):  # torch-track: never loaded here
        return None
    spec = importlib.util.spec_from_file_location(f"_dlcert_quiz_solution_{module}", path)
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:  # an exercise being written may not import yet; fall back to local maths
        return None
    return mod


def _task(module: str, name: str) -> Callable | None:
    mod = solution(module)
    return getattr(mod, name, None) if mod is not None else None


def source_of(name: str) -> str:
    """'solution' when the formula's model solution is available, else 'local'."""
    formula = FORMULAS[name]
    if formula.uses is None:
        return "local"
    module, task = formula.uses.split(".")
    return "solution" if _task(module, task) is not None else "local"


def evaluate(name: str, values: dict[str, Any]) -> float:
    """The answer of formula `name` for these parameter values, as a float.

    Raises KeyError for an unknown formula, FormulaError for values that make no valid question.
    """
    formula = FORMULAS[name]
    result = formula.func(**values)
    result = float(np.asarray(result, dtype=np.float64).reshape(()))
    if not math.isfinite(result):
        raise FormulaError("the answer is not finite for these values")
    return result


def _vec(values: Any, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise FormulaError(f"{name} must be a non-empty list of numbers")
    return arr


def _index(value: Any, size: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) and not float(value).is_integer():
        raise FormulaError(f"{name} must be an integer")
    value = int(value)
    if not 0 <= value < size:
        raise FormulaError(f"{name}={value} is out of range for {size} values")
    return value


def _positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or float(value) != int(value) or int(value) < minimum:
        raise FormulaError(f"{name} must be an integer >= {minimum}")
    return int(value)


# --- activations ------------------------------------------------------------------------------


def _softmax(x: np.ndarray) -> np.ndarray:
    impl = _task("activations", "softmax")
    if impl is not None:
        return np.asarray(impl(x.copy()))
    shifted = x - x.max()
    e = np.exp(shifted)
    return e / e.sum()


@register("softmax(logits)[index]", uses="activations.softmax")
def softmax_prob(logits, index):
    z = _vec(logits, "logits")
    return _softmax(z)[_index(index, z.size, "index")]


@register("1 / (1 + exp(-x))", uses="activations.sigmoid")
def sigmoid(x):
    impl = _task("activations", "sigmoid")
    arr = np.array([float(x)])
    if impl is not None:
        return np.asarray(impl(arr))[0]
    return 1.0 / (1.0 + np.exp(-arr[0])) if arr[0] >= 0 else np.exp(arr[0]) / (1.0 + np.exp(arr[0]))


# --- losses -----------------------------------------------------------------------------------


@register("binary cross-entropy -(y log p + (1-y) log(1-p)), p clipped to [1e-7, 1-1e-7]",
          uses="losses.binary_cross_entropy")
def bce(p, y):
    if y not in (0, 1):
        raise FormulaError("y must be 0 or 1")
    if not 0.0 <= float(p) <= 1.0:
        raise FormulaError("p must be a probability")
    impl = _task("losses", "binary_cross_entropy")
    pa, ya = np.array([float(p)]), np.array([float(y)])
    if impl is not None:
        return impl(pa, ya)
    q = np.clip(pa, 1e-7, 1 - 1e-7)
    return float(-np.mean(ya * np.log(q) + (1 - ya) * np.log(1 - q)))


@register("softmax cross-entropy of one example: logsumexp(logits) - logits[label]",
          uses="losses.softmax_cross_entropy_with_logits")
def cross_entropy(logits, label):
    z = _vec(logits, "logits")
    k = _index(label, z.size, "label")
    impl = _task("losses", "softmax_cross_entropy_with_logits")
    if impl is not None:
        return impl(z[None, :], np.array([k], dtype=np.int64))
    m = z.max()
    return float(m + np.log(np.exp(z - m).sum()) - z[k])


@register("mean((y_pred - y_true)^2)", uses="losses.mse")
def mse(y_pred, y_true):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape:
        raise FormulaError("y_pred and y_true must have the same length")
    impl = _task("losses", "mse")
    if impl is not None:
        return impl(a, b)
    return float(np.mean((a - b) ** 2))


# --- layer shapes and parameter counts ----------------------------------------------------------


@register("floor((size + 2*padding - kernel) / stride) + 1")
def conv_output_size(size, kernel, stride, padding):
    size, kernel = _positive_int(size, "size"), _positive_int(kernel, "kernel")
    stride, padding = _positive_int(stride, "stride"), _positive_int(padding, "padding", 0)
    if kernel > size + 2 * padding:
        raise FormulaError("the kernel is larger than the padded input")
    return (size + 2 * padding - kernel) // stride + 1


@register("floor((size - kernel) / stride) + 1")
def pool_output_size(size, kernel, stride):
    size, kernel, stride = (_positive_int(v, n) for v, n in ((size, "size"), (kernel, "kernel"), (stride, "stride")))
    if kernel > size:
        raise FormulaError("the window is larger than the input")
    return (size - kernel) // stride + 1


@register("out_channels*in_channels*kernel^2 + bias*out_channels")
def conv_param_count(in_channels, out_channels, kernel, bias):
    cin, cout = _positive_int(in_channels, "in_channels"), _positive_int(out_channels, "out_channels")
    k = _positive_int(kernel, "kernel")
    if bias not in (0, 1):
        raise FormulaError("bias must be 0 or 1")
    return cout * cin * k * k + bias * cout


@register("inputs*outputs + outputs (weights and biases of a fully connected layer)")
def dense_param_count(inputs, outputs):
    n_in, n_out = _positive_int(inputs, "inputs"), _positive_int(outputs, "outputs")
    return n_in * n_out + n_out


@register("4*(H*D + H*H + 2*H): a PyTorch LSTM layer (two bias vectors)")
def lstm_param_count(input_size, hidden_size):
    d, h = _positive_int(input_size, "input_size"), _positive_int(hidden_size, "hidden_size")
    return 4 * (h * d + h * h + 2 * h)


@register("3*(H*D + H*H + 2*H): a PyTorch GRU layer (two bias vectors)")
def gru_param_count(input_size, hidden_size):
    d, h = _positive_int(input_size, "input_size"), _positive_int(hidden_size, "hidden_size")
    return 3 * (h * d + h * h + 2 * h)


# --- optimizers -------------------------------------------------------------------------------


@register("the parameter after one Adam step from zero moments (eps 1e-8)", uses="optimizers.Adam")
def adam_step(param, grad, lr, beta1, beta2):
    if not (0 <= beta1 < 1 and 0 <= beta2 < 1) or lr <= 0:
        raise FormulaError("need 0 <= beta < 1 and lr > 0")
    impl = _task("optimizers", "Adam")
    if impl is not None:
        p = np.array([float(param)])
        opt = impl([p], lr=lr, betas=(beta1, beta2), eps=1e-8)
        opt.step([np.array([float(grad)])])
        return p[0]
    m = (1 - beta1) * grad
    v = (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1)
    v_hat = v / (1 - beta2)
    return param - lr * m_hat / (math.sqrt(v_hat) + 1e-8)


@register("the parameter after `steps` SGD-with-momentum steps under a constant gradient (PyTorch rule)",
          uses="optimizers.SGD")
def sgd_momentum_step(param, grad, lr, momentum, steps):
    n = _positive_int(steps, "steps")
    if not 0 <= momentum < 1 or lr <= 0:
        raise FormulaError("need 0 <= momentum < 1 and lr > 0")
    impl = _task("optimizers", "SGD")
    if impl is not None:
        p = np.array([float(param)])
        opt = impl([p], lr=lr, momentum=momentum)
        for _ in range(n):
            opt.step([np.array([float(grad)])])
        return p[0]
    p, buf = float(param), None
    for _ in range(n):
        buf = grad if buf is None else momentum * buf + grad
        p -= lr * buf
    return p


# --- transformers, regularization -------------------------------------------------------------


@register("1 / sqrt(d_k), the scale of scaled dot-product attention")
def attention_scale(d_k):
    return 1.0 / math.sqrt(_positive_int(d_k, "d_k"))


@register("PE[pos, i]: sin(pos / 10000^(2j/d_model)) at even i=2j, cos at odd i=2j+1",
          uses="transformers.positional_encoding")
def positional_encoding(pos, i, d_model):
    d = _positive_int(d_model, "d_model", 2)
    pos = _positive_int(pos, "pos", 0)
    i = _index(i, d, "i")
    impl = _task("transformers", "positional_encoding")
    if impl is not None:
        return np.asarray(impl(pos + 1, d))[pos, i]
    angle = pos / (10000 ** ((i - i % 2) / d))
    return math.sin(angle) if i % 2 == 0 else math.cos(angle)


@register("1 / (1 - p), the inverted-dropout scale of kept units")
def dropout_scale(p):
    if not 0 <= p < 1:
        raise FormulaError("p must be in [0, 1)")
    return 1.0 / (1.0 - p)


@register("lam * sum(w^2)", uses="regularization.l2_penalty")
def l2_penalty(weights, lam):
    w = _vec(weights, "weights")
    impl = _task("regularization", "l2_penalty")
    if impl is not None:
        return impl([w], lam)
    return float(lam * np.sum(w * w))


# --- more activations (values and derivatives at a point) --------------------------------------


def _act(name: str, x: float, local: Callable[[float], float], **kw) -> float:
    impl = _task("activations", name)
    if impl is not None:
        return float(np.asarray(impl(np.array([float(x)]), **kw))[0])
    return local(float(x))


@register("tanh(x)", uses="activations.tanh")
def tanh_value(x):
    return _act("tanh", x, math.tanh)


@register("x if x > 0 else alpha * x", uses="activations.leaky_relu")
def leaky_relu_value(x, alpha):
    return _act("leaky_relu", x, lambda v: v if v > 0 else alpha * v, alpha=alpha)


@register("x if x > 0 else alpha * (exp(x) - 1)", uses="activations.elu")
def elu_value(x, alpha):
    return _act("elu", x, lambda v: v if v > 0 else alpha * math.expm1(v), alpha=alpha)


def _act_grad(name: str, x: float, local: Callable[[float], float]) -> float:
    impl = _task("activations", name)
    if impl is not None:
        return float(np.asarray(impl(np.array([float(x)]), np.array([1.0])))[0])
    return local(float(x))


def _sig(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


@register("sigmoid'(x) = s(x) (1 - s(x))", uses="activations.sigmoid_backward")
def sigmoid_grad(x):
    return _act_grad("sigmoid_backward", x, lambda v: _sig(v) * (1 - _sig(v)))


@register("tanh'(x) = 1 - tanh(x)^2", uses="activations.tanh_backward")
def tanh_grad(x):
    return _act_grad("tanh_backward", x, lambda v: 1 - math.tanh(v) ** 2)


@register("exact GELU: x * Phi(x), Phi the standard normal CDF")
def gelu_value(x):
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


@register("softplus: log(1 + exp(x))")
def softplus_value(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@register("SiLU / swish: x * sigmoid(x)")
def silu_value(x):
    return x * _sig(x)


# --- gradients of small models -----------------------------------------------------------------


@register("dL/dw of L = (w x + b - y)^2: 2 (w x + b - y) x")
def linear_mse_grad_w(x, w, b, y):
    return 2.0 * (w * x + b - y) * x


@register("dL/dw of L = 0.5 (a - t)^2 with a = sigmoid(w x + b): (a - t) a (1 - a) x")
def sigmoid_neuron_grad_w(x, w, b, t):
    a = _sig(w * x + b)
    return (a - t) * a * (1 - a) * x


@register("dy/dw1 of y = w2 tanh(w1 x): w2 (1 - tanh(w1 x)^2) x")
def tanh_chain_grad(x, w1, w2):
    return w2 * (1 - math.tanh(w1 * x) ** 2) * x


@register("d mean((y_pred - y_true)^2) / d y_pred[index] = 2 (y_pred - y_true)[index] / n", uses="losses.mse_grad")
def mse_grad(y_pred, y_true, index):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape:
        raise FormulaError("y_pred and y_true must have the same length")
    k = _index(index, a.size, "index")
    impl = _task("losses", "mse_grad")
    if impl is not None:
        return np.asarray(impl(a, b))[k]
    return 2.0 * (a[k] - b[k]) / a.size


@register("d BCE-with-logits / dz for one example: sigmoid(z) - y", uses="losses.binary_cross_entropy_with_logits_grad")
def bce_logit_grad(z, y):
    if y not in (0, 1):
        raise FormulaError("y must be 0 or 1")
    impl = _task("losses", "binary_cross_entropy_with_logits_grad")
    if impl is not None:
        return np.asarray(impl(np.array([float(z)]), np.array([float(y)])))[0]
    return _sig(z) - y


@register("d softmax-cross-entropy / d logits[index] for one example: softmax(z)[index] - [index == label]",
          uses="losses.softmax_cross_entropy_with_logits_grad")
def cross_entropy_grad(logits, label, index):
    z = _vec(logits, "logits")
    k, i = _index(label, z.size, "label"), _index(index, z.size, "index")
    impl = _task("losses", "softmax_cross_entropy_with_logits_grad")
    if impl is not None:
        return np.asarray(impl(z[None, :], np.array([k], dtype=np.int64)))[0, i]
    p = np.exp(z - z.max())
    p /= p.sum()
    return p[i] - (1.0 if i == k else 0.0)


# --- more losses ---------------------------------------------------------------------------------


@register("mean(|y_pred - y_true|)", uses="losses.mae")
def mae(y_pred, y_true):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape:
        raise FormulaError("y_pred and y_true must have the same length")
    impl = _task("losses", "mae")
    if impl is not None:
        return impl(a, b)
    return float(np.mean(np.abs(a - b)))


@register("BCE with logits for one example: max(z, 0) - z y + log(1 + exp(-|z|))",
          uses="losses.binary_cross_entropy_with_logits")
def bce_with_logits(z, y):
    if y not in (0, 1):
        raise FormulaError("y must be 0 or 1")
    impl = _task("losses", "binary_cross_entropy_with_logits")
    if impl is not None:
        return impl(np.array([float(z)]), np.array([float(y)]))
    return max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))


@register("mean Huber loss: 0.5 r^2 if |r| <= delta else delta (|r| - 0.5 delta)")
def huber(y_pred, y_true, delta):
    a, b = _vec(y_pred, "y_pred"), _vec(y_true, "y_true")
    if a.shape != b.shape or delta <= 0:
        raise FormulaError("need equal lengths and delta > 0")
    r = np.abs(a - b)
    return float(np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))))


@register("cross-entropy with label smoothing (PyTorch): target (1 - s) on the label + s/K everywhere")
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


# --- metrics and preprocessing ---------------------------------------------------------------------


def _counts(**kw) -> dict[str, int]:
    return {k: _positive_int(v, k, 0) for k, v in kw.items()}


def _ratio(num: float, den: float, what: str) -> float:
    if den == 0:
        raise FormulaError(f"{what} is undefined (division by zero)")
    return num / den


@register("TP / (TP + FP)")
def precision(tp, fp):
    c = _counts(tp=tp, fp=fp)
    return _ratio(c["tp"], c["tp"] + c["fp"], "precision")


@register("TP / (TP + FN)")
def recall(tp, fn):
    c = _counts(tp=tp, fn=fn)
    return _ratio(c["tp"], c["tp"] + c["fn"], "recall")


@register("2 TP / (2 TP + FP + FN)")
def f1_score(tp, fp, fn):
    c = _counts(tp=tp, fp=fp, fn=fn)
    return _ratio(2 * c["tp"], 2 * c["tp"] + c["fp"] + c["fn"], "F1")


@register("(TP + TN) / (TP + TN + FP + FN)")
def accuracy(tp, tn, fp, fn):
    c = _counts(tp=tp, tn=tn, fp=fp, fn=fn)
    return _ratio(c["tp"] + c["tn"], sum(c.values()), "accuracy")


@register("(x - mean) / std")
def zscore(x, mean, std):
    if std <= 0:
        raise FormulaError("std must be positive")
    return (x - mean) / std


@register("(x - lo) / (hi - lo)")
def minmax_scale(x, lo, hi):
    if hi <= lo:
        raise FormulaError("hi must exceed lo")
    return (x - lo) / (hi - lo)


# --- more optimizer steps ------------------------------------------------------------------------


def _one_param_steps(cls_name: str, param: float, grad: float, steps: int, **kw) -> float | None:
    """Run the model solution's optimizer `steps` times on one scalar parameter, if it exists."""
    impl = _task("optimizers", cls_name)
    if impl is None:
        return None
    p = np.array([float(param)])
    opt = impl([p], **kw)
    for _ in range(steps):
        opt.step([np.array([float(grad)])])
    return float(p[0])


@register("one RMSprop step from v = 0 (PyTorch: v = alpha v + (1 - alpha) g^2; p -= lr g / (sqrt(v) + 1e-8))",
          uses="optimizers.RMSprop")
def rmsprop_step(param, grad, lr, alpha):
    if lr <= 0 or not 0 <= alpha < 1:
        raise FormulaError("need lr > 0 and 0 <= alpha < 1")
    got = _one_param_steps("RMSprop", param, grad, 1, lr=lr, alpha=alpha, eps=1e-8)
    if got is not None:
        return got
    v = (1 - alpha) * grad * grad
    return param - lr * grad / (math.sqrt(v) + 1e-8)


@register("one AdamW step from zero moments (betas 0.9/0.999, eps 1e-8): p *= 1 - lr wd, then the Adam step",
          uses="optimizers.AdamW")
def adamw_step(param, grad, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise FormulaError("need lr > 0 and weight_decay >= 0")
    got = _one_param_steps("AdamW", param, grad, 1, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    if got is not None:
        return got
    p = param * (1 - lr * weight_decay)
    return p - lr * grad / (abs(grad) + 1e-8)


@register("one SGD step with (coupled) weight decay: p - lr (g + wd p)")
def sgd_weight_decay_step(param, grad, lr, weight_decay):
    if lr <= 0 or weight_decay < 0:
        raise FormulaError("need lr > 0 and weight_decay >= 0")
    return param - lr * (grad + weight_decay * param)


@mistake_of("sgd_weight_decay_step", "weight decay ignored: p - lr g")
def sgd_ignoring_weight_decay(param, grad, lr):
    return param - lr * grad


@mistake_of("sgd_weight_decay_step", "decay not scaled by the learning rate: p - lr g - wd p")
def sgd_weight_decay_without_lr(param, grad, lr, weight_decay):
    return param - lr * grad - weight_decay * param


@mistake_of("sgd_weight_decay_step", "decay added with the wrong sign: p - lr (g - wd p)")
def sgd_weight_decay_sign_flipped(param, grad, lr, weight_decay):
    return param - lr * (grad - weight_decay * param)


@register("`steps` Nesterov SGD steps under a constant gradient (PyTorch: buf = m buf + g; p -= lr (g + m buf))",
          uses="optimizers.SGD")
def nesterov_step(param, grad, lr, momentum, steps):
    n = _positive_int(steps, "steps")
    if lr <= 0 or not 0 <= momentum < 1:
        raise FormulaError("need lr > 0 and 0 <= momentum < 1")
    got = _one_param_steps("SGD", param, grad, n, lr=lr, momentum=momentum, nesterov=True)
    if got is not None:
        return got
    p, buf = float(param), None
    for _ in range(n):
        buf = grad if buf is None else momentum * buf + grad
        p -= lr * (grad + momentum * buf)
    return p


@register("`steps` Adagrad steps under a constant gradient (PyTorch: s += g^2; p -= lr g / (sqrt(s) + 1e-10))")
def adagrad_step(param, grad, lr, steps):
    n = _positive_int(steps, "steps")
    if lr <= 0:
        raise FormulaError("need lr > 0")
    p, s = float(param), 0.0
    for _ in range(n):
        s += grad * grad
        p -= lr * grad / (math.sqrt(s) + 1e-10)
    return p


# --- more regularization and normalization -------------------------------------------------------


@register("lam * sum(|w|)", uses="regularization.l1_penalty")
def l1_penalty(weights, lam):
    w = _vec(weights, "weights")
    impl = _task("regularization", "l1_penalty")
    if impl is not None:
        return impl([w], lam)
    return float(lam * np.sum(np.abs(w)))


def _batch(values: Any, minimum: int = 2) -> np.ndarray:
    x = _vec(values, "values")
    if x.size < minimum:
        raise FormulaError(f"need at least {minimum} values")
    return x


@register("training-mode batch norm of one feature (gamma 1, beta 0, eps 1e-5), element `index`",
          uses="regularization.batchnorm_forward")
def batchnorm_output(values, index):
    x = _batch(values)
    k = _index(index, x.size, "index")
    if np.ptp(x) == 0:
        raise FormulaError("all values equal")
    impl = _task("regularization", "batchnorm_forward")
    if impl is not None:
        out, _m, _v = impl(x[:, None], np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), True)
        return np.asarray(out)[k, 0]
    return (x[k] - x.mean()) / math.sqrt(x.var() + 1e-5)


@register("biased batch variance mean((x - mean)^2)")
def batchnorm_batch_var(values):
    return float(_batch(values).var())


@register("PyTorch running mean after one batch from 0: momentum * batch mean", uses="regularization.batchnorm_forward")
def batchnorm_running_mean(values, momentum):
    x = _batch(values)
    if not 0 < momentum <= 1:
        raise FormulaError("momentum must be in (0, 1]")
    impl = _task("regularization", "batchnorm_forward")
    if impl is not None:
        _out, m, _v = impl(x[:, None], np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), True, momentum=momentum)
        return np.asarray(m)[0]
    return momentum * x.mean()


@register("PyTorch running variance after one batch from 1: (1 - momentum) + momentum * unbiased var",
          uses="regularization.batchnorm_forward")
def batchnorm_running_var(values, momentum):
    x = _batch(values)
    if not 0 < momentum <= 1:
        raise FormulaError("momentum must be in (0, 1]")
    impl = _task("regularization", "batchnorm_forward")
    if impl is not None:
        _out, _m, v = impl(x[:, None], np.ones(1), np.zeros(1), np.zeros(1), np.ones(1), True, momentum=momentum)
        return np.asarray(v)[0]
    return (1 - momentum) + momentum * x.var(ddof=1)


@register("layer norm of one vector (gamma 1, beta 0, eps 1e-5), feature `index`", uses="transformers.layer_norm")
def layernorm_output(values, index):
    x = _batch(values)
    k = _index(index, x.size, "index")
    if np.ptp(x) == 0:
        raise FormulaError("all values equal")
    impl = _task("transformers", "layer_norm")
    if impl is not None:
        return np.asarray(impl(x[None, :], np.ones(x.size), np.zeros(x.size)))[0, k]
    return (x[k] - x.mean()) / math.sqrt(x.var() + 1e-5)


# --- more convolution arithmetic ------------------------------------------------------------------


@register("floor((size + 2 padding - dilation (kernel - 1) - 1) / stride) + 1")
def conv_output_size_dilated(size, kernel, stride, padding, dilation):
    size, kernel, stride = (_positive_int(v, n) for v, n in ((size, "size"), (kernel, "kernel"), (stride, "stride")))
    padding, dilation = _positive_int(padding, "padding", 0), _positive_int(dilation, "dilation")
    span = dilation * (kernel - 1) + 1
    if span > size + 2 * padding:
        raise FormulaError("the dilated kernel is larger than the padded input")
    return (size + 2 * padding - span) // stride + 1


@register("ConvTranspose2d: (size - 1) stride - 2 padding + kernel + output_padding")
def conv_transpose_output_size(size, kernel, stride, padding, output_padding):
    size, kernel, stride = (_positive_int(v, n) for v, n in ((size, "size"), (kernel, "kernel"), (stride, "stride")))
    padding, output_padding = _positive_int(padding, "padding", 0), _positive_int(output_padding, "output_padding", 0)
    if output_padding >= stride:
        raise FormulaError("output_padding must be smaller than stride (as PyTorch requires)")
    out = (size - 1) * stride - 2 * padding + kernel + output_padding
    if out < 1:
        raise FormulaError("no output")
    return out


@register("depthwise k*k*Cin + pointwise Cin*Cout (no biases)")
def depthwise_separable_param_count(in_channels, out_channels, kernel):
    cin, cout, k = (_positive_int(v, n) for v, n in ((in_channels, "in_channels"), (out_channels, "out_channels"), (kernel, "kernel")))
    return k * k * cin + cin * cout


@register("receptive field of `layers` stacked stride-1 convolutions: 1 + layers (kernel - 1)")
def receptive_field(layers, kernel):
    return 1 + _positive_int(layers, "layers") * (_positive_int(kernel, "kernel") - 1)


@register("values after conv (stride 1, no padding) then pool x pool max pooling with stride pool, flattened")
def conv_flatten_size(size, channels, kernel, pool):
    size, channels = _positive_int(size, "size"), _positive_int(channels, "channels")
    kernel, pool = _positive_int(kernel, "kernel"), _positive_int(pool, "pool")
    side = size - kernel + 1
    if side < pool:
        raise FormulaError("the pooling window is larger than the feature map")
    side = (side - pool) // pool + 1
    return channels * side * side


@register("one output of a 3x3 cross-correlation: sum(patch * kernel) + bias", uses="cnn.conv2d_forward")
def conv_single_output(patch, kernel, bias):
    p, k = _vec(patch, "patch"), _vec(kernel, "kernel")
    if p.size != 9 or k.size != 9:
        raise FormulaError("patch and kernel must have 9 values (3x3, row by row)")
    impl = _task("cnn", "conv2d_forward")
    if impl is not None:
        out = impl(p.reshape(1, 1, 3, 3), k.reshape(1, 1, 3, 3), np.array([float(bias)]))
        return np.asarray(out)[0, 0, 0, 0]
    return float(np.dot(p, k) + bias)


@register("BatchNorm over C channels: 2 C trainable parameters (gamma and beta)")
def batchnorm_param_count(channels):
    return 2 * _positive_int(channels, "channels")


# --- more recurrent arithmetic --------------------------------------------------------------------


@register("H*D + H*H + 2*H: a PyTorch nn.RNN layer (two bias vectors)")
def rnn_param_count(input_size, hidden_size):
    d, h = _positive_int(input_size, "input_size"), _positive_int(hidden_size, "hidden_size")
    return h * d + h * h + 2 * h


@register("2 * 4*(H*D + H*H + 2*H): a bidirectional PyTorch LSTM layer")
def bilstm_param_count(input_size, hidden_size):
    return 2 * lstm_param_count(input_size, hidden_size)


@register("vocab_size * dim")
def embedding_param_count(vocab_size, dim):
    return _positive_int(vocab_size, "vocab_size") * _positive_int(dim, "dim")


@register("one tanh RNN step of one unit: tanh(w_ih x + w_hh h + b)", uses="rnn.rnn_cell")
def rnn_step(x, h, w_ih, w_hh, b):
    impl = _task("rnn", "rnn_cell")
    if impl is not None:
        out = impl(np.array([[float(x)]]), np.array([[float(h)]]), np.array([[float(w_ih)]]),
                   np.array([[float(w_hh)]]), np.array([float(b)]), np.array([0.0]))
        return np.asarray(out)[0, 0]
    return math.tanh(w_ih * x + w_hh * h + b)


@register("new LSTM cell state from gate pre-activations: sigmoid(f) c + sigmoid(i) tanh(g)")
def lstm_cell_state(c, f, i, g):
    return _sig(f) * c + _sig(i) * math.tanh(g)


# --- more transformer arithmetic --------------------------------------------------------------------


@register("softmax over j of q.k_j / sqrt(d) for three keys, weight of key `index`",
          uses="transformers.scaled_dot_product_attention")
def attention_weight(q, k0, k1, k2, index):
    qv = _vec(q, "q")
    keys = np.stack([_vec(k, n) for k, n in ((k0, "k0"), (k1, "k1"), (k2, "k2"))])
    if keys.shape[1] != qv.size:
        raise FormulaError("q and the keys must have the same length")
    i = _index(index, 3, "index")
    impl = _task("transformers", "scaled_dot_product_attention")
    if impl is not None:
        # With V = identity, the output row is the attention weights themselves.
        out = impl(qv[None, :], keys, np.eye(3))
        return np.asarray(out)[0, i]
    return _softmax(keys @ qv / math.sqrt(qv.size))[i]


@register("nn.MultiheadAttention parameters with biases: 4 (d^2 + d)")
def mha_param_count(d_model):
    d = _positive_int(d_model, "d_model")
    return 4 * (d * d + d)


@register("feed-forward block d -> d_ff -> d with biases: 2 d d_ff + d_ff + d")
def ffn_param_count(d_model, d_ff):
    d, f = _positive_int(d_model, "d_model"), _positive_int(d_ff, "d_ff")
    return 2 * d * f + f + d


@register("attention scores per layer and sequence: heads * seq_len^2")
def attention_score_count(seq_len, heads):
    return _positive_int(heads, "heads") * _positive_int(seq_len, "seq_len") ** 2


@register("softmax(logits / temperature)[index]", uses="activations.softmax")
def softmax_temperature_prob(logits, temperature, index):
    if temperature <= 0:
        raise FormulaError("temperature must be positive")
    z = _vec(logits, "logits")
    return _softmax(z / temperature)[_index(index, z.size, "index")]


@register("exp(-mean(ln p)) over the probabilities of the actual tokens")
def perplexity(probs):
    p = _vec(probs, "probs")
    if np.any(p <= 0) or np.any(p > 1):
        raise FormulaError("probabilities must be in (0, 1]")
    return float(np.exp(-np.mean(np.log(p))))


# --- memory, batch and learning-rate schedule formulas (GPU and training banks) ---

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "float64": 8}


@register("2*layers*seq_len*d_model*bytes_per_value / 2^20: KV cache of one sequence in MiB")
def kv_cache_mib(layers, seq_len, d_model, bytes_per_value):
    n = _positive_int(layers, "layers") * _positive_int(seq_len, "seq_len") * _positive_int(d_model, "d_model")
    return 2 * n * _positive_int(bytes_per_value, "bytes_per_value") / 2 ** 20


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


@register("StepLR: lr * gamma^floor(epoch / step_size)")
def step_lr(lr, gamma, step_size, epoch):
    return lr * gamma ** (_positive_int(epoch, "epoch", 0) // _positive_int(step_size, "step_size"))


@mistake_of("step_lr", "gamma applied every epoch (ExponentialLR's rule): lr * gamma^epoch")
def step_lr_every_epoch(lr, gamma, epoch):
    return lr * gamma ** epoch


@mistake_of("step_lr", "the schedule forgotten: lr unchanged")
def constant_lr(lr):
    return lr


@mistake_of("step_lr", "no floor: lr * gamma^(epoch / step_size)")
def step_lr_without_floor(lr, gamma, step_size, epoch):
    return lr * gamma ** (epoch / step_size)


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


# --- language-model arithmetic (12_llm) -----------------------------------------------------------


@register("RMSNorm of one vector (weight 1, eps 1e-6), feature `index`: x / sqrt(mean(x^2) + eps)",
          uses="llm.rms_norm")
def rms_norm_output(values, index):
    x = _batch(values)
    k = _index(index, x.size, "index")
    impl = _task("llm", "rms_norm")
    if impl is not None:
        return np.asarray(impl(x[None, :], np.ones(x.size)))[0, k]
    return x[k] / math.sqrt(float(np.mean(x * x)) + 1e-6)


@register("warm-up then cosine schedule as a multiple of the peak lr: step/warmup during warm-up, "
          "then 0.5 (1 + cos(pi (step - warmup)/(total - warmup)))", uses="llm.warmup_cosine_lr")
def warmup_cosine_factor(warmup_steps, total_steps, step):
    warmup, total = _positive_int(warmup_steps, "warmup_steps", 0), _positive_int(total_steps, "total_steps")
    s = _positive_int(step, "step", 0)
    if not warmup < total or s > total:
        raise FormulaError("need warmup_steps < total_steps and step <= total_steps")
    impl = _task("llm", "warmup_cosine_lr")
    if impl is not None:
        return impl(s, 1.0, warmup, total)
    if s < warmup:
        return s / warmup
    return 0.5 * (1 + math.cos(math.pi * (s - warmup) / (total - warmup)))


@register("clip_grad_norm_ over two gradients: grad_w[0] * min(1, max_norm / (global norm + 1e-6))",
          uses="llm.clip_grad_norm")
def clipped_gradient(grad_w, grad_b, max_norm):
    gw, gb = _vec(grad_w, "grad_w"), _vec(grad_b, "grad_b")
    if max_norm <= 0:
        raise FormulaError("max_norm must be > 0")
    impl = _task("llm", "clip_grad_norm")
    if impl is not None:
        clipped, _norm = impl([gw.copy(), gb.copy()], float(max_norm))
        return np.asarray(clipped[0])[0]
    total = math.sqrt(float(np.sum(gw * gw) + np.sum(gb * gb)))
    return gw[0] * min(1.0, max_norm / (total + 1e-6))


@register("value `index` after symmetric int8 quantization and back: round_half_even(w / s) * s, "
          "s = max|w| / 127 (never the largest value, which comes back exactly)",
          uses="llm.quantize_int8")
def int8_roundtrip(values, index):
    w = _batch(values)
    k = _index(index, w.size, "index")
    if np.abs(w[k]) == np.max(np.abs(w)):
        raise FormulaError("the largest value comes back exactly")
    quantize, dequantize = _task("llm", "quantize_int8"), _task("llm", "dequantize_int8")
    if quantize is not None and dequantize is not None:
        q, scale = quantize(w.copy())
        return np.asarray(dequantize(q, scale))[k]
    scale = float(np.max(np.abs(w))) / 127
    return float(np.clip(np.round(w[k] / scale), -127, 127)) * scale


@register("tokens kept by top-p (nucleus) filtering: the smallest set whose probability reaches top_p "
          "(at least 2 here, no tie or near-tie at the boundary)", uses="llm.top_k_top_p_filter")
def top_p_kept_count(logits, top_p):
    z = _vec(logits, "logits")
    if not 0 < top_p < 1:
        raise FormulaError("top_p must be in (0, 1)")
    p = np.sort(_softmax(z))[::-1]
    before = np.cumsum(p) - p
    kept = int(np.sum(before < top_p))
    boundary = min(abs(np.cumsum(p)[kept - 1] - top_p), abs(before[kept - 1] - top_p))
    if kept < 2 or boundary < 1e-6 or (kept < z.size and np.isclose(p[kept - 1], p[kept])):
        raise FormulaError("one token alone, or a tie or near-tie at the top-p boundary")
    impl = _task("llm", "top_k_top_p_filter")
    if impl is not None:
        return int(np.sum(np.isfinite(np.asarray(impl(z[None, :], 0, float(top_p))))))
    return kept
