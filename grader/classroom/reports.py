"""Reports from the gradebook: HTML (a class page and a page per learner, self-contained), CSV and
JSON (one row per learner × task), Gradescope's results.json, feedback files to send back to each
learner (HTML and Markdown), quiz item statistics, and one learner's history.

`collect` turns the gradebook into plain rows and summaries; each writer only formats them.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from grader import __version__
from grader.atomic import write_text
from grader.classroom import itemstats
from grader.classroom.gradebook import Gradebook
from grader.course import load_course

MOST_COMMON = 10
ROW_FIELDS = ["learner", "name", "email", "submission_status", "submission_hash", "seed", "task", "status", "score",
              "max_score", "mistake", "failing_case", "duration", "graded_at", "message"]


@dataclass
class TaskSummary:
    task: str
    max_score: float
    submitted: int
    passed: int
    pass_rate: float
    mean_score: float
    mean_seconds: float | None
    max_seconds: float | None
    mistakes: list[tuple[str, int]]
    statuses: dict[str, int]


@dataclass
class LearnerSummary:
    learner: str
    name: str | None
    email: str | None
    submission_status: str
    score: float
    max_score: float
    percent: float
    passed: int
    tasks: dict[str, dict]
    seed: int | None
    graded_at: str | None
    graded_file: str = ""
    """Which hand-in was graded (and what it superseded), as the intake noted it."""
    submission_message: str = ""
    """Why the hand-in could not be graded, when it could not."""
    on_roster: bool = False
    modules: dict[str, dict] = field(default_factory=dict)
    """Module → {score, max_score, percent, passed, tasks}."""

    @property
    def page(self) -> str:
        return page_name(self.learner)


@dataclass
class ModuleSummary:
    module: str
    tasks: int
    learners: int
    mean_percent: float
    all_passed: int
    """Learners who passed every task of the module."""


@dataclass
class ClassData:
    tasks: list[str]
    rows: list[dict]
    learners: list[LearnerSummary]
    task_summaries: list[TaskSummary]
    quiz: itemstats.TestStats | None
    generated_by: str = f"dlcert {__version__}"
    notes: list[str] = field(default_factory=list)
    modules: list[ModuleSummary] = field(default_factory=list)
    stats: dict[str, float] | None = None
    """Mean, median, quartiles, min and max of the percent scores of learners with a hand-in."""
    mistakes: list[dict] = field(default_factory=list)
    """The named mistakes, most common first: {mistake, count, tasks: [(task, count)]}."""
    missing: list[str] = field(default_factory=list)
    """Roster learners with no hand-in."""
    unknown: list[str] = field(default_factory=list)
    """Learners with a hand-in who are not on the roster (only when a roster was given)."""


def collect(book: Gradebook, targets: Iterable[str] = ()) -> ClassData:
    """Each learner's latest submission and its results, as rows and summaries."""
    course = load_course()
    points = {t.id: t.spec.points for t in course.tasks}
    order = {t.id: n for n, t in enumerate(course.tasks)}
    latest = book.latest_submissions()
    per_submission = {sub.id: {r["task"]: r for r in book.results(sub.id)} for sub in latest.values()}
    targets = list(targets)
    if targets:
        tasks = [t.id for t in course.select(targets)]
    else:
        seen = {task for results in per_submission.values() for task in results}
        tasks = sorted(seen, key=lambda t: (order.get(t, len(order)), t))
    rows, learners = [], []
    roster_used = any(p["on_roster"] for p in book.learners())
    for person in book.learners():
        sub = latest.get(person["id"])
        results = per_submission.get(sub.id, {}) if sub else {}
        status = sub.status if sub else "missing"
        cells: dict[str, dict] = {}
        full: dict[str, dict] = {}
        for task in tasks:
            r = results.get(task)
            if r is not None:
                diagnosis = r["diagnosis"] or {}
                failing = next((c["message"] for c in r["checks"] if not c["passed"]), "")
                cell = {"status": r["status"], "score": r["score"], "max_score": r["max_score"], "mistake": r["mistake"],
                        "failing_case": diagnosis.get("case"), "duration": r["duration"], "graded_at": r["graded_at"],
                        "message": _first_line(diagnosis.get("text") or failing)}
                details = {"diagnosis": (diagnosis.get("text") or failing or "").strip(), "details": diagnosis.get("details") or []}
            else:
                why = "not graded yet" if status in ("graded", "pending") else status
                cell = {"status": why, "score": 0.0, "max_score": points.get(task, 1.0), "mistake": None,
                        "failing_case": None, "duration": None, "graded_at": sub.graded_at if sub else None,
                        "message": _first_line(sub.message) if sub else "no submission"}
                details = {"diagnosis": (sub.message if sub else "no submission").strip(), "details": []}
            cells[task] = cell
            full[task] = details
            rows.append({"learner": person["id"], "name": person["name"], "email": person["email"], "submission_status": status,
                         "submission_hash": sub.content_hash if sub else None, "seed": sub.seed if sub else None, "task": task, **cell})
        score = round(sum(c["score"] for c in cells.values()), 6)
        max_score = round(sum(c["max_score"] for c in cells.values()), 6)
        learners.append(LearnerSummary(
            person["id"], person["name"], person["email"], status, score, max_score,
            round(100 * score / max_score, 2) if max_score else 0.0, sum(c["status"] == "passed" for c in cells.values()),
            {task: {**cell, **full[task]} for task, cell in cells.items()},  # full texts for the learner pages
            sub.seed if sub else None, sub.graded_at if sub else None,
            graded_file=(sub.note or Path(sub.source).name) if sub else "", submission_message=sub.message if sub else "",
            on_roster=bool(person["on_roster"]), modules=_module_scores(cells),
        ))
    handed_in = [l for l in learners if l.submission_status != "missing"]
    summaries = [_task_summary(task, handed_in) for task in tasks]
    attempts = book.quiz_attempts()
    quiz = itemstats.from_attempts(attempts) if attempts else None
    return ClassData(
        tasks, rows, learners, summaries, quiz,
        modules=_module_summaries(tasks, handed_in),
        stats=_distribution([l.percent for l in handed_in]),
        mistakes=_mistakes(handed_in),
        missing=[l.learner for l in learners if l.submission_status == "missing" and l.on_roster],
        unknown=[l.learner for l in handed_in if not l.on_roster] if roster_used else [],
    )


