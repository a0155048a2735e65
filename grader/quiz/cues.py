"""Lint rules against test-wiseness: a bank must measure knowledge, not the knack of guessing.

Each rule is defined in docs/QUIZ_FORMAT.md ("Cue rules") and reports `file:line: message`:
key-longest share per bank, key longest by a wide margin, id words found only in the key,
near-duplicate stems across banks, templates whose answer rounds to 0 or that a classic wrong
formula answers right, options that refer to other options while shuffled, old ids still in use,
and (a warning) questions mapped only to retired exams.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections import Counter
from typing import Any, Iterable

import numpy as np

from grader.quiz import formulas, templates
from grader.quiz.schema import Catalog, NumericQuestion
from grader.yamlsafe import Located, Problem

KEY_LONGEST_SHARE = 1 / 3
"""At most this share of a bank's single-choice keys may be the strictly longest option..."""
KEY_LONGEST_MIN = 6
"""...in a bank with at least this many single-choice questions."""
WIDE_RATIO, WIDE_CHARS = 1.25, 12
"""The key is longest by a wide margin: longer than 1.25 x the next-longest option and by 12+ characters."""
GENERIC_ID_WORDS = frozenset({"generated", "fixed", "which", "what", "when", "best", "vs"})
NEAR_DUPLICATE = 0.8
"""Word-set Jaccard similarity of two stems from which they are near-duplicates."""
WRONG_FORMULA_SHARE = 0.05
"""A classic wrong formula may answer a template right in at most this share of draws."""
ZERO_SHARE = 0.1
"""A template may draw values whose answer 0 would score (they are drawn again) in at most this share."""
TEMPLATE_DRAWS = 160
"""Draws per template (or every combination of its parameters, when there are at most this many)."""
_LETTER = r"\(?[a-h]\)?"
REFERS_TO_OTHERS = re.compile(
    r"\b(?:all|none|both|neither|either|any) of the (?:above|below|others|other options|options|answers|choices)\b"
    rf"|\b(?:both|either|neither|options?|answers?|choices?)\s+{_LETTER}\s*(?:,\s*{_LETTER}\s*)*(?:and|or|nor|&)\s*{_LETTER}(?!\w)"
    rf"|^\s*{_LETTER}\s*(?:,\s*{_LETTER}\s*)*(?:and|or|&)\s*{_LETTER}\W*$",
    re.I)
"""An option that points at other options ("all of the above", "both a and c", "b or d")."""

Loaded = list[tuple[Any, Located, int]]
"""(question, the file it was read from, its index in the file's `questions`)."""


def check(loaded: Loaded, catalog: Catalog | None) -> list[Problem]:
    """Every cue-rule error in these questions."""
    out: list[Problem] = []
    by_file: dict[str, Loaded] = {}
    for question, located, index in loaded:
        by_file.setdefault(located.file, []).append((question, located, index))
        found = _refers_to_others(question)
        if question.type == "single":
            found += _wide_margin(question) + _id_word(question)
        if isinstance(question, NumericQuestion) and question.template is not None:
            found += [(("template",), f"template: {why}") for why in template_cues(question)]
        out += [Problem(located.file, located.line(("questions", index) + path), message) for path, message in found]
    for file, items in by_file.items():
        out += _key_longest_share(items)
    out += _near_duplicates(loaded)
    return out


def retired_only(loaded: Loaded, catalog: Catalog | None, today: dt.date) -> list[Problem]:
    """A warning for each question that maps only to retired exams."""
    if catalog is None:
        return []
    out = []
    for question, located, index in loaded:
        certs = sorted({m.split(":", 1)[0] for m in question.mappings})
        found = [catalog.cert(c) for c in certs]
        if found and all(c is not None and c.status(today) == "retired" for c in found):
            out.append(Problem(located.file, located.line(("questions", index, "mappings")),
                               f"warning: maps only to retired exams ({', '.join(certs)}); map it to an active "
                               "exam that still tests it"))
    return out


def _length(text: str) -> int:
    return len(text.strip())


