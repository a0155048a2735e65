"""Guessers who know nothing must fail every active exam: the banks measure knowledge, not
test-wiseness (issue 14). Each strategy plays every active exam over several seeds through the real
exam code path (`start_exam` draws the paper, `run_exam` takes the answers typed with the labels
shown, `submit` scores it), in process, against an in-memory store."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

import numpy as np
import pytest

from grader.quiz import cues
from grader.quiz.bank import load_library
from grader.quiz.exam import Action, run_exam, start_exam
from grader.quiz.shuffle import LETTERS
from grader.quiz.store import Store

SEEDS = range(3)
CUE_MARGIN = 0.10
"""Single-choice accuracy of a cue strategy may exceed chance by at most 10 points."""
_COUNT = {"two": 2, "three": 3, "four": 4}


def _options(item):
    texts = {c.key: c.text for c in item.question.choices}
    return [(LETTERS[i], texts[key]) for i, key in enumerate(item.shown.choices)]


def _how_many(item) -> int:
    match = re.search(r"\b(?:select|choose|pick)\s+(two|three|four)\b", item.stem, re.I)
    return _COUNT[match.group(1).lower()] if match else 2


def _random(item, rng) -> str | None:
    """Any well-formed answer, drawn at random (a number question is answered 0)."""
    q = item.question
    if q.type == "true_false":
        return "t" if rng.random() < 0.5 else "f"
    if q.type == "numeric":
        return "0"
    if q.type == "yes_no":
        return " ".join(rng.choice(["y", "n"]) for _ in q.statements)
    labels = [label for label, _ in _options(item)]
    if q.type == "single":
        return labels[rng.integers(len(labels))]
    if q.type == "multiple":
        return ",".join(rng.choice(labels, size=min(_how_many(item), len(labels) - 1), replace=False))
    if q.type == "ordering":
        return " ".join(labels[i] for i in rng.permutation(len(labels)))
    if q.type == "matching":
        picks = rng.permutation(len(labels)) if not q.reuse else rng.integers(len(labels), size=len(q.prompts))
        return " ".join(f"{n + 1}{labels[picks[n]]}" for n in range(len(q.prompts)))
    raise AssertionError(f"no random answer for {q.type}")


def _ranked(item, score) -> list[str]:
    """Option labels, best first by `score(text)`, ties in the order shown."""
    options = _options(item)
    return [label for _, label in sorted(((-score(text), i), label) for i, (label, text) in enumerate(options))]


def _pick(item, rng, score) -> str | None:
    """Single: the best option by `score`; multiple: as many as the stem asks, best first."""
    q = item.question
    if q.type == "single":
        return _ranked(item, score)[0]
    if q.type == "multiple":
        return ",".join(_ranked(item, score)[: min(_how_many(item), len(q.choices) - 1)])
    return _random(item, rng)


def longest(item, rng):
    """The longest option (and for multi-select the longest ones)."""
    return _pick(item, rng, lambda text: len(text.strip()))


def id_word(item, rng):
    """An option that shares a word with the question's id (as an id shown above the question
    would give away); a random one where none does."""
    words = cues.id_words(item.question)
    hits = lambda text: sum(cues.mentions(text, w) for w in words)  # noqa: E731
    if item.question.type in ("single", "multiple") and not any(hits(t) for _, t in _options(item)):
        return _random(item, rng)
    return _pick(item, rng, hits)


def always_true(item, rng):
    """True for every true/false question (and yes to every statement); random otherwise."""
    if item.question.type == "true_false":
        return "t"
    if item.question.type == "yes_no":
        return " ".join("y" for _ in item.question.statements)
    return _random(item, rng)


def skip_numerics(item, rng):
    """Skips every free-entry number; random otherwise."""
    return None if item.question.type == "numeric" else _random(item, rng)


def random_guess(item, rng):
    return _random(item, rng)


def combined(item, rng):
    """The issue's guesser: an id word, else the longest option; True; yes; numbers skipped."""
    q = item.question
    if q.type in ("true_false", "yes_no"):
        return always_true(item, rng)
    if q.type == "numeric":
        return None
    words = cues.id_words(q)
    if q.type in ("single", "multiple") and any(cues.mentions(t, w) for _, t in _options(item) for w in words):
        return id_word(item, rng)
    return longest(item, rng)


STRATEGIES = {f.__name__: f for f in (longest, id_word, always_true, skip_numerics, random_guess, combined)}


class Guesser:
    """Answers every question of the paper with a strategy, as a person would type it, then submits."""

    labelled = True

    def __init__(self, strategy, rng):
        self.strategy, self.rng = strategy, rng

    def exam_action(self, view):
        if view.item is None:
            return Action("submit")
        typed = self.strategy(view.item, self.rng)
        return Action("next") if typed is None else Action("answer", typed)

    def notice(self, text):
        raise AssertionError(f"a guesser's answer could not be read: {text}")


@pytest.fixture(scope="module")
def library():
    return load_library(check_templates=False)


def _active_exams(library):
    today = dt.date.today()
    return [c for c in library.catalog.certs
            if c.status(today) != "retired" and c.format != "hands-on" and c.questions is not None]


@pytest.fixture(scope="module")
def played(library):
    """strategy -> [(cert id, seed, exam result)] for every active exam and seed."""
    out = defaultdict(list)
    for cert in _active_exams(library):
        for seed in SEEDS:
            for name, strategy in STRATEGIES.items():
                with Store(":memory:") as store:
                    session = start_exam(library, store, cert.id, seed=seed)
                    rng = np.random.default_rng([seed, sorted(STRATEGIES).index(name)])
                    out[name].append((cert.id, seed, run_exam(library, store, session, Guesser(strategy, rng))))
    return out


def _passed(result) -> bool:
    score = result["score"]
    return score["passed"] if score["passing"] is not None else score["readiness_line"]["met"]


def test_there_are_active_exams_to_play(library):
    assert len(_active_exams(library)) >= 5


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_guesser_fails_every_paper(played, name):
    passed = [(cert, seed, r["score"]["percent"]) for cert, seed, r in played[name] if _passed(r)]
    assert passed == [], f"{name} passed {len(passed)} of {len(played[name])} papers: {passed}"


def _single_accuracy(results) -> tuple[float, float, int]:
    """(accuracy, chance, count) over the single-choice items of these exam results."""
    right = chance = n = 0
    for _cert, _seed, r in results:
        for entry in r["review"]:
            if entry.get("type") == "single":
                n += 1
                right += entry["correct"]
                chance += 1 / len(entry["shown"]["choices"])
    return right / n, chance / n, n


@pytest.mark.parametrize("name", ["longest", "id_word"])
def test_single_choice_cue_accuracy_stays_near_chance(played, name):
    accuracy, chance, n = _single_accuracy(played[name])
    assert n > 0
    assert abs(accuracy - chance) <= CUE_MARGIN, \
        f"{name}: {100 * accuracy:.0f}% right on {n} single-choice questions; chance is {100 * chance:.0f}%"