def roster_gaps(book: Gradebook) -> tuple[list[str], list[str]]:
    """(roster learners with no hand-in, learners with a hand-in not on the roster)."""
    people = book.learners()
    handed_in = set(book.latest_submissions())
    missing = [p["id"] for p in people if p["on_roster"] and p["id"] not in handed_in]
    unknown = [p["id"] for p in people if not p["on_roster"] and p["id"] in handed_in] if any(p["on_roster"] for p in people) else []
    return missing, unknown


def _module_of(task: str) -> str:
    return task.split(".", 1)[0]


def _module_scores(cells: dict[str, dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for task, c in cells.items():
        m = out.setdefault(_module_of(task), {"score": 0.0, "max_score": 0.0, "passed": 0, "tasks": 0})
        m["score"] += c["score"]
        m["max_score"] += c["max_score"]
        m["passed"] += c["status"] == "passed"
        m["tasks"] += 1
    for m in out.values():
        m["percent"] = round(100 * m["score"] / m["max_score"], 1) if m["max_score"] else 0.0
    return out


def _module_summaries(tasks: list[str], learners: list[LearnerSummary]) -> list[ModuleSummary]:
    out = []
    for module in dict.fromkeys(_module_of(t) for t in tasks):
        cells = [l.modules[module] for l in learners if module in l.modules]
        out.append(ModuleSummary(module, sum(_module_of(t) == module for t in tasks), len(cells),
                                 round(sum(c["percent"] for c in cells) / len(cells), 1) if cells else 0.0,
                                 sum(c["passed"] == c["tasks"] for c in cells)))
    return out


def _distribution(percents: list[float]) -> dict[str, float] | None:
    """Mean, median and quartiles (the inclusive method: the quartiles of the data themselves)."""
    if not percents:
        return None
    q1, median, q3 = statistics.quantiles(percents, n=4, method="inclusive") if len(percents) > 1 else [percents[0]] * 3
    return {"learners": len(percents), "mean": round(statistics.fmean(percents), 2), "median": round(median, 2),
            "q1": round(q1, 2), "q3": round(q3, 2), "min": min(percents), "max": max(percents)}


def _mistakes(learners: list[LearnerSummary]) -> list[dict]:
    by_name: dict[str, Counter] = {}
    for learner in learners:
        for task, c in learner.tasks.items():
            if c["mistake"]:
                by_name.setdefault(c["mistake"], Counter())[task] += 1
    rows = [{"mistake": name, "count": sum(tasks.values()), "tasks": sorted(tasks.items(), key=lambda kv: (-kv[1], kv[0]))}
            for name, tasks in by_name.items()]
    return sorted(rows, key=lambda r: (-r["count"], r["mistake"]))[:MOST_COMMON]


def page_name(learner: str) -> str:
    """A file name for the learner's page: the id made safe, with a short hash when it had to change."""
    safe = _safe_name(learner)
    return (safe if safe == learner else f"{safe}-{hashlib.sha256(learner.encode()).hexdigest()[:8]}") + ".html"


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def _task_summary(task: str, learners: list[LearnerSummary]) -> TaskSummary:
    cells = [l.tasks[task] for l in learners]
    passed = sum(c["status"] == "passed" for c in cells)
    times = [c["duration"] for c in cells if c["duration"] is not None]
    mistakes = Counter(c["mistake"] for c in cells if c["mistake"])
    return TaskSummary(
        task=task,
        max_score=max((c["max_score"] for c in cells), default=1.0),
        submitted=len(cells),
        passed=passed,
        pass_rate=round(100 * passed / len(cells), 1) if cells else 0.0,
        mean_score=round(sum(c["score"] for c in cells) / len(cells), 4) if cells else 0.0,
        mean_seconds=round(sum(times) / len(times), 4) if times else None,
        max_seconds=round(max(times), 4) if times else None,
        mistakes=sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:5],
        statuses=dict(Counter(c["status"] for c in cells)),
    )


# --- CSV and JSON ---------------------------------------------------------------------------------


def to_csv(data: ClassData) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ROW_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in data.rows:
        writer.writerow({k: _csv_safe(v) for k, v in row.items()})
    return buf.getvalue()


def _csv_safe(value):
    """Neutralise spreadsheet formulas in text learners control (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_json(data: ClassData) -> str:
    return json.dumps({"format_version": 1, "generated_by": data.generated_by, "tasks": data.tasks, "rows": data.rows},
                      indent=2, ensure_ascii=False) + "\n"


def items_json(data: ClassData) -> str:
    return json.dumps(data.quiz.to_dict() if data.quiz else None, indent=2) + "\n"


# --- Gradescope -----------------------------------------------------------------------------------


VISIBILITIES = ("visible", "after_published", "after_due_date", "hidden")
"""Gradescope's per-test (and whole-result) visibility values."""


def parse_visibility(specs: list[str]) -> dict[str, str]:
    """{"": default, target: visibility} from `VIS` and `TARGET=VIS` (a module or a task); ValueError if bad."""
    out: dict[str, str] = {}
    for spec in specs:
        target, _, value = spec.rpartition("=")
        if value not in VISIBILITIES:
            raise ValueError(f"{spec!r}: the visibility must be one of {', '.join(VISIBILITIES)}")
        out[target.strip()] = value
    return out


def visibility_of(task: str, visibility: dict[str, str]) -> str:
    """The most specific rule: the task's own, else its module's, else the default (visible)."""
    return visibility.get(task) or visibility.get(task.split(".", 1)[0]) or visibility.get("") or "visible"


def gradescope_results(results: list[dict], *, execution_time: float = 0.0, output: str = "",
                       visibility: dict[str, str] | None = None) -> dict:
    """Gradescope's autograder results.json for one submission, from task result dicts."""
    visibility = visibility or {}
    tests = []
    for r in results:
        diagnosis = r.get("diagnosis") or {}
        failing = next((c["message"] for c in r.get("checks") or [] if not c["passed"]), "")
        text = r.get("message") or diagnosis.get("text") or failing or r["status"]
        tests.append({
            "name": r["task"],
            "score": r["score"],
            "max_score": r["max_score"],
            "status": "passed" if r["status"] == "passed" else "failed",
            "output": f"{r['status']}: {text}" if r["status"] != "passed" else "passed",
            "visibility": visibility_of(r["task"], visibility),
        })
    return {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": max(0, int(math.ceil(execution_time))),
        "output": output,
        "visibility": visibility.get("") or "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_gradescope(data: ClassData, folder: Path) -> list[Path]:
    """One `<learner>/results.json` per learner (file names made safe)."""
    written = []
    for learner in data.learners:
        results = [{"task": t, **{k: v for k, v in c.items() if k not in ("diagnosis", "details")}} for t, c in learner.tasks.items()]
        seconds = sum(c["duration"] or 0.0 for c in learner.tasks.values())
        note = f"dlcert {__version__}, seed {learner.seed}; submission {learner.submission_status}"
        path = folder / _safe_name(learner.learner) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(gradescope_results(results, execution_time=seconds, output=note), indent=2))
        written.append(path)
    return written


def _safe_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in text).strip(".")
    return cleaned or "learner"


