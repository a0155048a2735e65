"""Show results to a person (rich) or to a program (JSON). No grading logic lives here."""
from __future__ import annotations

import json

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader import plots
from grader.results import Curve, Report, TaskResult

STYLE = {"passed": "green", "failed": "red", "error": "magenta", "timeout": "yellow", "not_implemented": "dim"}
ICON = {"passed": "✓", "failed": "✗", "error": "!", "timeout": "⏱", "not_implemented": "·"}
MAX_DIAGNOSES = 3


def report_json(report: Report) -> str:
    """The `--json` contract: one object, the whole report."""
    return json.dumps(report.to_dict(), allow_nan=False, default=str)


def report_text(report: Report) -> str:
    """The whole report as plain text: a line per task, its diagnosis under it, the score."""
    lines = []
    for r in report.results:
        lines.append(f"{ICON[r.status]} {r.task}: {LABEL.get(r.status, r.status)} ({_points(r.score)}/{_points(r.max_score)})")
        if r.diagnosis is not None and not r.passed:
            lines += ["    " + line for line in r.diagnosis.text.splitlines()]
    lines.append(f"score {_points(report.score)}/{_points(report.max_score)}")
    return "\n".join(lines)


HTML_COLOUR = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#8250df", "timeout": "#9a6700", "not_implemented": "#6e7781"}


