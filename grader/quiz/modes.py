"""Practice and spaced review: pick questions, ask them, grade, commit every answer (the timed
exam, which builds on the items here, is `grader.quiz.exam`).

Input and output go through an `Asker` (scripted answers, stdin lines, or an interactive terminal),
so the same code serves scripts, tests and people.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from grader.quiz import answers, shuffle, spaced, templates
from grader.quiz.bank import Library
from grader.quiz.schema import CaseStudy, NumericQuestion
from grader.quiz.shuffle import Shown
from grader.quiz.store import Store, now_utc, parse_iso


class QuizError(Exception):
    """A request that cannot be served (unknown cert, nothing to resume, no matching questions)."""


class Quit(Exception):
    """The learner stopped (end of input, Ctrl-C, `q`); everything answered so far is saved."""


@dataclass
class Item:
    """One question as asked: its text with any generated values filled in."""

    position: int
    question: Any
    stem: str
    explanation: str
    numeric_answer: float | None = None
    params: dict | None = None
    domain: str | None = None
    shown: Shown = Shown()
    """The order its options are shown in (drawn per attempt)."""
    case: CaseStudy | None = None
    """The case study whose scenario is shown with it."""

    @property
    def id(self) -> str:
        return self.question.id


@dataclass
class Outcome:
    """The graded answer to one item."""

    item: Item
    given: Any
    correct: bool
    seconds: float | None = None
    invalid: str | None = None
    """Why the raw answer could not be read (it then counts as unanswered and wrong)."""
    due: dt.datetime | None = None
    credit: float | None = None
    """The share of the item earned (a yes/no series in an exam earns per statement); default all or nothing."""

    def to_dict(self) -> dict:
        item, q = self.item, self.item.question
        right = answers.correct_answer(q, item.numeric_answer)
        return {
            "position": item.position,
            "question_id": q.id,
            "type": q.type,
            "topic": q.topic,
            "tags": list(q.tags),
            "domain": item.domain,
            "case_study": None if item.case is None else {"id": item.case.id, "title": item.case.title},
            "stem": item.stem,
            "params": item.params,
            "shown": item.shown.to_json(),
            "given": self.given,
            "given_text": answers.show(q, self.given, item.shown),
            "correct_answer": right,
            "correct_text": answers.show(q, right, item.shown),
            "correct": self.correct,
            "credit": float(self.correct) if self.credit is None else round(self.credit, 4),
            "invalid": self.invalid,
            "feedback": [] if self.correct else answers.feedback_for(q, self.given, item.shown),
            "explanation": item.explanation,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "next_review": self.due.isoformat() if self.due else None,
        }


class Asker(Protocol):
    """Where answers come from and feedback goes."""

    labelled: bool
    """True when answers use the labels shown (a person), False when they use bank keys (a script)."""

    def ask(self, item: Item, index: int, total: int, remaining_s: float | None) -> Any:
        """The raw answer to `item`, None to skip; raise Quit to stop."""

    def feedback(self, outcome: Outcome) -> None:
        """Show the result of one answer (practice and review only)."""


def make_item(question: Any, position: int, rng: np.random.Generator | None,
              params: dict | None = None, domain: str | None = None, shown: Shown | None = None,
              case: CaseStudy | None = None) -> Item:
    """An Item for `question`: a generated question uses `params` if given, else fresh values; the
    options are shown in `shown` order if given (a stored attempt), else in a freshly drawn one."""
    rng = rng if rng is not None else np.random.default_rng(0)
    if isinstance(question, NumericQuestion) and question.template is not None:
        instance = templates.instantiate(question, rng, values=params)
        stem, explanation, value, params = instance.stem, instance.explanation, instance.answer, instance.values
    else:
        stem, explanation, value, params = question.stem, question.explanation, None, None
    return Item(position, question, stem, explanation, value, params, domain,
                shown if shown is not None else shuffle.draw(question, rng), case)


def read_answer(item: Item, raw: Any, labelled: bool) -> tuple[Any, str | None]:
    """(normalized answer or None, why it could not be read or None)."""
    if raw is None:
        return None, None
    try:
        return answers.parse(item.question, raw, item.shown if labelled else None), None
    except answers.AnswerError as exc:
        return None, str(exc)


def grade_and_record(store: Store, item: Item, raw: Any, *, mode: str, session_id: int | None,
                     seconds: float | None, when: dt.datetime | None = None, labelled: bool = False) -> Outcome:
    """Grade one raw answer (all or nothing) and commit it with the question's new FSRS card."""
    when = when or now_utc()
    given, invalid = read_answer(item, raw, labelled)
    correct = answers.is_correct(item.question, given, item.numeric_answer)
    card_json, due = spaced.rate(store.card_json(item.id), correct, when)
    store.record(question_id=item.id, mode=mode, given=given, correct=correct, session_id=session_id,
                 position=item.position, params=item.params, seconds=seconds, when=when,
                 card_json=card_json, card_due=due, shown=item.shown.to_json())
    return Outcome(item, given, correct, seconds, invalid, due)


def _ask(asker: Asker, item: Item, index: int, total: int, remaining: float | None,
         clock: Callable[[], float]) -> tuple[Any, float]:
    start = clock()
    raw = asker.ask(item, index, total, remaining)
    return raw, clock() - start