def key_is_longest(question: Any) -> bool:
    """True when the key of a single-choice question is the strictly longest option."""
    key = next(c for c in question.choices if c.key == question.answer)
    others = [_length(c.text) for c in question.choices if c.key != question.answer]
    return _length(key.text) > max(others)


def _key_longest_share(items: Loaded) -> list[Problem]:
    singles = [q for q, _, _ in items if q.type == "single"]
    if len(singles) < KEY_LONGEST_MIN:
        return []
    longest = sum(key_is_longest(q) for q in singles)
    if longest <= KEY_LONGEST_SHARE * len(singles):
        return []
    located = items[0][1]
    return [Problem(located.file, located.line(("questions",)),
                    f"the key is the strictly longest option in {longest} of {len(singles)} single-choice questions "
                    f"({100 * longest / len(singles):.0f}%; at most {100 * KEY_LONGEST_SHARE:.0f}%): length gives the "
                    "answer away")]


Found = list[tuple[tuple, str]]
"""(path below the question, message) of each problem in one question."""


def _wide_margin(question: Any) -> Found:
    index = next(i for i, c in enumerate(question.choices) if c.key == question.answer)
    key = _length(question.choices[index].text)
    nxt = max(_length(c.text) for c in question.choices if c.key != question.answer)
    if key > WIDE_RATIO * nxt and key - nxt >= WIDE_CHARS:
        return [(("choices", index), f"{question.id}: the key is the longest option by a wide margin "
                        f"({key} characters against {nxt}); give the options comparable length")]
    return []


def id_words(question: Any) -> list[str]:
    """The words of a question's id that count for the id-word rule."""
    words = re.split(r"[._-]", question.id.lower())
    if words and words[0] == question.topic:
        words = words[1:]
    return [w for w in words if len(w) >= 3 and w not in GENERIC_ID_WORDS and w != question.topic]


def mentions(text: str, word: str) -> bool:
    """`word` in `text`, case-insensitive, as a whole word or as the start of one."""
    return re.search(rf"(?<![a-z0-9]){re.escape(word)}", text.lower()) is not None


def _id_word(question: Any) -> Found:
    key = next(c for c in question.choices if c.key == question.answer)
    others = [c for c in question.choices if c.key != question.answer]
    found = [w for w in id_words(question) if mentions(key.text, w) and not any(mentions(c.text, w) for c in others)]
    if not found:
        return []
    return [(("id",), f"{question.id}: the id word(s) {', '.join(map(repr, found))} appear in the key and "
                    "in no other option: ids name the subject, never the answer (rename it and keep the old id in "
                    "renamed_from)")]


def _refers_to_others(question: Any) -> Found:
    if not question.shuffle or question.type not in ("single", "multiple", "matching"):
        return []
    out = []
    for index, choice in enumerate(question.choices):
        match = REFERS_TO_OTHERS.search(choice.text)
        if match:
            out.append((("choices", index), f"{question.id}: option {choice.key!r} refers to other options "
                               f"({match.group(0).strip()!r}), which are shuffled: rewrite it, or set shuffle: false"))
    return out


def stem_words(stem: str) -> frozenset[str]:
    """A stem's words, lowercased, with punctuation and digits removed."""
    return frozenset(re.sub(r"[^\w\s]|[\d_]", "", stem.lower()).split())


def _near_duplicates(loaded: Loaded) -> list[Problem]:
    """Pairs of stems with word-set Jaccard >= NEAR_DUPLICATE, found with a prefix filter (two
    such sets must share one of their rarest words) so the banks are not compared pair by pair."""
    sets = [stem_words(q.stem) for q, _, _ in loaded]
    frequency = Counter(w for s in sets for w in s)
    index: dict[str, list[int]] = {}
    out = []
    for i, words in enumerate(sets):
        if not words:
            continue
        rare = sorted(words, key=lambda w: (frequency[w], w))
        prefix = rare[: len(words) - math.ceil(NEAR_DUPLICATE * len(words)) + 1]
        candidates = {j for w in prefix for j in index.get(w, ())}
        best = None
        for j in sorted(candidates):
            other = sets[j]
            if min(len(words), len(other)) < NEAR_DUPLICATE * max(len(words), len(other)):
                continue
            similarity = len(words & other) / len(words | other)
            if similarity >= NEAR_DUPLICATE and (best is None or similarity > best[1]):
                best = (j, similarity)
        if best is not None:
            question, located, at = loaded[i]
            first, first_located, first_at = loaded[best[0]]
            where = f"{first_located.file}:{first_located.line(('questions', first_at))}"
            out.append(Problem(located.file, located.line(("questions", at, "stem")),
                               f"{question.id}: the stem nearly repeats {first.id} ({where}; {100 * best[1]:.0f}% of "
                               "their words in common): merge them or ask something else"))
        for w in prefix:
            index.setdefault(w, []).append(i)
    return out


