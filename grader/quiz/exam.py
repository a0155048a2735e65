"""The timed exam: a paper drawn like the real one, answered like the real one (skip, flag, go back
and change an answer until it is submitted, a clock that ends it), then scored on the exam's scale.

Answers are drafts in the store (`quiz_responses`, committed as they are given, so a killed exam
resumes); submitting grades every item into attempts and FSRS cards in one transaction. Input
comes from an `ExamAsker` (a script, stdin lines or a terminal) as `Action`s.
"""
from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import numpy as np

from grader.quiz import answers, spaced
from grader.quiz.bank import Library
from grader.quiz.blueprint import Coverage, build_plan
from grader.quiz.modes import Item, Outcome, QuizError, make_item, read_answer
from grader.quiz.schema import Cert
from grader.quiz.shuffle import restore
from grader.quiz.store import Store, now_utc

READINESS_LINE = 80.0
"""dlcert's own readiness line (percent right) for an exam whose vendor publishes no pass mark."""

COMMANDS = {
    "": "next", ">": "next", "next": "next", "skip": "next",
    "<": "back", "back": "back", "prev": "back",
    "!": "flag", "flag": "flag", "unflag": "flag",
    "?": "review", "review": "review", "list": "review",
    "submit": "submit", "done": "submit",
    "clear": "clear",
    "q": "quit", "quit": "quit", "pause": "quit",
}
HELP = ("Enter an answer; empty or > skips, < goes back, ! flags, goto N jumps, clear removes the answer, "
        "? lists every question, submit ends the exam, q pauses it.")
_GOTO = re.compile(r"^(?:goto|go|g|#)\s*(\d+)$")


@dataclass(frozen=True)
class Action:
    """What the learner did at one prompt."""

    kind: str
    """answer, next, back, goto, flag, clear, review, submit, quit, or timeout (the clock ran out
    while the prompt was open; `value` is whatever had been typed)."""
    value: Any = None


def command(text: str, at_review: bool = False) -> Action:
    """The action a typed line means (see HELP); on the review screen a bare number is a question."""
    line = text.strip()
    low = line.lower()
    if low in COMMANDS:
        return Action(COMMANDS[low])
    goto = _GOTO.match(low) or (re.fullmatch(r"\d+", low) if at_review else None)
    if goto:
        return Action("goto", int(goto.group(1) if goto.groups() else goto.group(0)))
    return Action("answer", line)


@dataclass(frozen=True)
class Row:
    """One question's state on the review screen."""

    number: int
    answered: bool
    flagged: bool
    available: bool = True
    """False when the question has left the bank since the exam started."""


@dataclass
class View:
    """What the learner sees at one prompt."""

    item: Item | None
    """The question, or None on the review screen (every question's state, then submit)."""
    number: int
    total: int
    remaining_s: float | None
    deadline: float | None
    """The clock's value when time runs out (a live timer counts down to it)."""
    flagged: bool
    answer_text: str | None
    """The answer given so far, as shown, or None."""
    rows: list[Row] = field(default_factory=list)

    @property
    def unanswered(self) -> list[int]:
        return [r.number for r in self.rows if r.available and not r.answered]

    @property
    def flagged_numbers(self) -> list[int]:
        return [r.number for r in self.rows if r.flagged]


class ExamAsker(Protocol):
    """Where exam actions come from and notices go."""

    labelled: bool
    """True when answers use the labels shown (a person), False when they use bank keys (a script)."""

    def exam_action(self, view: View) -> Action:
        """The learner's next action at this view."""

    def notice(self, text: str) -> None:
        """Tell the learner something (an unreadable answer, time up)."""


# --- drawing a paper --------------------------------------------------------------------------------


def _fact(cert: Cert, name: str) -> Any:
    fact = getattr(cert, name)
    return None if fact is None else fact.value


def exam_size(cert: Cert, requested: int | None) -> int:
    if requested is not None:
        return requested
    return int(_fact(cert, "questions") or 50)


