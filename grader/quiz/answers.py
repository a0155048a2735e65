"""Parse what a learner (or a script) answered, grade it, and show answers as text.

A person answers with the labels shown (`grader.quiz.shuffle`); a script (`--answers`) with the
bank's keys. Either way the normalized answer is in bank keys, so it stays valid whatever order
the options were shown in. The accepted forms are listed in docs/QUIZ_FORMAT.md.
"""
from __future__ import annotations

import math
import re
from typing import Any

from grader.quiz import schema
from grader.quiz.shuffle import Shown

_SPLIT = re.compile(r"[\s,;]+")
_JOIN = re.compile(r"\s*(?:->|=|:)\s*")
_GLUED = re.compile(r"^([0-9]+)([a-z_][a-z0-9_]*)$")
_YES = ("y", "yes", "t", "true", "1")
_NO = ("n", "no", "f", "false", "0")


class AnswerError(ValueError):
    """The answer cannot be read for this question type; the message says what is expected."""


def expected_form(question: Any, shown: Shown | None = None) -> str:
    """A one-line hint of how to answer (with the labels shown when `shown` is given)."""
    kind = question.type
    choices = _labels(question, shown, "choices")
    if kind == "single":
        return f"one of {', '.join(choices)}"
    if kind == "multiple":
        return f"the letters of every right option, e.g. {','.join(list(choices)[:2])}"
    if kind == "true_false":
        return "true or false (t/f)"
    if kind == "numeric":
        return "a number"
    if kind == "ordering":
        return f"every letter once, in order, e.g. {' '.join(choices)}"
    if kind == "matching":
        prompts = list(_labels(question, shown, "prompts"))
        example = " ".join(f"{p}{c}" for p, c in zip(prompts, choices))
        return f"a letter for each of {', '.join(prompts)}, e.g. {example}"
    statements = list(_labels(question, shown, "statements"))
    return f"y or n for each of {', '.join(statements)}, e.g. {' '.join('y' for _ in statements)}"


def _labels(question: Any, shown: Shown | None, part: str) -> dict[str, str]:
    """Label the learner types -> bank key, for one part (choices, prompts, statements)."""
    if shown is not None:
        return {"choices": shown.choice_labels, "prompts": shown.prompt_labels,
                "statements": shown.statement_labels}[part]()
    items = getattr(question, part, None) or ()
    return {item.key: item.key for item in items}


def _tokens(raw: str | list | tuple, labels: dict[str, str]) -> list[str]:
    """Labels typed as a list, `a,c`, `a c` or (single-letter labels only) `ac`."""
    if isinstance(raw, (list, tuple)):
        return [str(k).strip().lower() for k in raw if str(k).strip()]
    parts = [p for p in _SPLIT.split(raw.strip().lower()) if p]
    if len(parts) == 1 and parts[0] not in labels and all(ch in labels for ch in parts[0]):
        return list(parts[0])
    return parts


def _keys(raw: Any, labels: dict[str, str], question: Any, shown: Shown | None) -> list[str]:
    if not isinstance(raw, (str, list, tuple)):
        raise AnswerError(f"answer with {expected_form(question, shown)}")
    tokens = _tokens(raw, labels)
    bad = [t for t in tokens if t not in labels]
    if bad or not tokens:
        raise AnswerError(f"answer with {expected_form(question, shown)} (options: {', '.join(labels)})")
    return [labels[t] for t in tokens]


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in _YES else False if text in _NO else None


