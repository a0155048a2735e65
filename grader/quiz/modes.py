"""Practice, timed exam and spaced review: pick questions, ask them, grade, commit every answer.

Input and output go through an `Asker` (scripted answers, stdin lines, or an interactive terminal),
so the same code serves scripts, tests and people.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np

from grader.quiz import answers, spaced, templates
from grader.quiz.bank import Library
from grader.quiz.blueprint import Coverage, build_plan
from grader.quiz.schema import Cert, NumericQuestion
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

    def to_dict(self) -> dict:
        q = self.item.question
        right = answers.correct_answer(q, self.item.numeric_answer)
        return {
            "position": self.item.position,
            "question_id": q.id,
            "type": q.type,
            "topic": q.topic,
            "domain": self.item.domain,
            "stem": self.item.stem,
            "params": self.item.params,
            "given": self.given,
            "given_text": answers.show(q, self.given),
            "correct_answer": right,
            "correct_text": answers.show(q, right),
            "correct": self.correct,
            "invalid": self.invalid,
            "feedback": [] if self.correct else answers.feedback_for(q, self.given),
            "explanation": self.item.explanation,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "next_review": self.due.isoformat() if self.due else None,
        }


class Asker(Protocol):
    """Where answers come from and feedback goes."""

    def ask(self, item: Item, index: int, total: int, remaining_s: float | None) -> Any:
        """The raw answer to `item`, None to skip; raise Quit to stop."""

    def feedback(self, outcome: Outcome) -> None:
        """Show the result of one answer (practice and review only)."""


def make_item(question: Any, position: int, rng: np.random.Generator,
              params: dict | None = None, domain: str | None = None) -> Item:
    """An Item for `question`; a generated question uses `params` if given, else fresh values."""
    if isinstance(question, NumericQuestion) and question.template is not None:
        instance = templates.instantiate(question, rng, values=params)
        return Item(position, question, instance.stem, instance.explanation, instance.answer,
                    instance.values, domain)
    return Item(position, question, question.stem, question.explanation, None, None, domain)


def grade_and_record(store: Store, item: Item, raw: Any, *, mode: str, session_id: int | None,
                     seconds: float | None, when: dt.datetime | None = None) -> Outcome:
    """Grade one raw answer and commit it (with the question's new FSRS card) immediately."""
    when = when or now_utc()
    invalid = None
    given = None
    if raw is not None:
        try:
            given = answers.parse(item.question, raw)
        except answers.AnswerError as exc:
            invalid = str(exc)
    correct = answers.is_correct(item.question, given, item.numeric_answer)
    card_json, due = spaced.rate(store.card_json(item.id), correct, when)
    store.record(question_id=item.id, mode=mode, given=given, correct=correct, session_id=session_id,
                 position=item.position, params=item.params, seconds=seconds, when=when,
                 card_json=card_json, card_due=due)
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
        item = make_item(question, index, rng)
        try:
            raw, seconds = _ask(asker, item, index, len(chosen), None, clock)
        except Quit:
            status = "stopped"
            break
        outcome = grade_and_record(store, item, raw, mode="practice", session_id=None, seconds=seconds)
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


# --- exam -----------------------------------------------------------------------------------------


def _fact(cert: Cert, name: str) -> Any:
    fact = getattr(cert, name)
    return None if fact is None else fact.value


def exam_size(cert: Cert, requested: int | None) -> int:
    if requested is not None:
        return requested
    return int(_fact(cert, "questions") or 50)


def exam_warnings(cert: Cert, coverage: Coverage, today: dt.date) -> list[str]:
    """What a learner must know before trusting this simulated exam."""
    out = []
    status = cert.status(today)
    code = _fact(cert, "exam_code")
    label = f"{cert.name}" + (f" ({code})" if code else "")
    if status == "retired":
        successors = f" Successor(s): {', '.join(cert.successor)}." if cert.successor else ""
        out.append(f"{label} was retired on {_fact(cert, 'retirement_date')}: it can no longer be taken; "
                   f"this run only maps the deep-learning topics it examined.{successors}")
    elif status == "retiring":
        out.append(f"{label} retires on {_fact(cert, 'retirement_date')}.")
    if cert.format == "hands-on":
        out.append("The real assessment is hands-on (code), not multiple choice; this is a knowledge check"
                   + ("" if cert.weighted else " with equal domain weights (none are published)") + ".")
    if coverage.domains_covered < coverage.domains_total:
        missing = coverage.domains_total - coverage.domains_covered
        out.append(f"Partial coverage: the bank has questions for {coverage.domains_covered} of "
                   f"{coverage.domains_total} domains ({coverage.weight_covered:g}% of the blueprint's weight); "
                   f"{missing} domain(s) are not tested at all.")
    if coverage.drawn < coverage.target:
        shorts = ", ".join(f"{d} {have}/{want}" for d, (want, have) in coverage.short.items())
        out.append(f"The bank supplies {coverage.drawn} of the {coverage.target} questions this exam should have "
                   f"({round(100 * coverage.drawn / max(coverage.target, 1))}%); short domains: {shorts}. "
                   "The time limit is scaled to the questions drawn.")
    unverified = [n.replace("_", " ") for n in ("questions", "duration_minutes", "passing_score", "score_scale")
                  if getattr(cert, n) is not None and getattr(cert, n).unverified]
    if cert.unverified or any(d.unverified for d in cert.domains):
        unverified.append("domain weights" if cert.weighted else "domains")
    if unverified:
        out.append("Unverified facts (check the vendor's page, see quizzes/certs.yaml): " + ", ".join(unverified) + ".")
    return out


def start_exam(library: Library, store: Store, cert_id: str, *, seed: int | None = None,
               n: int | None = None, time_limit_min: float | None = None,
               today: dt.date | None = None) -> dict:
    """Draw a blueprint-weighted exam, commit its plan, and return the session."""
    cert = library.catalog.cert(cert_id) if library.catalog else None
    if cert is None:
        raise QuizError(f"unknown cert {cert_id!r}; see `dlcert quiz certs`")
    if n is not None and n < 1:
        raise QuizError("the number of questions must be at least 1")
    seed = int(np.random.SeedSequence().entropy % (2**31)) if seed is None else seed
    rng = np.random.default_rng(seed)
    target = exam_size(cert, n)
    plan, coverage = build_plan(library, cert, target, rng)
    if not plan:
        raise QuizError(f"the bank has no questions mapped to {cert_id}")
    if time_limit_min is not None:
        limit = time_limit_min * 60
    else:
        minutes = _fact(cert, "duration_minutes")
        real_n = _fact(cert, "questions") or target
        limit = None if minutes is None else minutes * 60 * len(plan) / real_n
    warnings = exam_warnings(cert, coverage, today or dt.date.today())
    meta = {"warnings": warnings, "coverage": coverage.__dict__}
    sid = store.start_session("exam", cert=cert_id, seed=seed, plan=plan, time_limit_s=limit, meta=meta)
    return store.session(sid)


def resume_session(store: Store, cert_id: str | None) -> dict:
    """The latest unfinished exam (of `cert_id` if given)."""
    session = store.latest_unfinished("exam", cert_id)
    if session is None:
        raise QuizError("no unfinished exam to resume" + (f" for {cert_id}" if cert_id else ""))
    return session


def run_exam(library: Library, store: Store, session: dict, asker: Asker,
             clock: Callable[[], float] = time.monotonic, today: dt.date | None = None) -> dict:
    """Ask the session's unanswered questions (no feedback), then score it. Time counts while answering."""
    done = {a["position"] for a in store.session_attempts(session["id"])}
    plan = session["plan"]
    rng = np.random.default_rng(session["seed"])
    limit = session["time_limit_s"]
    used = sum(a["seconds"] or 0 for a in store.session_attempts(session["id"]))
    status = "finished"
    for position, entry in enumerate(plan):
        if position in done:
            continue
        entry_q = library.questions.get(entry["question_id"])
        if entry_q is None:
            continue  # removed from the bank since the exam started: counts as unanswered
        remaining = None if limit is None else limit - used
        if remaining is not None and remaining <= 0:
            status = "time_up"
            break
        item = make_item(entry_q.question, position, rng, entry["params"], entry["domain"])
        try:
            raw, seconds = _ask(asker, item, position, len(plan), remaining, clock)
        except Quit:
            return {**exam_result(library, store, session, today), "status": "paused"}
        used += seconds
        if limit is not None and used > limit:
            status = "time_up"  # answered after the bell: not counted, like a real exam
            break
        grade_and_record(store, item, raw, mode="exam", session_id=session["id"], seconds=seconds)
    store.finish_session(session["id"])
    result = exam_result(library, store, session, today)
    result["status"] = status
    return result


def exam_result(library: Library, store: Store, session: dict, today: dt.date | None = None) -> dict:
    """Score, pass/fail, per-domain breakdown and a review of every question of an exam session."""
    cert = library.catalog.cert(session["cert"])
    by_position = {a["position"]: a for a in store.session_attempts(session["id"])}
    rng = np.random.default_rng(session["seed"])
    review, per_domain = [], {d.id: [0, 0] for d in cert.domains}
    for position, entry in enumerate(session["plan"]):
        found = library.questions.get(entry["question_id"])
        attempt = by_position.get(position)
        per_domain.setdefault(entry["domain"], [0, 0])
        per_domain[entry["domain"]][1] += 1
        if found is None:
            review.append({"position": position, "question_id": entry["question_id"], "domain": entry["domain"],
                           "correct": False, "given": None, "note": "question no longer in the bank"})
            continue
        item = make_item(found.question, position, rng, entry["params"], entry["domain"])
        given = attempt["given"] if attempt else None
        correct = bool(attempt and attempt["correct"])
        per_domain[entry["domain"]][0] += correct
        outcome = Outcome(item, given, correct, attempt["seconds"] if attempt else None)
        review.append({**outcome.to_dict(), "answered": attempt is not None})
    total = len(session["plan"])
    n_correct = sum(r["correct"] for r in review)
    fraction = n_correct / total if total else 0.0
    scale = _fact(cert, "score_scale") or [0, 100]
    passing = _fact(cert, "passing_score")
    value = scale[0] + (scale[1] - scale[0]) * fraction
    value = round(value) if scale[1] - scale[0] >= 100 else round(value, 1)
    domains = []
    for d in cert.domains:
        right, asked = per_domain.get(d.id, [0, 0])
        domains.append({
            "id": d.id, "name": d.name,
            "weight": list(d.weight) if isinstance(d.weight, tuple) else d.weight,
            "correct": right, "total": asked,
            "percent": round(100 * right / asked, 1) if asked else None,
        })
    used = sum(a["seconds"] or 0 for a in by_position.values())
    return {
        "mode": "exam",
        "session": session["id"],
        "seed": session["seed"],
        "cert": cert.id,
        "name": cert.name,
        "exam_code": _fact(cert, "exam_code"),
        "cert_status": cert.status(today or dt.date.today()),
        "questions": total,
        "answered": len(by_position),
        "correct": n_correct,
        "score": {
            "value": value,
            "scale": scale,
            "passing": passing,
            "passed": None if passing is None else value >= passing,
            "percent": round(100 * fraction, 1),
            "estimate": True,
            "note": "An estimate: vendors scale scores in ways they do not publish; this maps the share "
                    "of right answers linearly onto the exam's scale.",
        },
        "domains": domains,
        "time": {"limit_s": session["time_limit_s"], "used_s": round(used, 1)},
        "warnings": session["meta"].get("warnings", []),
        "review": review,
        "started_at": session["started_at"],
        "finished_at": (store.session(session["id"]) or {}).get("finished_at"),
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
        item = make_item(question, index, rng)
        try:
            raw, seconds = _ask(asker, item, index, min(n, len(due)), None, clock)
        except Quit:
            status = "stopped"
            break
        outcome = grade_and_record(store, item, raw, mode="review", session_id=None, seconds=seconds, when=now)
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