def hands_on(cert: Cert) -> str:
    """Why a hands-on cert has no exam paper, and what to do instead."""
    return (f"{cert.name} is assessed hands-on (working code, graded on what it achieves), not by a "
            "multiple-choice paper, so dlcert simulates no exam for it. Build and train the models in the "
            "exercises (`dlcert check`, e.g. the training module's image classifier) and drill its topics with "
            f"`dlcert quiz practice --cert {cert.id}`.")


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
    wanted, drawn = coverage.multiples
    if drawn < wanted:
        out.append(f"The real exam has at least {wanted} multi-select questions in {coverage.target}; the bank "
                   f"supplies {drawn} for this paper.")
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
    """Draw a paper, commit it as a new session (unfinished ones are kept) and return the session.

    With `seed` the same paper is drawn every time; without, a fresh seed draws a new paper that
    prefers questions not seen before (answered, or drawn into an earlier exam).
    """
    cert = library.catalog.cert(cert_id) if library.catalog else None
    if cert is None:
        raise QuizError(f"unknown cert {cert_id!r}; see `dlcert quiz certs`")
    if cert.format == "hands-on":
        raise QuizError(hands_on(cert))
    if n is not None and n < 1:
        raise QuizError("the number of questions must be at least 1")
    seen = frozenset() if seed is not None else frozenset(store.exam_questions_seen())
    seed = int(np.random.SeedSequence().entropy % (2**31)) if seed is None else seed
    rng = np.random.default_rng(seed)
    target = exam_size(cert, n)
    plan, coverage = build_plan(library, cert, target, rng, seen)
    if not plan:
        raise QuizError(f"the bank has no questions mapped to {cert_id} of the types its exam uses")
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


def unfinished_exams(store: Store, cert_id: str | None = None) -> list[dict]:
    """Unfinished exams (of `cert_id` if given), newest first, with how far each got."""
    out = []
    for session in store.unfinished("exam", cert_id):
        responses = store.responses(session["id"])
        answered = sum(r["given"] is not None for r in responses.values())
        limit = session["time_limit_s"]
        out.append({**session, "answered": answered, "questions": len(session["plan"]),
                    "remaining_s": None if limit is None else max(0.0, limit - session["used_s"])})
    return out


def find_session(store: Store, session_id: int) -> dict:
    """An unfinished exam by id; QuizError when there is none by that id or it is finished."""
    session = store.session(session_id)
    if session is None or session["mode"] != "exam":
        raise QuizError(f"there is no exam session {session_id}")
    if session["finished_at"] is not None:
        raise QuizError(f"exam session {session_id} was submitted on {session['finished_at'][:16].replace('T', ' ')} "
                        "UTC; start a new one with --cert")
    return session


# --- taking it ----------------------------------------------------------------------------------------


def _items(library: Library, session: dict) -> list[Item | None]:
    """The session's items as stored (values, option order); None where a question left the bank."""
    out: list[Item | None] = []
    for position, entry in enumerate(session["plan"]):
        found = library.questions.get(entry["question_id"])
        if found is None:
            out.append(None)
            continue
        out.append(make_item(found.question, position, None, entry.get("params"), entry.get("domain"),
                             restore(entry.get("shown"), found.question), found.case))
    return out