def _pairs(raw: Any, left: dict[str, str], question: Any, shown: Shown | None) -> list[tuple[str, str]]:
    """(left label, right text) pairs from a mapping, a list in left order, `1=a 2=c`, `1a 2c`,
    `a c` or `ac` (one per prompt or statement, in the order shown)."""
    if isinstance(raw, dict):
        return [(str(k).strip().lower(), str(v).strip().lower()) for k, v in raw.items()]
    if isinstance(raw, (list, tuple)):
        items = [str(v).strip().lower() for v in raw]
    elif isinstance(raw, str):
        text = _JOIN.sub("=", raw.strip().lower())
        items = [p for p in _SPLIT.split(text) if p]
    else:
        raise AnswerError(f"answer with {expected_form(question, shown)}")
    if items and all("=" in p for p in items):
        return [tuple(p.split("=", 1)) for p in items]
    glued = [_GLUED.match(p) for p in items]
    if items and all(m and m.group(1) in left for m in glued):
        return [(m.group(1), m.group(2)) for m in glued]
    if len(items) == 1 and len(items[0]) == len(left) > 1:
        items = list(items[0])
    if len(items) != len(left):
        raise AnswerError(f"answer with {expected_form(question, shown)}")
    return list(zip(left, items))


def parse(question: Any, raw: Any, shown: Shown | None = None) -> Any:
    """The normalized answer: a key, a sorted key list, a bool, a float, an ordered key list, a
    mapping prompt -> choice (matching) or statement -> bool (yes_no), all in bank keys.

    `shown` is the order the options were shown in when `raw` uses the display labels (a person);
    None when `raw` uses the bank's keys (a script). Raises AnswerError with a message for the
    learner when `raw` is not a valid answer form.
    """
    if raw is None:
        raise AnswerError("no answer given")
    kind = question.type
    if kind == "single":
        labels = _labels(question, shown, "choices")
        key = str(raw).strip().lower()
        if key not in labels:
            raise AnswerError(f"answer with {expected_form(question, shown)}")
        return labels[key]
    if kind == "multiple":
        return sorted(set(_keys(raw, _labels(question, shown, "choices"), question, shown)))
    if kind == "true_false":
        value = _boolean(raw)
        if value is None:
            raise AnswerError("answer with true or false (t/f)")
        return value
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
    if kind == "ordering":
        labels = _labels(question, shown, "choices")
        keys = _keys(raw, labels, question, shown)
        if sorted(keys) != sorted(labels.values()):
            raise AnswerError(f"list every option exactly once, in order ({' '.join(labels)})")
        return keys
    if kind == "matching":
        return _parse_matching(question, raw, shown)
    return _parse_yes_no(question, raw, shown)


def _parse_matching(question: schema.MatchingQuestion, raw: Any, shown: Shown | None) -> dict[str, str]:
    prompts = _labels(question, shown, "prompts")
    choices = _labels(question, shown, "choices")
    out: dict[str, str] = {}
    for left, right in _pairs(raw, prompts, question, shown):
        if left not in prompts or right not in choices:
            raise AnswerError(f"answer with {expected_form(question, shown)}")
        out[prompts[left]] = choices[right]
    if len(out) != len(prompts):
        raise AnswerError(f"match every prompt once: {expected_form(question, shown)}")
    used = list(out.values())
    if not question.reuse and len(set(used)) != len(used):
        raise AnswerError("each option may be used once only")
    return dict(sorted(out.items()))


def _parse_yes_no(question: schema.YesNoQuestion, raw: Any, shown: Shown | None) -> dict[str, bool]:
    statements = _labels(question, shown, "statements")
    out: dict[str, bool] = {}
    for left, right in _pairs(raw, statements, question, shown):
        value = _boolean(right)
        if left not in statements or value is None:
            raise AnswerError(f"answer with {expected_form(question, shown)}")
        out[statements[left]] = value
    if len(out) != len(statements):
        raise AnswerError(f"answer every statement: {expected_form(question, shown)}")
    return dict(sorted(out.items()))


def correct_answer(question: Any, numeric_answer: float | None = None) -> Any:
    """The right answer in normalized form (`numeric_answer` for a generated question)."""
    if question.type == "multiple":
        return sorted(question.answer)
    if question.type == "numeric":
        return numeric_answer if numeric_answer is not None else question.answer
    if question.type == "matching":
        return dict(sorted(question.answer.items()))
    if question.type == "yes_no":
        return {s.key: s.answer for s in sorted(question.statements, key=lambda s: s.key)}
    return question.answer


