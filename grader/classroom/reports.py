"""Reports from the gradebook: HTML (self-contained), CSV and JSON (one row per learner × task),
Gradescope's results.json, quiz item statistics, and one learner's history.

`collect` turns the gradebook into plain rows and summaries; each writer only formats them.
"""
from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from grader import __version__
from grader.classroom import itemstats
from grader.classroom.gradebook import Gradebook
from grader.course import load_course

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


@dataclass
class ClassData:
    tasks: list[str]
    rows: list[dict]
    learners: list[LearnerSummary]
    task_summaries: list[TaskSummary]
    quiz: itemstats.TestStats | None
    generated_by: str = f"dlcert {__version__}"
    notes: list[str] = field(default_factory=list)


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
    for person in book.learners():
        sub = latest.get(person["id"])
        results = per_submission.get(sub.id, {}) if sub else {}
        status = sub.status if sub else "missing"
        cells: dict[str, dict] = {}
        for task in tasks:
            r = results.get(task)
            if r is not None:
                diagnosis = r["diagnosis"] or {}
                failing = next((c["message"] for c in r["checks"] if not c["passed"]), "")
                cell = {"status": r["status"], "score": r["score"], "max_score": r["max_score"], "mistake": r["mistake"],
                        "failing_case": diagnosis.get("case"), "duration": r["duration"], "graded_at": r["graded_at"],
                        "message": _first_line(diagnosis.get("text") or failing)}
            else:
                why = "not graded yet" if status in ("graded", "pending") else status
                cell = {"status": why, "score": 0.0, "max_score": points.get(task, 1.0), "mistake": None,
                        "failing_case": None, "duration": None, "graded_at": sub.graded_at if sub else None,
                        "message": _first_line(sub.message) if sub else "no submission"}
            cells[task] = cell
            rows.append({"learner": person["id"], "name": person["name"], "email": person["email"], "submission_status": status,
                         "submission_hash": sub.content_hash if sub else None, "seed": sub.seed if sub else None, "task": task, **cell})
        score = round(sum(c["score"] for c in cells.values()), 6)
        max_score = round(sum(c["max_score"] for c in cells.values()), 6)
        learners.append(LearnerSummary(
            person["id"], person["name"], person["email"], status, score, max_score,
            round(100 * score / max_score, 2) if max_score else 0.0, sum(c["status"] == "passed" for c in cells.values()),
            cells, sub.seed if sub else None, sub.graded_at if sub else None,
        ))
    summaries = [_task_summary(task, [l for l in learners if l.submission_status != "missing"]) for task in tasks]
    attempts = book.quiz_attempts()
    quiz = itemstats.from_attempts(attempts) if attempts else None
    return ClassData(tasks, rows, learners, summaries, quiz)


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


def gradescope_results(results: list[dict], *, execution_time: float = 0.0, output: str = "") -> dict:
    """Gradescope's autograder results.json for one submission, from task result dicts."""
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
            "visibility": "visible",
        })
    return {
        "score": round(sum(t["score"] for t in tests), 6),
        "execution_time": max(0, int(math.ceil(execution_time))),
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_gradescope(data: ClassData, folder: Path) -> list[Path]:
    """One `<learner>/results.json` per learner (file names made safe)."""
    written = []
    for learner in data.learners:
        results = [{"task": t, **c} for t, c in learner.tasks.items()]
        seconds = sum(c["duration"] or 0.0 for c in learner.tasks.values())
        note = f"dlcert {__version__}, seed {learner.seed}; submission {learner.submission_status}"
        path = folder / _safe_name(learner.learner) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(gradescope_results(results, execution_time=seconds, output=note), indent=2))
        written.append(path)
    return written


def _safe_name(text: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in text).strip(".")
    return cleaned or "learner"


# --- HTML -----------------------------------------------------------------------------------------


def to_html(data: ClassData) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _num
    return env.get_template("report.html.j2").render(
        data=data,
        histogram=histogram([l.percent for l in data.learners if l.submission_status != "missing"]),
        pass_bars=bars([(s.task, s.pass_rate) for s in data.task_summaries], 100.0),
        time_bars=bars([(s.task, s.mean_seconds or 0.0) for s in data.task_summaries], None),
    )


def _num(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def histogram(percents: list[float], bins: int = 10) -> list[dict]:
    """Score distribution: counts per 10-point bin (100 goes in the last), with bar geometry."""
    counts = [0] * bins
    for p in percents:
        counts[min(int(p // (100 / bins)), bins - 1)] += 1
    top = max(counts, default=0) or 1
    width = 100 / bins
    return [{"label": f"{int(i * width)}–{int((i + 1) * width)}", "count": n, "x": i * 40, "height": round(120 * n / top, 2)}
            for i, n in enumerate(counts)]


def bars(values: list[tuple[str, float]], scale: float | None) -> list[dict]:
    """Horizontal bars: label, value and width (of 300) against `scale` or the largest value."""
    top = scale or max((v for _, v in values), default=0.0) or 1.0
    return [{"label": label, "value": value, "y": i * 22, "width": round(300 * value / top, 2)} for i, (label, value) in enumerate(values)]


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
