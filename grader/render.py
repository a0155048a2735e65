"""Show results to a person (rich) or to a program (JSON). No grading logic lives here."""
from __future__ import annotations

import json

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.results import Report, TaskResult

STYLE = {"passed": "green", "failed": "red", "error": "magenta", "timeout": "yellow", "not_implemented": "dim"}
ICON = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱", "not_implemented": "·"}
MAX_DIAGNOSES = 3


def report_json(report: Report) -> str:
    """The `--json` contract: one object, the whole report."""
    return json.dumps(report.to_dict(), allow_nan=False, default=str)


def _points(value: float) -> str:
    """Points for people: at most two decimals (0.67, not 0.666667)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def report_table(report: Report) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("task")
    table.add_column("status")
    table.add_column("score", justify="right")
    table.add_column("note", overflow="fold")
    for r in report.results:
        note = "" if r.passed else next((c.message for c in r.checks if not c.passed), "")
        table.add_row(
            r.task,
            Text(f"{ICON[r.status]} {r.status}", style=STYLE[r.status]),
            f"{_points(r.score)}/{_points(r.max_score)}",
            Text(note.splitlines()[0][:90] if note else "", style="dim"),
        )
    return table


def diagnosis_panel(result: TaskResult) -> Panel:
    """A failing task's explanation: what went wrong, the numbers, and where to go next."""
    parts: list = []
    d = result.diagnosis
    if d is not None:
        parts.append(Text(d.text))
        if d.details:
            parts.append(Text("\n".join(d.details), style="cyan"))
    if result.output.strip():
        parts.append(Text("your code printed:\n" + result.output.strip()[-1500:], style="dim"))
    parts.append(Text(f"stuck? dlcert hint {result.task}", style="dim italic"))
    return Panel(Group(*parts), title=f"{result.task}: {result.status}", border_style=STYLE[result.status], title_align="left")


def print_report(report: Report, console: Console) -> None:
    console.print(report_table(report))
    failing = [r for r in report.results if not r.passed and r.status != "not_implemented"]
    for result in failing[:MAX_DIAGNOSES]:
        console.print(diagnosis_panel(result))
    if len(failing) > MAX_DIAGNOSES:
        console.print(f"[dim]{len(failing) - MAX_DIAGNOSES} more failing task(s): check one at a time for details.[/]")
    for note in report.notes:
        console.print(f"[dim]note: {note}[/]")
    passed = sum(r.passed for r in report.results)
    style = "bold green" if report.passed else "bold"
    console.print(
        f"[{style}]{passed}/{len(report.results)} tasks passed, score {_points(report.score)}/{_points(report.max_score)}[/]"
    )