def credit(question: Any, given: Any, numeric_answer: float | None = None, *, partial: bool = False) -> float:
    """The share of the item earned, 0-1. Everything is all-or-nothing except a yes/no series
    with `partial` (an exam: Microsoft credits each statement)."""
    if given is None:
        return 0.0
    right = correct_answer(question, numeric_answer)
    if question.type == "numeric":
        tol: schema.Tolerance = question.tolerance
        return float(abs(given - right) <= max(tol.abs, tol.rel * abs(right)) + 1e-12)
    if question.type == "yes_no" and partial:
        return sum(given.get(k) == v for k, v in right.items()) / len(right)
    return float(given == right)


def is_correct(question: Any, given: Any, numeric_answer: float | None = None) -> bool:
    """Grade a normalized answer all-or-nothing; `None` (unanswered) is wrong."""
    return credit(question, given, numeric_answer) == 1.0


def show(question: Any, value: Any, shown: Shown | None = None) -> str:
    """An answer as text for a person: labels (as shown, else keys) with their text, numbers plainly."""
    if value is None:
        return "(no answer)"
    if question.type == "true_false":
        return "true" if value else "false"
    if question.type == "numeric":
        from grader.quiz.templates import format_value

        unit = f" {question.unit}" if getattr(question, "unit", None) else ""
        return format_value(float(value), 6) + unit
    shown = shown or Shown()
    texts = {c.key: c.text for c in getattr(question, "choices", None) or ()}

    def option(key: str) -> str:
        return f"{shown.label(key)}) {texts.get(key, '?')}"

    if question.type == "single":
        return option(value)
    if question.type == "matching":
        prompts = {p.key: p.text for p in question.prompts}
        order = sorted(value, key=lambda k: (shown.label(k, "prompts"), k))
        return "; ".join(f"{shown.label(p, 'prompts')}) {prompts.get(p, '?')} -> {option(value[p])}" for p in order)
    if question.type == "yes_no":
        texts = {s.key: s.text for s in question.statements}
        order = sorted(value, key=lambda k: (shown.label(k, "statements"), k))
        return "; ".join(f"{shown.label(k, 'statements')}) {texts.get(k, '?')}: {'Yes' if value[k] else 'No'}"
                         for k in order)
    if question.type == "multiple":
        value = sorted(value, key=lambda k: shown.label(k))
    sep = " -> " if question.type == "ordering" else "; "
    return sep.join(option(k) for k in value)


def feedback_for(question: Any, given: Any, shown: Shown | None = None) -> list[str]:
    """The feedback that applies to a wrong answer."""
    if given is None:
        return []
    shown = shown or Shown()
    kind = question.type
    if kind == "true_false":
        return [question.feedback] if question.feedback and given != question.answer else []
    if kind == "single":
        return [c.feedback for c in question.choices if c.key == given and c.feedback and given != question.answer]
    if kind == "multiple":
        right = set(question.answer)
        out = [f"{shown.label(c.key)}) {c.feedback}" for c in question.choices
               if c.key in given and c.key not in right and c.feedback]
        missed = sorted((c.key for c in question.choices if c.key in right and c.key not in given), key=shown.label)
        if missed:
            out.append(f"You missed: {', '.join(shown.label(k) for k in missed)}.")
        return out
    if kind == "ordering":
        return [f"{shown.label(c.key)}) {c.feedback}" for c in question.choices if c.feedback]
    if kind == "matching":
        choices = {c.key: c for c in question.choices}
        prompts = {p.key: p for p in question.prompts}
        out = []
        for key, chosen in sorted(given.items(), key=lambda kv: shown.label(kv[0], "prompts")):
            if question.answer.get(key) != chosen:
                why = choices[chosen].feedback if chosen in choices and choices[chosen].feedback else "not its match"
                out.append(f"{shown.label(key, 'prompts')}) {prompts[key].text}: "
                           f"{choices[chosen].text if chosen in choices else chosen} is wrong: {why}")
        return out
    if kind == "yes_no":
        return [f"{shown.label(s.key, 'statements')}) {s.text}: the answer is {'Yes' if s.answer else 'No'}."
                + (f" {s.feedback}" if s.feedback else "")
                for s in question.statements if given.get(s.key) != s.answer]
    return []
