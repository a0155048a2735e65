"""render: tables fit 80 columns without cutting a task name or the note; pictures only on a terminal."""
from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

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


# --- pictures --------------------------------------------------------------------------------


def leaky_relu_failure() -> TaskResult:
    """A real diagnosis of leaky_relu written as plain ReLU (its first failing case is element-wise)."""
    from tests.test_diagnose import mistake_failure
    from grader.diagnose import diagnose

    [task] = COURSE.select(["activations.leaky_relu"])
    return TaskResult(task.id, "failed", 0.0, 1.0, [Check("small", False, "values differ")],
                      diagnose(task, mistake_failure(task, "ignores_alpha")))


def printed(report: Report, terminal: bool) -> str:
    console = Console(file=io.StringIO(), width=WIDTH, force_terminal=terminal, color_system=None)
    render.print_report(report, console)
    return console.file.getvalue()


def test_a_curve_is_drawn_on_a_terminal_only():
    report = Report([leaky_relu_failure()])
    shown = printed(report, terminal=True)
    assert "out against x" in shown and "first wrong point (O): x = -2, expected -0.02, yours 0" in shown
    assert fits(shown.splitlines())
    assert "first wrong point" not in printed(report, terminal=False)


def training_failure() -> TaskResult:
    """A train failure as the 11_training judge reports it: the loss and accuracy per step, and the target's."""
    from grader.results import Diagnosis, Series

    loss = Series("loss_curve", [1.1, 0.8, 0.75, 1.0, 1.3, None], [1.1, 0.5, 0.2, 0.05, 0.01, 0.01])
    accuracy = Series("accuracy_curve", [0.3, 0.5, 0.55, 0.45, 0.4, 0.4], [0.3, 0.7, 0.9, 0.97, 1.0, 1.0])
    diagnosis = Diagnosis("no_zero_grad", "spirals", None, None, "trained: expected True, got False.", series=[loss, accuracy])
    return TaskResult("training.train", "failed", 0.0, 3.0, [Check("spirals", False, "trained: expected True, got False")],
                      diagnosis)


def test_training_curves_are_drawn_beside_the_target_on_a_terminal_only():
    report = Report([training_failure()])
    shown = printed(report, terminal=True)
    assert "loss_curve: yours x, target •" in shown and "accuracy_curve: yours x, target •" in shown
    [both] = [line for line in shown.splitlines() if "loss_curve:" in line]
    assert "accuracy_curve:" in both and fits(shown.splitlines())  # side by side, within 80 columns
    assert "yours x" not in printed(report, terminal=False)
    data = json.loads(render.report_json(report))
    assert data["results"][0]["diagnosis"]["series"][0]["yours"][-1] is None and "yours x" not in json.dumps(data)
    assert Report.from_dict(data).results[0].diagnosis.series == report.results[0].diagnosis.series


def test_lab_timings_are_bars_on_a_log_scale():
    from grader import lab

    rows = [{"operation": "matmul 1000×1000", "flops": 2e9, "cpu_s": 0.02, "device_s": 1e-4, "speedup": 200.0},
            {"operation": "matmul 1000×1000 incl. copies to and from cuda", "flops": 2e9, "cpu_s": 0.02,
             "device_s": 1.5e-3, "speedup": 13.0}]
    report = {"rows": rows, "device": "cuda", "transfer": {"bytes": 64 * 2**20, "seconds": 0.005, "gb_per_s": 13.4}}
    text = lab.timing_bars(report, WIDTH, color=False).plain
    for label in ("matmul 1000×1000 · CPU", "matmul 1000×1000 · cuda", "+copies · cuda", "copy 64 MiB to cuda"):
        assert label in text
    assert "20.00 ms" in text and "100 µs" in text and "1 ms" in text  # bar texts and the axis


TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="needs tmux")
def test_pictures_appear_in_a_real_terminal_and_never_piped_or_in_json(tmp_path, dlcert_exe):
    """check and progress under tmux (a real terminal): the curve and the bars; `| cat` and --json: plain."""
    root = tmp_path / "ws"
    subprocess.run([*dlcert_exe, "init", str(root)], check=True, capture_output=True)
    stub = root / "exercises" / "02_activations" / "activations.py"
    stub.write_text(stub.read_text() + "\n\ndef leaky_relu(x, alpha=0.01):\n    return np.maximum(x, 0.0)\n")
    exe = " ".join(shlex.quote(part) for part in dlcert_exe)
    out = tmp_path / "out"
    script = (f"cd {shlex.quote(str(root))}; {exe} check activations.leaky_relu; {exe} progress; "
              f"{exe} check activations.leaky_relu | cat > {out}.piped; "
              f"{exe} check activations.leaky_relu --json > {out}.json; tmux wait-for -S {root.name}-{os.getpid()}")
    session = f"dlcert-test-{os.getpid()}"
    env = dict(os.environ, TERM="xterm-256color")
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "100", "-y", "50", script + "; sleep 30"],
                   check=True, env=env)
    try:
        subprocess.run([TMUX, "wait-for", f"{root.name}-{os.getpid()}"], timeout=120, check=True)
        screen = subprocess.run([TMUX, "capture-pane", "-p", "-J", "-S", "-200", "-t", session],
                                capture_output=True, text=True, check=True).stdout
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True)
    assert "out against x" in screen and "first wrong point (O)" in screen
    assert "tasks passed per module" in screen
    piped = Path(f"{out}.piped").read_text()
    assert "ignores_alpha" in piped and "first wrong point" not in piped and "\x1b" not in piped
    data = json.loads(Path(f"{out}.json").read_text())
    assert data["results"][0]["diagnosis"]["mistake"] == "ignores_alpha"
