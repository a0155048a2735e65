"""How an item's options are shown: an order drawn per attempt (seeded and stored) and display labels.

The bank's file order is never the order shown (it would let the key's position in the file give it
away): options of `single`, `multiple` and `matching` questions are shuffled, `ordering` items are
always scrambled (never in answer order), and options that are all numbers may be shown sorted.
`shuffle: false` keeps the file order. A person answers with the labels shown (a, b, c ... for
options; 1, 2, 3 ... for matching prompts and yes/no statements); scripts answer with the bank's keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

LETTERS = "abcdefghij"
"""Option labels in the order shown (a question has at most 10 options)."""


@dataclass(frozen=True)
class Shown:
    """The order one attempt showed a question's parts in, as bank keys."""

    choices: tuple[str, ...] = ()
    """Option keys in the order shown, labelled a, b, c, ..."""
    prompts: tuple[str, ...] = ()
    """Matching prompt keys in the order shown, labelled 1, 2, 3, ..."""
    statements: tuple[str, ...] = ()
    """Yes/no statement keys in the order shown, labelled 1, 2, 3, ..."""

    def choice_labels(self) -> dict[str, str]:
        """Display label -> option key."""
        return {LETTERS[i]: key for i, key in enumerate(self.choices)}

    def prompt_labels(self) -> dict[str, str]:
        return {str(i + 1): key for i, key in enumerate(self.prompts)}

    def statement_labels(self) -> dict[str, str]:
        return {str(i + 1): key for i, key in enumerate(self.statements)}

    def label(self, key: str, part: str = "choices") -> str:
        """The label a bank key was shown with (the key itself when it was not shown)."""
        keys = getattr(self, part)
        if key not in keys:
            return key
        index = keys.index(key)
        return LETTERS[index] if part == "choices" else str(index + 1)

    def to_json(self) -> dict:
        return {name: list(getattr(self, name)) for name in ("choices", "prompts", "statements") if getattr(self, name)}


def file_order(question: Any) -> Shown:
    """The parts of `question` in file order (what exports and `shuffle: false` use)."""
    return Shown(
        choices=tuple(c.key for c in getattr(question, "choices", None) or ()),
        prompts=tuple(p.key for p in getattr(question, "prompts", None) or ()),
        statements=tuple(s.key for s in getattr(question, "statements", None) or ()),
    )


def _number(text: str) -> float | None:
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def _permuted(keys: tuple[str, ...], rng: np.random.Generator) -> tuple[str, ...]:
    return tuple(keys[i] for i in rng.permutation(len(keys)))


def draw(question: Any, rng: np.random.Generator) -> Shown:
    """The order to show `question` in for one attempt."""
    base = file_order(question)
    if question.type in ("true_false", "numeric", "yes_no") or not question.shuffle:
        return base
    if question.type == "ordering":
        answer = tuple(question.answer)
        for _ in range(20):
            order = _permuted(base.choices, rng)
            if order != answer:
                return Shown(choices=order)
        return base  # the schema guarantees file order is not the answer order
    if question.type == "matching":
        return Shown(choices=_permuted(base.choices, rng), prompts=_permuted(base.prompts, rng))
    values = [_number(c.text) for c in question.choices]
    if all(v is not None for v in values):  # a numeric option set reads best sorted
        ranked = sorted(zip(values, base.choices))
        return Shown(choices=tuple(key for _, key in ranked))
    return Shown(choices=_permuted(base.choices, rng))


def restore(data: dict | None, question: Any) -> Shown:
    """A stored order, repaired against the question as it is now: keys no longer in the bank are
    dropped, new ones appended in file order (so a bank edit never breaks a resumed exam)."""
    base = file_order(question)
    if not data:
        return base
    parts = {}
    for name in ("choices", "prompts", "statements"):
        now = getattr(base, name)
        kept = [k for k in data.get(name, []) if k in now]
        parts[name] = tuple(kept + [k for k in now if k not in kept])
    return Shown(**parts)