# --- generated questions ------------------------------------------------------------------------


def _combinations(template) -> Iterable[dict] | None:
    """Every combination of the parameters when they are all discrete and few enough, else None."""
    spaces = []
    for name, spec in template.params.items():
        if spec.kind == "int":
            lo, hi = spec.int_range
            values = range(lo, hi + 1)
        elif spec.kind == "choice":
            values = spec.choice
        else:
            return None
        spaces.append([(name, v) for v in values])
    if math.prod(len(s) for s in spaces) > TEMPLATE_DRAWS:
        return None
    return [{**template.fixed, **dict(combo)} for combo in itertools.product(*spaces)]


def template_draws(question: NumericQuestion) -> list[tuple[dict, float]]:
    """(values, answer) over every combination of a template's parameters, or TEMPLATE_DRAWS seeded draws."""
    template = question.template
    combos = _combinations(template)
    if combos is None:
        rng = np.random.default_rng(0)
        combos = [{**template.fixed, **{n: templates.draw_value(s, rng) for n, s in template.params.items()}}
                  for _ in range(TEMPLATE_DRAWS)]
    out = []
    for values in combos:
        try:
            out.append((values, formulas.evaluate(template.formula, values)))
        except (formulas.FormulaError, templates.TemplateError):
            continue
    return out


def template_cues(question: NumericQuestion) -> list[str]:
    """Why a template does not test what it claims: its answer can round to 0 at its decimals, or
    a classic wrong formula it names answers right in more than WRONG_FORMULA_SHARE of draws."""
    template = question.template
    if template.formula not in formulas.FORMULAS:
        return []  # reported by templates.check_template
    out = []
    for name in template.wrong_formulas:
        mistake = formulas.MISTAKES.get(name)
        if mistake is None:
            out.append(f"wrong_formulas: unknown wrong formula {name!r} (`dlcert quiz formulas` lists them)")
        elif mistake.uses != template.formula or not set(mistake.params) <= set(template.params) | set(template.fixed):
            out.append(f"wrong_formulas: {name} is a wrong version of {mistake.uses}({', '.join(mistake.params)}), "
                       f"not of this template's {template.formula}")
    if out:
        return out
    draws = template_draws(question)
    if not draws:
        return []
    zeros = [values for values, answer in draws if templates.zero_scores(question, answer)]
    if len(zeros) > ZERO_SHARE * len(draws):
        out.append(f"the answer rounds to 0 at {template.decimals} decimals in {len(zeros)} of {len(draws)} draws "
                   f"(e.g. {zeros[0]}; at most {100 * ZERO_SHARE:.0f}%, and those are drawn again): "
                   "narrow the parameter ranges")
    draws = [(values, answer) for values, answer in draws if not templates.zero_scores(question, answer)]
    tol = question.tolerance
    for name in template.wrong_formulas:
        right = 0
        for values, answer in draws:
            try:
                wrong = formulas.evaluate_mistake(name, values)
            except (formulas.FormulaError, ArithmeticError, ValueError):
                continue
            right += abs(wrong - answer) <= max(tol.abs, tol.rel * abs(answer)) + 1e-12
        if right > WRONG_FORMULA_SHARE * len(draws):
            out.append(f"the wrong formula {name} ({formulas.MISTAKES[name].summary}) is right in {right} of "
                       f"{len(draws)} draws (at most {100 * WRONG_FORMULA_SHARE:.0f}%): choose parameters it gets wrong")
    return out