def report_html(report: Report) -> str:
    """The report as an HTML table (task, verdict, diagnosis) for Jupyter; every text escaped."""
    from html import escape

    rows = []
    for r in report.results:
        d = r.diagnosis if not r.passed else None
        text = escape(d.text).replace("\n", "<br>") if d else ""
        verdict = f"{ICON[r.status]} {LABEL.get(r.status, r.status)} ({_points(r.score)}/{_points(r.max_score)})"
        rows.append(f'<tr><td style="text-align:left"><code>{escape(r.task)}</code></td>'
                    f'<td style="text-align:left;color:{HTML_COLOUR[r.status]};white-space:nowrap"><b>{escape(verdict)}</b></td>'
                    f'<td style="text-align:left">{text}</td></tr>')
    return ('<table class="dlcert-report"><thead><tr><th style="text-align:left">task</th>'
            '<th style="text-align:left">verdict</th><th style="text-align:left">diagnosis</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            f'<p>score {_points(report.score)}/{_points(report.max_score)}</p>')


def _points(value: float) -> str:
    """Points for people: at most two decimals (0.67, not 0.666667)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


LABEL = {"not_implemented": "to do"}
"""Status words in tables, where they differ from the JSON status (kept short for 80 columns)."""
MIN_NOTE_WIDTH = 24
"""The note column (the advice) gets at least this much room; task names are never cut for it."""


def _table() -> Table:
    """The tables' shared look: no box, one space between columns."""
    return Table(show_header=True, header_style="bold", box=None, pad_edge=False, padding=(0, 1, 0, 0))


def _grouped(task_ids: list[str], fixed: int, width: int) -> bool:
    """Whether task ids must be shown as bare names under module rows to fit `width` (they never wrap)."""
    return max(map(len, task_ids), default=0) + fixed > width


def report_table(report: Report, width: int = 80) -> Table:
    """One row per task: status, score and (when it did not pass) the first problem, within `width`.

    When full task ids leave the note too little room, tasks are grouped under a row per module and
    shown by their bare names (which `check` accepts as targets): the module is abbreviated, the
    task never.
    """
    table = _table()
    table.add_column("task", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("note", min_width=MIN_NOTE_WIDTH)
    statuses = [f"{ICON[r.status]} {LABEL.get(r.status, r.status)}" for r in report.results]
    scores = [f"{_points(r.score)}/{_points(r.max_score)}" for r in report.results]
    fixed = max(map(len, statuses), default=0) + max(map(len, scores), default=0) + MIN_NOTE_WIDTH + 3
    grouped = _grouped([r.task for r in report.results], fixed, width)
    module = None
    for r, status, score in zip(report.results, statuses, scores):
        if grouped and r.task.partition(".")[0] != module:
            module = r.task.partition(".")[0]
            table.add_row(Text(module, style="bold"), "", "", "")
        note = "" if r.passed or r.status == "not_implemented" else next((c.message for c in r.checks if not c.passed), "")
        table.add_row(
            f"  {r.task.partition('.')[2]}" if grouped else r.task,
            Text(status, style=STYLE[r.status]),
            score,
            Text(note.splitlines()[0] if note else "", style="dim"),
        )
    return table


def task_list_table(states: list, current_id: str | None) -> Table:
    """`dlcert list`: tasks by bare name under a row per module (its title abbreviated to fit), the current one marked."""
    table = _table()
    for column in ("", "task", "status", "points", "attempts"):
        table.add_column(column, no_wrap=True, justify="right" if column in ("points", "attempts") else "left")
    names = max((len(s.task.name) for s in states), default=0) + 2
    folder = None
    for s in states:
        if s.task.exercise.folder != folder:
            folder = s.task.exercise.folder
            header = Text(folder, style="bold")
            header.append(" " + s.task.exercise.spec.title)
            header.truncate(max(names, len(folder)), overflow="ellipsis")
            table.add_row("", header, "", "", "")
        style = {"passed": "green", "failed": "red", "error": "magenta", "timeout": "yellow", "skipped": "blue"}.get(s.label, "dim")
        table.add_row("→" if s.task.id == current_id else "", f"  {s.task.name}", Text(s.label, style=style),
                      f"{s.task.spec.points:g}", str(s.attempts))
    return table


def progress_table(summaries: list, width: int = 80) -> Table:
    """`dlcert progress`: one row per module, within `width`.

    The next task is never cut: the module name is abbreviated first, then the time, hints and
    attempts columns are left out, in that order, on narrower screens.
    """
    columns = {
        "done": [f"{m.passed}/{m.tasks}" for m in summaries],
        "%": [f"{m.percent:.0f}%" for m in summaries],
        "attempts": [str(m.attempts) for m in summaries],
        "hints": [str(m.hints) for m in summaries],
        "time": [f"{m.seconds / 60:.0f} min" for m in summaries],
    }
    nexts = [m.next_task.partition(".")[2] if m.next_task else "done" for m in summaries]
    modules = [m.folder for m in summaries]

    def used(names) -> int:
        return sum(max(len(n), *map(len, columns[n])) + 1 for n in names) + max(len("next task"), *map(len, nexts))

    shown = list(columns)
    for optional in ("time", "hints", "attempts"):
        if width - used(shown) - 1 >= min(10, max(map(len, modules))):
            break
        shown.remove(optional)
    table = _table()
    table.add_column("module", no_wrap=True, overflow="ellipsis", max_width=max(6, width - used(shown) - 1))
    for name in shown:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("next task", no_wrap=True)
    for i, module in enumerate(modules):
        table.add_row(module, *(columns[n][i] for n in shown), Text(nexts[i], style="green" if nexts[i] == "done" else ""))
    return table


def pictures(console: Console) -> bool:
    """Whether to draw plots: only on a real terminal (never piped, redirected or with `--json`)."""
    return console.is_terminal and not console.is_dumb_terminal


def curve_picture(curve: Curve, width: int, color: bool = True) -> Group:
    """The failing case drawn, with a line that names the first wrong point."""
    parts = [Text.from_ansi(plots.curve(curve, width=width, color=color))]
    first = curve.first_wrong
    if first is not None:
        got = "not finite" if curve.got[first] is None else f"{curve.got[first]:.6g}"
        parts.append(Text(f"first wrong point (O): {curve.input} = {curve.x[first]:.6g}, expected "
                          f"{curve.expected[first]:.6g}, yours {got}", style="bold"))
    return Group(*parts)


def series_pictures(series: list, width: int, color: bool = True) -> Table:
    """Curves over a run (the training loss, the accuracy), side by side, each against its target."""
    grid = Table.grid(padding=(0, 1))
    each = max(20, (width - len(series) + 1) // len(series))
    for _ in series:
        grid.add_column(width=each, no_wrap=True)
    grid.add_row(*(Text.from_ansi(plots.run_series(s, width=each, color=color)) for s in series))
    return grid


def progress_bars(summaries: list, width: int, color: bool = True) -> Text:
    """Tasks passed per module, as bars (for a terminal)."""
    return Text.from_ansi(plots.bars([m.folder for m in summaries], [m.percent for m in summaries], upper=100,
                                     title="tasks passed per module (%)", width=width, color=color,
                                     texts=[f"{m.passed}/{m.tasks}" if m.passed else "" for m in summaries]))


def diagnosis_panel(result: TaskResult, picture: bool = False, width: int = 80, color: bool = True) -> Panel:
    """A failing task's explanation: what went wrong, the numbers, and where to go next.

    With `picture`, an element-wise task's failing case is also drawn (see `pictures`).
    """
    parts: list = []
    d = result.diagnosis
    if d is not None:
        parts.append(Text(d.text))
        if d.details:
            parts.append(Text("\n".join(d.details), style="cyan"))
        if picture and d.curve is not None:
            parts.append(curve_picture(d.curve, width - 4, color))
        if picture and d.series:
            parts.append(series_pictures(d.series, width - 4, color))
    if result.output.strip():
        parts.append(Text("your code printed:\n" + result.output.strip()[-1500:], style="dim"))
    parts.append(Text(f"stuck? dlcert hint {result.task}", style="dim italic"))
    return Panel(Group(*parts), title=f"{result.task}: {result.status}", border_style=STYLE[result.status], title_align="left")


def print_report(report: Report, console: Console) -> None:
    console.print(report_table(report, console.width))
    failing = [r for r in report.results if not r.passed and r.status != "not_implemented"]
    picture, color = pictures(console), console.color_system is not None
    for result in failing[:MAX_DIAGNOSES]:
        console.print(diagnosis_panel(result, picture, console.width, color))
    if len(failing) > MAX_DIAGNOSES:
        console.print(f"[dim]{len(failing) - MAX_DIAGNOSES} more failing task(s): check one at a time for details.[/]")
    for note in report.notes:
        console.print(f"[dim]note: {note}[/]")
    passed = sum(r.passed for r in report.results)
    style = "bold green" if report.passed else "bold"
    console.print(
        f"[{style}]{passed}/{len(report.results)} tasks passed, score {_points(report.score)}/{_points(report.max_score)}[/]"
    )
