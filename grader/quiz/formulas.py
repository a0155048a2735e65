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


def register(summary: str, uses: str | None = None):
    """Add a function to FORMULAS under its own name."""

    def decorate(func):
        params = tuple(inspect.signature(func).parameters)
        FORMULAS[func.__name__] = Formula(func.__name__, func, params, summary, uses)
        return func

    return decorate


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
    if "torch" in source:  # torch-track solutions are never loaded by quiz mode
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
