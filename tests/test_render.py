"""render: tables fit 80 columns without cutting a task name or the note; pictures only on a terminal."""
from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from rich.console import Console

from grader import render
from grader.cli import main
from grader.course import load_course
from grader.results import Check, Report, TaskResult

COURSE = load_course()
WIDTH = 80


def lines_of(renderable, width=WIDTH) -> list[str]:
    console = Console(file=io.StringIO(), width=width, highlight=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue().splitlines()


def fits(lines: list[str], width=WIDTH) -> bool:
    return all(len(line.rstrip()) <= width for line in lines)


def failing(task: str, message: str) -> TaskResult:
    return TaskResult(task, "failed", 0.0, 1.0, [Check("small", False, message)])


def test_the_check_table_fits_80_columns_with_whole_task_names_and_notes():
    note = "values differ at 12 of 20 positions (see the diagnosis below)"
    results = [failing(t.id, note) if i % 3 == 0 else TaskResult(t.id, "not_implemented", 0.0, 1.0)
               for i, t in enumerate(COURSE.tasks)]
    lines = lines_of(render.report_table(Report(results), WIDTH))
    assert fits(lines)
    words = " ".join(lines).split()
    assert all(t.name in words for t in COURSE.tasks)  # whole, under a row per module
    assert " ".join(words).count(note) == len(COURSE.tasks[::3])


def test_the_check_table_shows_full_ids_when_there_is_room():
    lines = lines_of(render.report_table(Report([failing("losses.binary_cross_entropy_with_logits_grad", "x")]), 140), 140)
    assert any("losses.binary_cross_entropy_with_logits_grad" in line for line in lines)


@pytest.mark.parametrize("command", ["list", "progress"])
def test_list_and_progress_fit_80_columns_without_cutting_a_task(tmp_path, command):
    runner = CliRunner()
    root = tmp_path / "ws"
    runner.invoke(main, ["init", str(root)])
    if command == "progress":  # make the longest task the next one of its module
        losses = COURSE.exercise("losses")
        from grader.store import record_attempts

        record_attempts(root / ".dlcert" / "progress.sqlite",
                        [(t.id, "passed", 1.0, 1.0, "h", 1, 0.0) for t in losses.tasks[:7]])
    result = runner.invoke(main, [command, "--workspace", str(root)], env={"COLUMNS": str(WIDTH)})
    assert result.exit_code == 0, result.output
    table = result.output.split("\n\n")[0].splitlines()
    assert fits(table)
    words = " ".join(table).split()
    names = [t.name for t in COURSE.tasks] if command == "list" else ["binary_cross_entropy_with_logits_grad", "perceptron"]
    assert all(name in words for name in names)