# --- one learner ----------------------------------------------------------------------------------


def learner_history(book: Gradebook, learner: str) -> dict | None:
    people = {p["id"]: p for p in book.learners()}
    if learner not in people:
        return None
    subs = []
    for sub in book.submissions(learner):
        results = book.results(sub.id)
        subs.append({**asdict(sub), "score": round(sum(r["score"] for r in results), 6),
                     "max_score": round(sum(r["max_score"] for r in results), 6),
                     "results": [{k: r[k] for k in ("task", "status", "score", "max_score", "mistake", "duration", "graded_at")}
                                 | {"diagnosis": (r["diagnosis"] or {}).get("text")} for r in results]})
    quiz = book.quiz_attempts(learner)
    return {"learner": people[learner], "submissions": subs,
            "quiz": {"attempts": len(quiz), "correct": sum(a["correct"] for a in quiz), "self_reported": True}}


def print_history(history: dict, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    person = history["learner"]
    console.print(f"[bold]{escape(person['id'])}[/] {escape(person['name'] or '')} {escape(person['email'] or '')}")
    if not history["submissions"]:
        console.print("no submissions")
    for sub in history["submissions"]:
        console.print(f"\nsubmission {sub['content_hash'][:12]} ({sub['kind']}, seed {sub['seed']}) received {sub['received_at']}: "
                      f"[bold]{sub['status']}[/] {sub['score']:g}/{sub['max_score']:g}")
        if sub["message"]:
            console.print("  " + escape(sub["message"].splitlines()[0]))
        if sub["results"]:
            table = Table("task", "status", "score", "mistake", "seconds")
            for r in sub["results"]:
                table.add_row(escape(r["task"]), r["status"], f"{r['score']:g}/{r['max_score']:g}", escape(r["mistake"] or ""),
                              f"{r['duration']:.2f}")
            console.print(table)
    quiz = history["quiz"]
    if quiz["attempts"]:
        console.print(f"\nquiz: {quiz['correct']}/{quiz['attempts']} answers correct (self-reported)")