def run_exam(library: Library, store: Store, session: dict, asker: ExamAsker,
             clock: Callable[[], float] = time.monotonic, today: dt.date | None = None) -> dict:
    """Take an exam until it is submitted, paused or out of time, and return the result.

    Time counts while the exam is open (paused exams do not use time). An action that arrives
    after the time limit is refused with a notice; the exam then ends as `time_up`.
    """
    sid, total = session["id"], len(session["plan"])
    items = _items(library, session)
    responses = store.responses(sid)
    limit, used = session["time_limit_s"], float(session.get("used_s") or 0.0)
    invalid: dict[int, str] = {}
    late: dict | None = None
    available = [p for p in range(total) if items[p] is not None]

    def answered(p: int) -> bool:
        return responses.get(p, {}).get("given") is not None

    def step(p: int | None, direction: int) -> int | None:
        if p is None:
            return available[-1] if direction < 0 and available else None
        later = [q for q in available if (q > p if direction > 0 else q < p)]
        if not later:
            return None if direction > 0 else p
        return later[0] if direction > 0 else later[-1]

    position = next((p for p in available if not answered(p)), None)
    status = "finished"
    tick = clock()
    if limit is not None and used >= limit:
        asker.notice("Time was already up for this exam; it is submitted as it stands.")
        status = "time_up"
    while status != "time_up":
        view = _view(items, responses, position, total, limit, used, tick, clock)
        action = asker.exam_action(view)
        now = clock()
        spent, tick = now - tick, now
        over = limit is not None and (used + spent > limit or action.kind == "timeout")
        counted = max(0.0, min(spent, limit - used)) if limit is not None else spent
        used += counted
        at = position

        def write(**change: Any) -> None:
            """One committed write per action: the time spent at `at`, with any change of its answer."""
            if at is None:
                store.add_time(sid, counted)
                return
            store.save_response(sid, at, seconds=counted, **({"keep_given": True} | change))
            state = responses.setdefault(at, {"given": None, "flagged": False, "seconds": 0.0})
            if "given" in change:
                state["given"] = change["given"]
            if change.get("flagged") is not None:
                state["flagged"] = change["flagged"]

        kind = action.kind
        if over:
            write()
            typed = action.value if kind in ("answer", "timeout") else None
            if typed:
                late = {"position": at, "text": str(typed)}
                where = f" to question {at + 1}" if at is not None else ""
                asker.notice(f"Time is up: your answer{where} ({typed!r}) came after the end and is not counted.")
            else:
                asker.notice("Time is up.")
            status = "time_up"
            break
        if kind == "answer" and at is not None:
            given, why = read_answer(items[at], action.value, asker.labelled)
            if why and asker.labelled:
                write()
                asker.notice(why)
                continue
            if why:
                invalid[at] = why  # a script's unreadable answer counts as unanswered
                write()
            else:
                write(given=given, keep_given=False)
                invalid.pop(at, None)
            position = step(at, 1)
            continue
        if kind == "flag" and at is not None:
            write(flagged=not responses.get(at, {}).get("flagged", False))
            continue
        if kind == "clear" and at is not None:
            write(given=None, keep_given=False)
            continue
        write()
        if kind == "quit":
            return {**exam_result(library, store, session, today, items), "status": "paused"}
        if kind == "submit":
            if at is None:
                break
            position = None  # show the review screen first; submit there to confirm
        elif kind == "review":
            position = None
        elif kind == "goto":
            if 1 <= action.value <= total and items[action.value - 1] is not None:
                position = action.value - 1
            else:
                asker.notice(f"There is no question {action.value} to go to (1-{total}).")
        elif kind == "back":
            position = step(at, -1)
        elif at is None:
            asker.notice("On the review screen: type a question number to go to it, < for the last one, "
                         "or submit to end the exam.")
        else:  # next
            position = step(at, 1)
    submit(library, store, session, items=items)
    result = exam_result(library, store, session, today, items)
    result["status"] = status
    result["late_answer"] = late
    for entry in result["review"]:
        entry["invalid"] = invalid.get(entry["position"])
    return result


def _view(items: list[Item | None], responses: dict, position: int | None, total: int, limit: float | None,
          used: float, tick: float, clock: Callable[[], float]) -> View:
    rows = [Row(p + 1, responses.get(p, {}).get("given") is not None, responses.get(p, {}).get("flagged", False),
                items[p] is not None) for p in range(total)]
    remaining = None if limit is None else max(0.0, limit - used)
    deadline = None if remaining is None else tick + remaining
    if position is None:
        return View(None, 0, total, remaining, deadline, False, None, rows)
    item = items[position]
    given = responses.get(position, {}).get("given")
    text = None if given is None else answers.show(item.question, given, item.shown)
    return View(item, position + 1, total, remaining, deadline, rows[position].flagged, text, rows)


def submit(library: Library, store: Store, session: dict, when: dt.datetime | None = None,
           items: list[Item | None] | None = None) -> None:
    """Grade every item of the paper (unanswered ones count as wrong) and finish the session, in
    one transaction. A yes/no series earns per statement, everything else all or nothing."""
    when = when or now_utc()
    responses = store.responses(session["id"])
    graded = []
    for item in items if items is not None else _items(library, session):
        if item is None:
            continue
        response = responses.get(item.position, {})
        given = response.get("given")
        earned = answers.credit(item.question, given, item.numeric_answer, partial=True)
        correct = earned == 1.0
        card_json, due = spaced.rate(store.card_json(item.id), correct, when)
        graded.append({"question_id": item.id, "mode": "exam", "given": given, "correct": correct,
                       "position": item.position, "params": item.params, "seconds": response.get("seconds"),
                       "card_json": card_json, "card_due": due, "credit": earned, "shown": item.shown.to_json()})
    store.submit(session["id"], graded, when)


