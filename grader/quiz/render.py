"""Terminal output for quiz mode (rich); no logic beyond layout."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table


def question_panel(console: Console, item: Any, index: int, total: int, remaining_s: float | None) -> None:
    q = item.question
    title = f"[bold]Question {index + 1}/{total}[/]  [dim]{q.id} · {q.topic} · difficulty {q.difficulty}[/]"
    if remaining_s is not None:
        minutes, seconds = divmod(max(0, int(remaining_s)), 60)
        title += f"  [yellow]⏱ {minutes}:{seconds:02d} left[/]"
    lines = [escape(item.stem.strip())]
    if q.type in ("single", "multiple", "ordering"):
        lines.append("")
        lines += [f"  [bold]{c.key})[/] {escape(c.text)}" for c in q.choices]
    hint = {
        "single": "one key", "multiple": "keys separated by commas (e.g. a,c)", "true_false": "t or f",
        "numeric": "a number" + (f" in {q.unit}" if getattr(q, 'unit', None) else ""),
        "ordering": "all keys in order (e.g. b d a c)",
    }[q.type]
    lines.append(f"\n[dim]Answer with {hint}; q to stop.[/]")
    console.print(Panel("\n".join(lines), title=title, title_align="left"))


def outcome_text(console: Console, outcome: dict) -> None:
    """Immediate feedback (practice, review) or one entry of an exam review."""
    mark = "[green]✓ right[/]" if outcome["correct"] else "[red]✗ wrong[/]"
    console.print(f"{mark}  [dim]{outcome['question_id']}[/]")
    if outcome.get("invalid"):
        console.print(f"  [yellow]could not read the answer: {escape(outcome['invalid'])}[/]")
    if not outcome["correct"]:
        console.print(f"  you: {escape(outcome['given_text'])}")
        console.print(f"  right: {escape(outcome['correct_text'])}")
        for fb in outcome["feedback"]:
            console.print(f"  [yellow]{escape(fb)}[/]")
    console.print(f"  [dim]{escape(outcome['explanation'].strip())}[/]")
    if outcome.get("next_review"):
        console.print(f"  [dim]next review: {outcome['next_review'][:16].replace('T', ' ')} UTC[/]")


def session_summary(console: Console, result: dict) -> None:
    if result["mode"] != "review" or result["asked"]:
        console.print(f"\n[bold]{result['correct']}/{result['asked']} right[/]")
    if result["mode"] == "review":
        if not result["due"]:
            console.print("Nothing is due for review.")
        if result.get("next_due"):
            console.print(f"Next review due: {result['next_due'][:16].replace('T', ' ')} UTC")


def exam_report(console: Console, r: dict) -> None:
    s = r["score"]
    code = f" ({r['exam_code']})" if r.get("exam_code") else ""
    console.print(f"\n[bold]{escape(r['name'])}{escape(code)}[/] — simulated exam, session {r['session']}, seed {r['seed']}")
    if r["status"] == "paused":
        console.print(f"[yellow]Paused after {r['answered']} of {r['questions']} answers; continue with "
                      f"`dlcert quiz exam --cert {r['cert']} --resume`.[/]")
        return
    if r["status"] == "time_up":
        console.print("[yellow]Time is up: unanswered questions count as wrong.[/]")
    verdict = "" if s["passed"] is None else (" [green]PASS[/]" if s["passed"] else " [red]FAIL[/]")
    passing = f" (passing {s['passing']})" if s["passing"] is not None else ""
    console.print(f"Estimated score: [bold]{s['value']}[/] on {s['scale'][0]}–{s['scale'][1]}{passing}{verdict}"
                  f"  — {r['correct']}/{r['questions']} right ({s['percent']}%)")
    console.print(f"[dim]{s['note']}[/]")
    table = Table(title="Per domain")
    for col in ("domain", "weight", "right", "%"):
        table.add_column(col)
    for d in r["domains"]:
        w = d["weight"]
        weight = "—" if w is None else (f"{w[0]:g}–{w[1]:g}%" if isinstance(w, list) else f"{w:g}%")
        table.add_row(escape(d["name"]), weight, f"{d['correct']}/{d['total']}",
                      "—" if d["percent"] is None else f"{d['percent']:g}")
    console.print(table)
    console.print("\n[bold]Review of every answer[/]")
    for entry in r["review"]:
        if "stem" in entry:
            console.print(f"\n[bold]{entry['position'] + 1}.[/] {escape(entry['stem'].strip())}")
            outcome_text(console, {**entry, "next_review": None})
        else:
            console.print(f"\n[bold]{entry['position'] + 1}.[/] {entry['question_id']}: {entry.get('note', '')}")


def readiness_report(console: Console, reports: list[dict]) -> None:
    for rep in reports:
        console.print(f"\n[bold]{escape(rep['name'])}[/] [dim]({rep['cert']}, {rep['status']})[/] — "
                      f"overall readiness {round(100 * rep['overall'])}%")
        table = Table()
        for col in ("domain", "weight", "readiness", "quiz answers", "recent accuracy", "exercises"):
            table.add_column(col)
        for d in rep["domains"]:
            acc = "—" if d["recent_accuracy"] is None else f"{round(100 * d['recent_accuracy'])}%"
            ex = "—" if not d["exercise_total"] else f"{d['exercise_passed']}/{d['exercise_total']} tasks"
            table.add_row(escape(d["name"]), f"{round(100 * d['weight'])}%", f"{round(100 * d['readiness'])}%",
                          str(d["answers"]), acc, ex)
        console.print(table)
        console.print(f"Next: {escape(rep['next_step'])}")
