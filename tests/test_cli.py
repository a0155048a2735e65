"""The command line: every command through click's CliRunner, and the contract through the installed `dlcert`."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import load_course

COURSE = load_course()
NEURONS = COURSE.exercise("neurons")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def ws(tmp_path, runner):
    root = tmp_path / "ws"
    result = runner.invoke(main, ["init", str(root)])
    assert result.exit_code == 0, result.output
    return root


def solve(ws: Path, exercise=NEURONS):
    shutil.copyfile(exercise.solution_path, ws / "exercises" / exercise.folder / f"{exercise.module}.py")


def run(runner, ws, *args):
    return runner.invoke(main, [*args, "--workspace", str(ws)])


def test_init_refuses_to_overwrite(ws, runner):
    result = runner.invoke(main, ["init", str(ws)])
    assert result.exit_code == 2 and "refusing to overwrite" in result.output
    assert sorted(p.name for p in (ws / "exercises").iterdir()) == [e.folder for e in COURSE.exercises]


def test_check_json_of_a_fresh_workspace(ws, runner):
    result = runner.invoke(main, ["check", "neurons", "activations", "--workspace", str(ws), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {r["status"] for r in data["results"]} == {"not_implemented"}
    assert set(data) >= {"score", "max_score", "results"}


def test_check_passes_a_solved_module_with_exit_0(ws, runner):
    solve(ws)
    result = run(runner, ws, "check", "neurons")
    assert result.exit_code == 0, result.output
    assert "2/2 tasks passed" in result.output


def test_usage_errors_exit_2(ws, runner, tmp_path):
    result = runner.invoke(main, ["check", "activations.softmaxx", "--workspace", str(ws), "--json"])
    assert result.exit_code == 2 and result.stdout == "" and "did you mean activations.softmax" in result.stderr
    result = runner.invoke(main, ["check", "--workspace", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "not a dlcert workspace" in result.stderr


def test_list_hint_skip_and_the_current_task(ws, runner):
    first = COURSE.tasks[0].id
    assert f"Next: {first}" in run(runner, ws, "list").output
    one = run(runner, ws, "hint")
    two = run(runner, ws, "hint")
    assert "Hint 1/" in one.output and "Hint 2/" in two.output and first in one.output
    assert "skipped" in run(runner, ws, "skip").output.lower()
    assert f"Next: {COURSE.tasks[1].id}" in run(runner, ws, "list").output
    run(runner, ws, "unskip", first)
    assert f"Next: {first}" in run(runner, ws, "list").output


def test_hint_all_and_level_reread_earlier_hints(ws, runner):
    task = COURSE.select(["activations.softmax"])[0]
    hints = task.spec.hints
    run(runner, ws, "hint", task.id)
    run(runner, ws, "hint", task.id)
    again = run(runner, ws, "hint", task.id, "--all").output
    assert "Hint 1/" in again and "Hint 2/" in again and f"Hint 3/" not in again
    assert hints[0][:30] in " ".join(again.split()) and hints[1][:30] in " ".join(again.split())
    first = run(runner, ws, "hint", task.id, "--level", "1").output
    assert "Hint 1/" in first and "Hint 2/" not in first
    assert "Hint 3/" in run(runner, ws, "hint", task.id).output  # --all and --level did not go deeper
    assert run(runner, ws, "hint", task.id, "--level", str(len(hints) + 1)).exit_code == 2


@pytest.mark.parametrize("target", ["02_activations/softmax", "activations/softmax", "02_activations.softmax"])
def test_every_command_takes_the_target_forms_a_learner_types(ws, runner, target):
    assert "for activations.softmax" in run(runner, ws, "hint", target).output
    assert "Skipped activations.softmax" in run(runner, ws, "skip", target).output
    assert run(runner, ws, "reset", target).exit_code == 0


def test_check_and_reset_take_a_module_file_path(ws, runner):
    solve(ws)
    result = run(runner, ws, "check", f"exercises/{NEURONS.folder}/neurons.py", "--json")
    assert result.exit_code == 0 and {r["task"] for r in json.loads(result.stdout)["results"]} == {
        t.id for t in NEURONS.tasks}
    assert run(runner, ws, "reset", str(ws / "exercises" / NEURONS.folder / "neurons.py")).exit_code == 0
    assert (ws / "exercises" / NEURONS.folder / "neurons.py").read_text() == NEURONS.stub_path.read_text()


def test_a_module_where_a_task_is_needed_is_a_usage_error_and_a_bare_task_name_is_its_task(ws, runner):
    module = run(runner, ws, "hint", "activations")
    assert module.exit_code == 2 and "is a module" in module.stderr
    assert "for activations.softmax" in run(runner, ws, "hint", "softmax").output
    close = run(runner, ws, "hint", "sofmax")
    assert close.exit_code == 2 and "did you mean activations.softmax" in close.stderr


def test_solution_only_after_passing(ws, runner):
    task = "neurons.perceptron"
    refused = run(runner, ws, "solution", task)
    assert refused.exit_code == 1 and "has not passed yet" in refused.output
    solve(ws)
    run(runner, ws, "check", "neurons")
    shown = run(runner, ws, "solution", task)
    assert shown.exit_code == 0 and "def perceptron" in shown.output


def test_reset_keeps_a_backup(ws, runner):
    target = ws / "exercises" / NEURONS.folder / "neurons.py"
    solve(ws)
    mine = target.read_text()
    result = run(runner, ws, "reset", "neurons.perceptron")
    assert result.exit_code == 0
    backups = list((ws / ".dlcert" / "backups").iterdir())
    assert [b.read_text() for b in backups] == [mine]
    text = target.read_text()
    assert "raise NotImplementedError" in text and "def dense_forward" in text
    run(runner, ws, "reset", "neurons")
    assert target.read_text() == NEURONS.stub_path.read_text()
    assert len(list((ws / ".dlcert" / "backups").iterdir())) == 2


def test_progress_shows_modules_attempts_and_hints(ws, runner):
    solve(ws)
    run(runner, ws, "check", "neurons")
    run(runner, ws, "hint", "activations.sigmoid")
    out = run(runner, ws, "progress").output
    assert "01_neurons" in out and "2/2" in out and "100%" in out
    assert "Next: activations.sigmoid" in out


def test_submit_has_code_and_manifest_but_no_database(ws, runner, tmp_path):
    out = tmp_path / "me.zip"
    result = run(runner, ws, "submit", "--out", str(out))
    assert result.exit_code == 0
    names = zipfile.ZipFile(out).namelist()
    assert "manifest.json" in names and f"exercises/{NEURONS.folder}/neurons.py" in names
    assert not any(n.endswith(".sqlite") or ".dlcert" in n for n in names)
    manifest = json.loads(zipfile.ZipFile(out).read("manifest.json"))
    assert len(manifest["tasks"]) == len(COURSE.tasks)


def test_upgrade_adds_missing_modules_and_tasks_without_touching_code(ws, runner):
    last = COURSE.exercises[-1].folder
    shutil.rmtree(ws / "exercises" / last)
    target = ws / "exercises" / NEURONS.folder / "neurons.py"
    target.write_text("def perceptron(x, w, b):\n    return 42\n")
    out = run(runner, ws, "upgrade").output
    assert f"module {last}" in out and "task neurons.dense_forward" in out
    assert target.read_text().startswith("def perceptron(x, w, b):\n    return 42\n")
    assert "Your workspace already has" in run(runner, ws, "upgrade").output


def test_info_without_torch(runner):
    result = runner.invoke(main, ["info", "--no-torch"])
    assert result.exit_code == 0 and "dlcert" in result.output


def test_every_command_has_help_with_an_example(runner):
    import click

    def walk(group, prefix):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"`dlcert {' '.join(prefix + [name])}` cannot be loaded"
            if isinstance(command, click.Group):
                yield from walk(command, prefix + [name])
            else:
                yield prefix + [name]

    for path in walk(main, []):
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output or "example" in result.output, f"`dlcert {' '.join(path)} --help` has no example"


# --- bad input and damaged state: one line and a documented exit status, nothing lost or half-written -------


def fill_progress(ws: Path) -> None:
    """Enough history that a truncation cuts into it."""
    from grader.store import record_attempts, record_hint

    record_attempts(ws / ".dlcert" / "progress.sqlite",
                    [(f"m.t{i}", "failed", 0.0, 1.0, f"code{i}", 1, 0.1) for i in range(300)])
    record_hint(ws / ".dlcert" / "progress.sqlite", COURSE.tasks[0].id, 1)
    db = sqlite3.connect(ws / ".dlcert" / "progress.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def damage(path: Path, how: str) -> None:
    if how == "garbage":
        path.write_bytes(os.urandom(8192))
    elif how == "truncated":
        os.truncate(path, path.stat().st_size // 2)
    else:
        db = sqlite3.connect(path)
        db.execute("DROP TABLE hints")
        db.commit()
        db.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


DAMAGED_DB_COMMANDS = {
    "list": (["list"], 0),
    "progress": (["progress"], 0),
    "hint": (["hint"], 0),
    "skip": (["skip"], 0),
    "unskip": (["unskip", "neurons.perceptron"], 0),
    "solution": (["solution", "neurons.perceptron"], 1),  # its pass was in the damaged file
    "check": (["check", "neurons", "--json"], 1),
    "watch": (["watch"], 0),
    "quiz readiness": (["quiz", "readiness"], 0),
}


@pytest.mark.parametrize("how", ["garbage", "truncated", "dropped_table"])
@pytest.mark.parametrize("command", list(DAMAGED_DB_COMMANDS))
def test_a_damaged_progress_database_is_moved_aside_and_every_command_goes_on(ws, runner, monkeypatch, command, how):
    import grader.watch

    fill_progress(ws)
    damage(ws / ".dlcert" / "progress.sqlite", how)
    code_before = snapshot(ws / "exercises")
    monkeypatch.setattr(grader.watch, "file_changes", lambda folder, poll, stop=None: iter([]))  # one check, then stop
    monkeypatch.chdir(ws)  # `quiz readiness` finds the workspace from here
    args, status = DAMAGED_DB_COMMANDS[command]
    result = runner.invoke(main, args if command == "quiz readiness" else [*args, "--workspace", str(ws)])
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "was damaged" in line]
    asides = [p.name for p in (ws / ".dlcert").iterdir() if ".damaged-" in p.name and p.suffix == ".sqlite"]
    assert len(warnings) == 1 and len(asides) == 1 and asides[0] in warnings[0]
    assert len(result.stderr.strip().splitlines()) == 1 + (status == 1 and command != "check")
    assert snapshot(ws / "exercises") == code_before  # the learner's code is never touched
    if command == "check":
        assert {r["task"] for r in json.loads(result.stdout)["results"]} == {t.id for t in NEURONS.tasks}
        assert sqlite3.connect(ws / ".dlcert" / "progress.sqlite").execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2


def one_error_line(result) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and "Traceback" not in result.output + result.stderr, result.stderr
    return errors[0]


@pytest.mark.parametrize("out, reason", [("/nonexistent/dir/a.zip", "the folder /nonexistent does not exist"),
                                         ("", "the path is empty")], ids=["missing-folder", "empty"])
def test_submit_to_a_path_that_cannot_be_written_writes_nothing(ws, runner, tmp_path, monkeypatch, out, reason):
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    result = run(runner, ws, "submit", "--out", out)
    assert result.exit_code == 2 and reason in one_error_line(result)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where, reason", [("FILE/sub", "is a file, not a folder"), ("/proc/nope", "cannot write /proc/nope")])
def test_init_where_no_folder_can_be_made_makes_nothing(runner, tmp_path, monkeypatch, where, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("mine")
    result = runner.invoke(main, ["init", where])
    assert result.exit_code == 2 and reason in one_error_line(result)
    assert [p.name for p in tmp_path.iterdir()] == ["FILE"] and (tmp_path / "FILE").read_text() == "mine"


@pytest.mark.parametrize("command", [["reset", "activations"], ["reset", "activations.softmax"], ["upgrade"]])
def test_reset_and_upgrade_refuse_when_a_module_folder_was_replaced_by_a_file(ws, runner, command):
    folder = ws / "exercises" / "02_activations"
    shutil.rmtree(folder)
    folder.write_text("def softmax(x): ...  # the learner's own code, in the wrong place\n")
    shutil.rmtree(ws / "exercises" / COURSE.exercises[-1].folder)  # upgrade would add this one
    before = snapshot(ws)
    result = run(runner, ws, *command)
    assert result.exit_code == 1 and "02_activations is a file where dlcert keeps a folder" in one_error_line(result)
    assert snapshot(ws) == before  # nothing moved, nothing half-added


@pytest.mark.parametrize("device", ["cuda", "mps"])
def test_a_named_device_this_machine_lacks_is_an_error_naming_what_it_has(ws, runner, device):
    from grader.devices import available

    if device in available():
        pytest.skip(f"this machine has {device}")
    for command in (["check", "neurons"], ["watch"]):
        result = run(runner, ws, *command, "--device", device)
        line = one_error_line(result)
        assert result.exit_code == 1 and f"--device {device}" in line and "available: cpu" in line
    result = runner.invoke(main, ["class", "grade", str(ws), "--device", device])
    assert result.exit_code == 1 and f"--device {device}" in one_error_line(result)
    assert "lacks is an error" in " ".join(runner.invoke(main, ["check", "--help"]).output.split())


def test_a_workspace_under_a_name_with_spaces_and_accents_works(runner, tmp_path):
    root = tmp_path / "mon espace de tràvail" / "ü ñ"
    assert runner.invoke(main, ["init", str(root)]).exit_code == 0
    solve(root)
    assert run(runner, root, "check", "neurons").exit_code == 0
    out = tmp_path / "rendu final é.zip"
    assert run(runner, root, "submit", "--out", str(out)).exit_code == 0 and zipfile.ZipFile(out).testzip() is None


# --- through the installed program, in subprocesses -------------------------------------------


def dlcert(exe, *args, env=None, timeout=120):
    return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_installed_dlcert_json_contract_and_exit_codes(tmp_path, dlcert_exe):
    root = tmp_path / "ws"
    assert dlcert(dlcert_exe, "init", str(root)).returncode == 0
    pristine = dlcert(dlcert_exe, "check", "--workspace", str(root), "--json")
    assert pristine.returncode == 1
    data = json.loads(pristine.stdout)
    assert len(data["results"]) == len(COURSE.tasks) and {r["status"] for r in data["results"]} == {"not_implemented"}
    for r in data["results"]:
        assert set(r) >= {"task", "status", "score", "max_score", "checks", "diagnosis"}
    solve(root)
    solved = dlcert(dlcert_exe, "check", "neurons", "--workspace", str(root), "--json")
    assert solved.returncode == 0 and json.loads(solved.stdout)["score"] == 2.0
    bad = dlcert(dlcert_exe, "check", "nonsense", "--workspace", str(root), "--json")
    assert bad.returncode == 2 and bad.stdout == "" and "unknown module" in bad.stderr
    for command in (["list"], ["hint"], ["progress"], ["info", "--no-torch"]):
        result = dlcert(dlcert_exe, *command, "--workspace", str(root)) if command[0] != "info" else dlcert(dlcert_exe, *command)
        assert result.returncode == 0, (command, result.stderr)


def test_list_hint_progress_skip_do_not_import_torch(tmp_path):
    poison = tmp_path / "poison" / "torch"
    poison.mkdir(parents=True)
    (poison / "__init__.py").write_text("raise RuntimeError('torch was imported')\n")
    root = tmp_path / "ws"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(poison.parent), *sys.path]))
    python = [sys.executable, "-m", "grader"]
    assert dlcert(python, "init", str(root), env=env).returncode == 0
    for command in (["list"], ["hint"], ["progress"], ["skip"], ["info", "--no-torch"]):
        extra = ["--workspace", str(root)] if command[0] != "info" else []
        result = dlcert(python, *command, *extra, env=env)
        assert result.returncode == 0, (command, result.stderr[-2000:])


def test_a_killed_check_loses_no_committed_attempt_or_hint(tmp_path, dlcert_exe):
    root = tmp_path / "ws"
    dlcert(dlcert_exe, "init", str(root))
    dlcert(dlcert_exe, "hint", "--workspace", str(root))
    dlcert(dlcert_exe, "check", "neurons", "--workspace", str(root))
    proc = subprocess.Popen([*dlcert_exe, "check", "--workspace", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    db = sqlite3.connect(root / ".dlcert" / "progress.sqlite")
    assert db.execute("SELECT COUNT(*) FROM attempts WHERE task LIKE 'neurons.%'").fetchone()[0] >= 2
    assert db.execute("SELECT COUNT(*) FROM hints").fetchone()[0] == 1
    assert dlcert(dlcert_exe, "progress", "--workspace", str(root)).returncode == 0


@pytest.mark.parametrize("poll", [True, False], ids=["polling", "native"])
def test_watch_rechecks_on_save_and_moves_on(tmp_path, dlcert_exe, poll):
    root = tmp_path / "ws"
    dlcert(dlcert_exe, "init", str(root))
    args = [*dlcert_exe, "watch", "--workspace", str(root), "--max-runs", "1"] + (["--poll"] if poll else [])
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    first = ""
    try:
        deadline = time.monotonic() + 60
        while "Next: neurons.perceptron" not in first and time.monotonic() < deadline:
            line = proc.stdout.readline()  # the first check is done when its verdict is shown
            if not line:
                break
            first += line
        time.sleep(1.0)  # the watcher starts right after the first verdict
        solve(root)
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "Next: neurons.perceptron" in first
    assert "2/" in out.split("dlcert watch")[-1] and "Next: activations.sigmoid" in out.split("dlcert watch")[-1]