def _score(cert: Cert, fraction: float) -> dict:
    scale = _fact(cert, "score_scale") or [0, 100]
    passing = _fact(cert, "passing_score")
    value = scale[0] + (scale[1] - scale[0]) * fraction
    value = round(value) if scale[1] - scale[0] >= 100 else round(value, 1)
    percent = round(100 * fraction, 1)
    score = {
        "value": value, "scale": scale, "passing": passing,
        "passed": None if passing is None else value >= passing,
        "percent": percent, "estimate": True,
        "note": "An estimate: vendors scale scores in ways they do not publish; this maps the share "
                "of right answers linearly onto the exam's scale.",
        "readiness_line": None,
    }
    if passing is None:
        score["readiness_line"] = {
            "percent": READINESS_LINE, "met": percent >= READINESS_LINE,
            "label": f"dlcert's own readiness line, not an official pass mark: {cert.vendor} publishes no "
                     f"passing score for this exam",
        }
    return score


def exam_result(library: Library, store: Store, session: dict, today: dt.date | None = None,
                items: list[Item | None] | None = None) -> dict:
    """Score, pass/fail (or dlcert's readiness line), per-domain breakdown and a review of every item.

    A submitted exam is scored from its attempts, an unfinished one from its answers so far."""
    cert = library.catalog.cert(session["cert"])
    current = store.session(session["id"]) or session
    attempts = {a["position"]: a for a in store.session_attempts(session["id"])}
    responses = store.responses(session["id"])
    items = items if items is not None else _items(library, session)
    review, per_domain = [], {d.id: [0.0, 0] for d in cert.domains}
    for position, entry in enumerate(session["plan"]):
        item = items[position]
        per_domain.setdefault(entry["domain"], [0.0, 0])
        per_domain[entry["domain"]][1] += 1
        flagged = responses.get(position, {}).get("flagged", False)
        if item is None:
            review.append({"position": position, "question_id": entry["question_id"], "domain": entry["domain"],
                           "correct": False, "credit": 0.0, "given": None, "answered": False, "flagged": flagged,
                           "note": "question no longer in the bank"})
            continue
        if attempts:
            attempt = attempts.get(position)
            given = attempt["given"] if attempt else None
            earned = attempt["credit"] if attempt else 0.0
            seconds = attempt["seconds"] if attempt else None
        else:
            given = responses.get(position, {}).get("given")
            earned = answers.credit(item.question, given, item.numeric_answer, partial=True)
            seconds = responses.get(position, {}).get("seconds")
        per_domain[entry["domain"]][0] += earned
        outcome = Outcome(item, given, earned == 1.0, seconds, credit=earned)
        review.append({**outcome.to_dict(), "answered": given is not None, "flagged": flagged})
    total = len(session["plan"])
    points = sum(r["credit"] for r in review)
    fraction = points / total if total else 0.0
    domains = []
    for d in cert.domains:
        right, asked = per_domain.get(d.id, [0.0, 0])
        domains.append({
            "id": d.id, "name": d.name,
            "weight": list(d.weight) if isinstance(d.weight, tuple) else d.weight,
            "correct": round(right, 2), "total": asked,
            "percent": round(100 * right / asked, 1) if asked else None,
        })
    return {
        "mode": "exam",
        "session": session["id"],
        "seed": session["seed"],
        "cert": cert.id,
        "name": cert.name,
        "exam_code": _fact(cert, "exam_code"),
        "cert_status": cert.status(today or dt.date.today()),
        "questions": total,
        "answered": sum(r["answered"] for r in review),
        "flagged": [r["position"] + 1 for r in review if r["flagged"]],
        "correct": sum(r["correct"] for r in review),
        "points": round(points, 2),
        "score": _score(cert, fraction),
        "domains": domains,
        "time": {"limit_s": session["time_limit_s"], "used_s": round(float(current.get("used_s") or 0.0), 1)},
        "warnings": session["meta"].get("warnings", []),
        "review": review,
        "started_at": session["started_at"],
        "finished_at": current.get("finished_at"),
    }
