"""Terminal output for quiz mode: rich panels for a terminal, the same lines as plain text for a pipe.

Nothing shown before an answer gives it away: a question's id, topic and tags appear only in
feedback and review, and options carry the labels of the order drawn for this attempt.
"""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from grader.quiz.shuffle import LETTERS

HINTS = {
    "single": "one letter", "multiple": "every right letter, e.g. a,c", "true_false": "t or f",
    "numeric": "a number", "ordering": "every letter once, in order, e.g. b d a c",
    "matching": "a letter for each numbered item, e.g. 1b 2a 3d (or b a d)",
    "yes_no": "y or n for each numbered statement, e.g. y n y (or 1y 2n 3y)",
}


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def question_lines(item: Any) -> list[str]:
    """The question as plain lines: case-study scenario, stem, then its parts with their labels."""
    q, shown = item.question, item.shown
    lines = []
    if item.case is not None:
        lines += [f"Case study: {item.case.title}", item.case.scenario.strip(), ""]
    lines.append(item.stem.strip())
    if q.type in ("single", "multiple", "ordering", "matching"):
        texts = {c.key: c.text for c in q.choices}
        if q.type == "matching":
            prompts = {p.key: p.text for p in q.prompts}
            lines += [""] + [f"  {i + 1}. {prompts[k]}" for i, k in enumerate(shown.prompts)]
            lines.append("  options" + (" (each may be used more than once)" if q.reuse else "") + ":")
        else:
            lines.append("")
        lines += [f"  {LETTERS[i]}) {texts[k]}" for i, k in enumerate(shown.choices)]
    elif q.type == "yes_no":
        texts = {s.key: s.text for s in q.statements}
        lines += [""] + [f"  {i + 1}. {texts[k]}" for i, k in enumerate(shown.statements)]
    return lines


def _hint(item: Any) -> str:
    q = item.question
    hint = HINTS[q.type]
    if q.type == "numeric" and getattr(q, "unit", None):
        hint += f" in {q.unit}"
    return hint


def _title(number: int, total: int, remaining_s: float | None, flagged: bool) -> str:
    title = f"Question {number}/{total}"
    if remaining_s is not None:
        title += f"  ⏱ {clock_text(remaining_s)} left"
    return title + ("  [flagged]" if flagged else "")


def question_panel(console: Console, item: Any, number: int, total: int, remaining_s: float | None,
                   *, flagged: bool = False, answer_text: str | None = None, exam: bool = False) -> None:
    lines = [escape(line) for line in question_lines(item)]
    if answer_text is not None:
        lines.append(f"\n[cyan]your answer: {escape(answer_text)}[/]")
    extra = "; > skip, < back, ! flag, ? review, submit, q pause" if exam else "; q to stop"
    lines.append(f"\n[dim]Answer with {_hint(item)}{extra}.[/]")
    title = escape(_title(number, total, remaining_s, flagged))
    console.print(Panel("\n".join(lines), title=f"[bold]{title}[/]", title_align="left"))


def plain_question(item: Any, number: int, total: int, remaining_s: float | None, *, flagged: bool = False,
                   answer_text: str | None = None, exam: bool = False) -> str:
    """The same question as plain text for a pipe, ending with the prompt line."""
    lines = [_title(number, total, remaining_s, flagged), *question_lines(item)]
    if answer_text is not None:
        lines.append(f"your answer: {answer_text}")
    extra = "; empty or > skip, < back, ! flag, ? review, submit, q pause" if exam else ""
    lines.append(f"Answer with {_hint(item)}{extra}.")
    return "\n".join(lines) + "\n"


def review_lines(view: Any) -> list[str]:
    """The review screen before submitting: every question's state, the unanswered and flagged ones."""
    marks = []
    for row in view.rows:
        state = "x" if not row.available else ("answered" if row.answered else "unanswered")
        marks.append(f"{row.number:>3}. {state}{'  flagged' if row.flagged else ''}")
    unanswered, flagged = view.unanswered, view.flagged_numbers
    lines = ["Review before you submit" + (f"  ⏱ {clock_text(view.remaining_s)} left" if view.remaining_s is not None else ""),
             *marks, "",
             f"unanswered: {', '.join(map(str, unanswered)) or 'none'}",
             f"flagged: {', '.join(map(str, flagged)) or 'none'}",
             "Type a question number to go back to it, < for the last one, submit to end the exam, q to pause."]
    return lines


def review_screen(console: Console, view: Any) -> None:
    lines = review_lines(view)
    console.print(Panel("\n".join(escape(l) for l in lines[1:]), title=f"[bold]{escape(lines[0])}[/]",
                        title_align="left"))


def outcome_text(console: Console, outcome: dict) -> None:
    """Immediate feedback (practice, review) or one entry of an exam review: now the id, topic and
    tags may be shown."""
    credit = outcome.get("credit", float(outcome["correct"]))
    if outcome["correct"]:
        mark = "[green]✓ right[/]"
    elif credit:
        mark = f"[yellow]◐ {round(100 * credit)}% of the statements right[/]"
    else:
        mark = "[red]✗ wrong[/]"
    tags = f" · {', '.join(outcome['tags'])}" if outcome.get("tags") else ""
    console.print(f"{mark}  [dim]{outcome['question_id']} · {outcome['topic']}{escape(tags)}[/]")
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
                      f"`dlcert quiz exam --resume {r['session']}`.[/]")
        return
    if r["status"] == "time_up":
        console.print("[yellow]Time is up: unanswered questions count as wrong.[/]")
    if r.get("late_answer"):
        console.print(f"[yellow]Not counted (typed after the end): {escape(r['late_answer']['text'])}[/]")
    if s["passing"] is not None:
        verdict = " [green]PASS[/]" if s["passed"] else " [red]FAIL[/]"
        console.print(f"Estimated score: [bold]{s['value']}[/] on {s['scale'][0]}–{s['scale'][1]} "
                      f"(passing {s['passing']}){verdict}  — {r['points']:g}/{r['questions']} right ({s['percent']}%)")
    else:
        line = s["readiness_line"]
        met = "[green]reached[/]" if line["met"] else "[red]not reached[/]"
        console.print(f"Score: [bold]{s['percent']}%[/] right ({r['points']:g}/{r['questions']}); no official pass mark.")
        console.print(f"{escape(line['label'])}: {line['percent']:g}% — {met}")
    console.print(f"[dim]{s['note']}[/]")
    table = Table(title="Per domain")
    for col in ("domain", "weight", "right", "%"):
        table.add_column(col)
    for d in r["domains"]:
        w = d["weight"]
        weight = "—" if w is None else (f"{w[0]:g}–{w[1]:g}%" if isinstance(w, list) else f"{w:g}%")
        table.add_row(escape(d["name"]), weight, f"{d['correct']:g}/{d['total']}",
                      "—" if d["percent"] is None else f"{d['percent']:g}")
    console.print(table)
    console.print("\n[bold]Review of every answer[/]")
    for entry in r["review"]:
        flag = " [yellow](flagged)[/]" if entry.get("flagged") else ""
        if "stem" in entry:
            console.print(f"\n[bold]{entry['position'] + 1}.[/]{flag} {escape(entry['stem'].strip())}")
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