# --- practice -------------------------------------------------------------------------------------


def select_questions(library: Library, *, cert: str | None = None, domain: str | None = None,
                     topic: str | None = None) -> list[Any]:
    """Questions matching the filters, in id order. Raises QuizError for an unknown cert or domain."""
    if domain and not cert:
        raise QuizError("--domain needs --cert (domain ids belong to a certification)")
    if cert:
        c = library.catalog.cert(cert) if library.catalog else None
        if c is None:
            raise QuizError(f"unknown cert {cert!r}; see `dlcert quiz certs`")
        if domain and c.domain(domain) is None:
            raise QuizError(f"{cert} has no domain {domain!r} (it has {', '.join(d.id for d in c.domains)})")
        entries = library.by_mapping(cert, domain)
    else:
        entries = sorted(library.questions.values(), key=lambda e: e.question.id)
    return [e.question for e in entries if topic is None or e.question.topic == topic]


def practice_order(questions: list[Any], history: list[dict], rng: np.random.Generator) -> list[Any]:
    """Never-answered questions first, then those last answered wrong, then the rest; random within each."""
    last: dict[str, bool] = {}
    for attempt in history:
        last[attempt["question_id"]] = attempt["correct"]
    tiers: dict[int, list[Any]] = {0: [], 1: [], 2: []}
    for q in questions:
        tiers[0 if q.id not in last else (1 if not last[q.id] else 2)].append(q)
    out = []
    for tier in (0, 1, 2):
        group = tiers[tier]
        out.extend(group[i] for i in rng.permutation(len(group)))
    return out


def run_practice(library: Library, store: Store, asker: Asker, *, cert: str | None = None,
                 domain: str | None = None, topic: str | None = None, n: int = 10,
                 seed: int | None = None, only: list[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> dict:
    """Ask up to `n` matching questions one at a time with immediate feedback; a summary dict."""
    questions = select_questions(library, cert=cert, domain=domain, topic=topic)
    if only is not None:
        wanted = set(only)
        questions = [q for q in questions if q.id in wanted]
    if not questions:
        raise QuizError("no questions match these filters")
    rng = np.random.default_rng(seed)
    chosen = practice_order(questions, store.attempts([q.id for q in questions]), rng)[:n]
    outcomes: list[Outcome] = []
    status = "finished"
    for index, question in enumerate(chosen):
        item = make_item(question, index, rng, case=library.questions[question.id].case)
        try:
            raw, seconds = _ask(asker, item, index, len(chosen), None, clock)
        except Quit:
            status = "stopped"
            break
        outcome = grade_and_record(store, item, raw, mode="practice", session_id=None, seconds=seconds,
                                   labelled=asker.labelled)
        outcomes.append(outcome)
        asker.feedback(outcome)
    return {
        "mode": "practice",
        "status": status,
        "filters": {"cert": cert, "domain": domain, "topic": topic},
        "asked": len(outcomes),
        "correct": sum(o.correct for o in outcomes),
        "items": [o.to_dict() for o in outcomes],
    }


# --- review ---------------------------------------------------------------------------------------


def due_questions(library: Library, store: Store, now: dt.datetime) -> tuple[list[Any], dt.datetime | None]:
    """Questions whose FSRS card is due at `now` (soonest first), and the next due time after that."""
    due, later = [], None
    for qid, _card, when in store.cards():
        if qid not in library.questions:
            continue
        if when <= now:
            due.append(library.questions[qid].question)
        elif later is None or when < later:
            later = when
    return due, later


def run_review(library: Library, store: Store, asker: Asker, *, n: int = 20, now: dt.datetime | None = None,
               seed: int | None = None, only: list[str] | None = None,
               clock: Callable[[], float] = time.monotonic) -> dict:
    """Spaced repetition: ask the due questions (answered wrong or scheduled), reschedule each with FSRS.

    `only` restricts the session to these question ids (a script answering some of the due ones).
    """
    now = now or now_utc()
    due, later = due_questions(library, store, now)
    if only is not None:
        due = [q for q in due if q.id in set(only)]
    rng = np.random.default_rng(seed)
    outcomes: list[Outcome] = []
    status = "finished"
    for index, question in enumerate(due[:n]):
        item = make_item(question, index, rng, case=library.questions[question.id].case)
        try:
            raw, seconds = _ask(asker, item, index, min(n, len(due)), None, clock)
        except Quit:
            status = "stopped"
            break
        outcome = grade_and_record(store, item, raw, mode="review", session_id=None, seconds=seconds, when=now,
                                   labelled=asker.labelled)
        outcomes.append(outcome)
        asker.feedback(outcome)
    next_due = min((parse_iso(o.to_dict()["next_review"]) for o in outcomes), default=None)
    if later is not None and (next_due is None or later < next_due):
        next_due = later
    return {
        "mode": "review",
        "status": status,
        "due": len(due),
        "asked": len(outcomes),
        "correct": sum(o.correct for o in outcomes),
        "items": [o.to_dict() for o in outcomes],
        "next_due": next_due.isoformat() if next_due else None,
    }
