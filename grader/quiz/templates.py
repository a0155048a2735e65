"""Generated numeric questions: draw parameters, fill the stem, compute the answer by formula name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.quiz import formulas
from grader.quiz.schema import PLACEHOLDER_RE, NumericQuestion, ParamSpec, Template

MAX_TRIES = 100


class TemplateError(Exception):
    """A template cannot produce a question (unknown formula, wrong parameters, every draw invalid)."""


@dataclass(frozen=True)
class Instance:
    """One concrete version of a generated question."""

    values: dict[str, Any]
    stem: str
    explanation: str
    answer: float


def _round(x: float, decimals: int) -> float:
    return float(round(float(x), decimals))


def draw_value(spec: ParamSpec, rng: np.random.Generator) -> Any:
    """One value for one parameter."""
    kind = spec.kind
    if kind == "int":
        lo, hi = spec.int_range
        return int(rng.integers(lo, hi + 1))
    if kind == "float":
        lo, hi = spec.float_range
        return _round(rng.uniform(lo, hi), spec.decimals)
    if kind == "choice":
        value = spec.choice[int(rng.integers(len(spec.choice)))]
        return value
    if kind == "floats":
        return [_round(v, spec.decimals) for v in rng.uniform(spec.low, spec.high, size=spec.floats)]
    lo, hi = int(np.ceil(spec.low)), int(np.floor(spec.high))
    if lo > hi:
        raise TemplateError("ints range holds no integer")
    return [int(v) for v in rng.integers(lo, hi + 1, size=spec.ints)]


def format_value(value: Any, decimals: int | None = None) -> str:
    """How a value appears in a stem: integers plainly, floats without trailing zeros, lists in []."""
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v, decimals) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if decimals is not None:
            value = round(value, decimals)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = f"{value:.{decimals}f}" if decimals is not None else repr(value)
        return text.rstrip("0").rstrip(".") if "." in text and "e" not in text else text
    return str(value)


def render(text: str, values: dict[str, Any], decimals: int | None = None) -> str:
    """Replace `{name}` with values[name]; `{{` and `}}` are literal braces. Nothing else happens."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("{{", i):
            out.append("{")
            i += 2
        elif text.startswith("}}", i):
            out.append("}")
            i += 2
        else:
            m = PLACEHOLDER_RE.match(text, i)
            if m and m.group(1) in values:
                name = m.group(1)
                out.append(format_value(values[name], decimals if name == "answer" else None))
                i = m.end()
            else:
                out.append(text[i])
                i += 1
    return "".join(out)


def check_signature(template: Template) -> str | None:
    """Why the template's parameters do not fit its formula, or None when they do."""
    formula = formulas.FORMULAS.get(template.formula)
    if formula is None:
        return f"unknown formula {template.formula!r} (`dlcert quiz formulas` lists the known ones)"
    given = set(template.params) | set(template.fixed)
    missing = [p for p in formula.params if p not in given]
    extra = sorted(given - set(formula.params))
    parts = []
    if missing:
        parts.append(f"missing parameter(s) {', '.join(missing)}")
    if extra:
        parts.append(f"parameter(s) {', '.join(extra)} not taken by it")
    if parts:
        return f"formula {template.formula}({', '.join(formula.params)}): " + "; ".join(parts)
    return None


def instantiate(question: NumericQuestion, rng: np.random.Generator, values: dict[str, Any] | None = None) -> Instance:
    """A concrete version of a generated question: `values` if given (a stored draw), else fresh ones.

    Draws again (up to MAX_TRIES) while the formula says the values make no valid question, or
    while the answer is one that "0" would score (such an instance tests nothing).
    """
    template = question.template
    if template is None:
        raise TemplateError("not a generated question")
    problem = check_signature(template)
    if problem:
        raise TemplateError(problem)
    last: Exception | None = None
    for _ in range(1 if values is not None else MAX_TRIES):
        current = dict(values) if values is not None else {
            **{k: (list(v) if isinstance(v, list) else v) for k, v in template.fixed.items()},
            **{name: draw_value(spec, rng) for name, spec in template.params.items()},
        }
        try:
            answer = formulas.evaluate(template.formula, current)
        except formulas.FormulaError as exc:
            last = exc
            continue
        if values is None and zero_scores(question, answer):
            last = TemplateError(f"the answer {answer:g} is one that 0 would score")
            continue
        shown = {**current, "answer": answer}
        return Instance(
            values=current,
            stem=render(question.stem, current),
            explanation=render(question.explanation, shown, template.decimals),
            answer=answer,
        )
    raise TemplateError(f"no valid draw in {MAX_TRIES} tries (last: {last})")


def zero_scores(question: NumericQuestion, answer: float) -> bool:
    """Whether answering 0 is right for this answer: it rounds to 0 at the template's decimals, or
    lies within the question's tolerance of 0."""
    tol = question.tolerance
    return round(answer, question.template.decimals) == 0 or abs(answer) <= max(tol.abs, tol.rel * abs(answer))


def check_template(question: NumericQuestion, draws: int = 40, seed: int = 0) -> str | None:
    """Why a template fails to evaluate (for lint), or None. Tries `draws` fresh draws."""
    template = question.template
    problem = check_signature(template)
    if problem:
        return problem
    rng = np.random.default_rng(seed)
    bad = 0
    for _ in range(draws):
        values = {**template.fixed, **{n: draw_value(s, rng) for n, s in template.params.items()}}
        try:
            formulas.evaluate(template.formula, values)
        except formulas.FormulaError:
            bad += 1
        except Exception as exc:  # a formula that crashes on these values is a bank or registry bug
            return f"formula {template.formula} raised {type(exc).__name__}: {exc} (values {values})"
    if bad > draws // 2:
        return f"{bad} of {draws} draws make no valid question; narrow the parameter ranges"
    return None
