"""Parse what a learner (or a script) answered, grade it, and show answers as text."""
from __future__ import annotations

import math
import re
from typing import Any

from grader.quiz import schema

_SPLIT = re.compile(r"[\s,;]+")


class AnswerError(ValueError):
    """The answer cannot be read for this question type; the message says what is expected."""


def expected_form(question: Any) -> str:
    """A one-line hint of how to answer."""
    if question.type == "single":
        return f"one of {', '.join(c.key for c in question.choices)}"
    if question.type == "multiple":
        return "the keys of every right choice, e.g. a,c"
    if question.type == "true_false":
        return "true or false (t/f)"
    if question.type == "numeric":
        return "a number"
    return f"every key in order, e.g. {' '.join(c.key for c in question.choices)}"


def _keys(raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(k).strip().lower() for k in raw if str(k).strip()]
    if isinstance(raw, str):
        text = raw.strip().lower()
        parts = [p for p in _SPLIT.split(text) if p]
        # "bdac" is accepted for single-letter keys
        if len(parts) == 1 and len(parts[0]) > 1 and parts[0].isalpha():
            return list(parts[0])
        return parts
    raise AnswerError("expected keys")


def parse(question: Any, raw: Any) -> Any:
    """The normalized answer: a key, a sorted key list, a bool, a float, or an ordered key list.

    Raises AnswerError with a message for the learner when `raw` is not a valid answer form.
    """
    if raw is None:
        raise AnswerError("no answer given")
    kind = question.type
    if kind == "single":
        key = str(raw).strip().lower()
        if key not in {c.key for c in question.choices}:
            raise AnswerError(f"answer with {expected_form(question)}")
        return key
    if kind == "multiple":
        keys = _keys(raw)
        valid = {c.key for c in question.choices}
        bad = [k for k in keys if k not in valid]
        if bad or not keys:
            raise AnswerError(f"answer with {expected_form(question)} (choices: {', '.join(sorted(valid))})")
        return sorted(set(keys))
    if kind == "true_false":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("t", "true", "yes", "y", "1"):
            return True
        if text in ("f", "false", "no", "n", "0"):
            return False
        raise AnswerError("answer with true or false (t/f)")
    if kind == "numeric":
        if isinstance(raw, bool):
            raise AnswerError("answer with a number")
        try:
            value = float(str(raw).strip().replace("_", "")) if not isinstance(raw, (int, float)) else float(raw)
        except ValueError:
            raise AnswerError("answer with a number (e.g. 0.731 or 1e-3)") from None
        if not math.isfinite(value):
            raise AnswerError("answer with a finite number")
        return value
    keys = _keys(raw)
    valid = [c.key for c in question.choices]
    if sorted(keys) != sorted(valid):
        raise AnswerError(f"list every key exactly once, in order ({' '.join(valid)})")
    return keys


def correct_answer(question: Any, numeric_answer: float | None = None) -> Any:
    """The right answer in normalized form (`numeric_answer` for a generated question)."""
    if question.type == "multiple":
        return sorted(question.answer)
    if question.type == "numeric":
        return numeric_answer if numeric_answer is not None else question.answer
    return question.answer


def is_correct(question: Any, given: Any, numeric_answer: float | None = None) -> bool:
    """Grade a normalized answer; `None` (unanswered) is wrong."""
    if given is None:
        return False
    right = correct_answer(question, numeric_answer)
    if question.type == "numeric":
        tol: schema.Tolerance = question.tolerance
        return abs(given - right) <= max(tol.abs, tol.rel * abs(right)) + 1e-12
    return given == right


def show(question: Any, value: Any) -> str:
    """An answer as text for a person: keys with their text, numbers plainly."""
    if value is None:
        return "(no answer)"
    if question.type == "true_false":
        return "true" if value else "false"
    if question.type == "numeric":
        from grader.quiz.templates import format_value

        unit = f" {question.unit}" if getattr(question, "unit", None) else ""
        return format_value(float(value), 6) + unit
    texts = {c.key: c.text for c in question.choices}
    if question.type == "single":
        return f"{value}) {texts.get(value, '?')}"
    sep = " -> " if question.type == "ordering" else "; "
    return sep.join(f"{k}) {texts.get(k, '?')}" for k in value)


def feedback_for(question: Any, given: Any) -> list[str]:
    """The per-choice feedback that applies to a wrong answer."""
    if given is None:
        return []
    if question.type == "true_false":
        return [question.feedback] if question.feedback and given != question.answer else []
    if question.type == "single":
        return [c.feedback for c in question.choices if c.key == given and c.feedback and given != question.answer]
    if question.type == "multiple":
        right = set(question.answer)
        out = [f"{c.key}) {c.feedback}" for c in question.choices if c.key in given and c.key not in right and c.feedback]
        missed = [c.key for c in question.choices if c.key in right and c.key not in given]
        if missed:
            out.append(f"You missed: {', '.join(missed)}.")
        return out
    if question.type == "ordering":
        return [f"{c.key}) {c.feedback}" for c in question.choices if c.feedback]
    return []
