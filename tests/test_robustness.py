"""Every command under hostile paths and damaged state files: exit 0, 1 or 2, no traceback, one line, and
nothing changed outside the intended target.

The commands and their path options are discovered from the click tree, so a new command is swept as
soon as it exists; `BASE` gives each one a valid invocation to vary (a command without an entry fails
`test_every_swept_command_has_a_base_invocation`). Runs are in-process (`CliRunner`), one arena each.
"""
from __future__ import annotations

import fnmatch
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import main

CERT = "nvidia-dli-fdl"
BANK = str(Path(__file__).parents[1] / "quizzes" / "banks" / "neurons.yaml")
WS = ("workspace", ["--workspace", "ws"])

BASE: dict[str, list[tuple[str, list[str]]]] = {
    "check": [("targets", ["neurons"]), WS, ("as_json", ["--json"])],
    "watch": [WS],
    "list": [WS],
    "progress": [WS],
    "hint": [WS],
    "skip": [WS],
    "upgrade": [WS],
    "unskip": [("task", ["neurons.perceptron"]), WS],
    "solution": [("task", ["neurons.perceptron"]), WS],
    "reset": [("target", ["neurons"]), WS],
    "submit": [("out_file", ["--out", "hand-in.zip"]), WS],
    "init": [("directory", ["new-ws"])],
    "quiz": [("db", ["--db", "data/quiz.sqlite"]), ("banks", ["--bank", BANK]), ("", ["readiness", "--cert", CERT])],
    "quiz readiness": [("cert", ["--cert", CERT])],
    "quiz exam": [("cert", ["--cert", CERT]), ("count", ["-n", "2"]), ("answers_path", ["--answers", "answers.yaml"])],
    "quiz practice": [("count", ["-n", "1"]), ("answers_path", ["--answers", "answers.yaml"])],
    "quiz review": [("count", ["-n", "1"]), ("answers_path", ["--answers", "answers.yaml"])],
    "quiz export": [("paths", [BANK]), ("out", ["--out", "export.json"])],
    "quiz import": [("file", ["questions.gift"]), ("out", ["--out", "imported.yaml"])],
    "quiz lint": [("paths", [BANK])],
    "quiz coverage": [("root", ["--dir", "DIR"])],
    "class grade": [("submissions", ["hand-ins"]), ("targets", ["--tasks", "neurons"]), ("jobs", ["--jobs", "1"]),
                    ("gradebook", ["--gradebook", "g.sqlite"]), ("out", ["--out", "outcomes"])],
    "class report": [("gradebook", ["--gradebook", "g.sqlite"]), ("out", ["--out", "report.html"])],
    "class feedback": [("gradebook", ["--gradebook", "g.sqlite"]), ("out", ["--out", "feedback"])],
    "class show": [("learner", ["ann"]), ("gradebook", ["--gradebook", "g.sqlite"])],
    "class import-quiz": [("files", ["ann.json"]), ("gradebook", ["--gradebook", "g.sqlite"])],
    "class gradescope-bundle": [("targets", ["--tasks", "neurons"]), ("out", ["--out", "bundle.zip"]),
                                ("wheel", ["--wheel", "fake.whl"])],
}
"""A valid invocation of each command that takes a path or reads a state file, as (parameter, argv) chunks."""

STRING_PATH_PARAMS = {("quiz exam", "answers_path"), ("quiz practice", "answers_path"), ("quiz review", "answers_path")}
"""Options typed as plain strings that name a file (click.Path-typed ones are found by their type)."""

OUTPUTS = ("hand-in.zip", "new-ws", "export.json", "imported.yaml", "outcomes", "report.html", "report-learners",
           "feedback", "bundle.zip",
           "ws/exercises/01_neurons/neurons.py")
STATE = ("ws/.dlcert", "data", "g.sqlite", "g.damaged-*")
"""What a successful base invocation may write: its outputs (reset's is the module it restores, its backup
goes to the state folder) and the state files, a damaged one's moved-aside copy included."""


def commands(group: click.Group = main, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield " ".join((*prefix, name)), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def path_params() -> list[tuple[str, str]]:
    found = [(name, p.name) for name, command in commands() for p in command.params
             if isinstance(p.type, click.Path) or (name, p.name) in STRING_PATH_PARAMS]
    return sorted(found)


def test_every_swept_command_has_a_base_invocation():
    names = {name for name, _ in path_params()}
    assert names - set(BASE) == set(), "add a valid invocation of these commands to BASE"
    every = {(name, p.name) for name, command in commands() for p in command.params}
    assert STRING_PATH_PARAMS <= every, "a path option named in STRING_PATH_PARAMS is gone; update the list"


# --- the arena: a folder with a workspace, a gradebook and the inputs every base invocation needs ------------


def make_arena(root: Path) -> Path:
    from grader.classroom.gradebook import Gradebook
    from grader.store import record_attempts, record_hint

    runner = CliRunner()
    assert runner.invoke(main, ["init", str(root / "ws")]).exit_code == 0
    db = root / "ws" / ".dlcert" / "progress.sqlite"
    record_attempts(db, [(f"m.t{i}", "failed", 0.0, 1.0, f"code{i}", 1, 0.1) for i in range(300)])
    record_hint(db, "neurons.perceptron", 1)
    (root / "data").mkdir()
    (root / "FILE").write_text("a file\n")
    (root / "DIR").mkdir()
    (root / "dossier é").mkdir()
    (root / "hand-ins").mkdir()
    (root / "answers.yaml").write_text("{}\n")
    (root / "questions.gift").write_text("::q1:: 2 + 2 is? {=4 ~3 ~5}\n")
    (root / "ann.json").write_text(json.dumps({"format_version": 1, "attempts": [
        {"question_id": "q1", "correct": True, "answered_at": "2025-01-01T00:00:00+00:00"}]}))
    (root / "fake.whl").write_bytes(b"PK\x05\x06" + bytes(18))
    with Gradebook(root / "g.sqlite") as book:
        book.add_learner("ann")
    for path in (db, root / "g.sqlite"):
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    return root


def snapshot(root: Path) -> dict[str, tuple]:
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            st = path.lstat()
            folder_entry = os.path.isdir(path) and not os.path.islink(path)  # its files speak for it
            out[str(path.relative_to(root))] = (st.st_mode,) if folder_entry else (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def within(path: str, allowed: list[str]) -> bool:
    """`path` is an allowed path (a glob), under one, or a folder made on the way to one."""
    return any(fnmatch.fnmatch(path, a) or path.startswith(a.rstrip("/") + "/") or a.startswith(path + "/")
               for a in allowed if a)


def invoke(root: Path, argv: list[str], monkeypatch):
    import grader.watch

    monkeypatch.chdir(root)
    monkeypatch.setenv("DLCERT_DATA_DIR", str(root / "data"))
    monkeypatch.setattr(grader.watch, "file_changes", lambda folder, poll, stop=None: iter([]))  # one check, then stop
    return CliRunner().invoke(main, argv)


def assert_clean(result, argv):
    text = result.output + result.stderr
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, text[-2000:], result.exception)
    assert "Traceback" not in text, (argv, text[-2000:])
    if result.exit_code != 0:
        message = [line for line in result.stderr.splitlines()
                   if line.strip() and not line.startswith(("Usage:", "Try '", "warning:"))]
        assert len(message) <= 1, (argv, result.stderr)  # none for a check that ran and did not pass


def argv_for(command: str, param: str | None, value: list[str] | None) -> list[str]:
    """The base invocation of `command` with `param`'s chunk replaced by `value` (or added)."""
    words = command.split()
    chunks = dict(BASE[command])
    if param is not None:
        chunks[param] = value
    body = [w for name, chunk in chunks.items() if name for w in chunk]
    if command == "quiz":  # a group option: the base names the subcommand after it
        return ["quiz", *body, *chunks[""]]
    return [*words, *body]


# --- hostile paths ------------------------------------------------------------------------------------------

HOSTILE = {
    "missing-parent": "no/such/folder/x.out",
    "parent-is-a-file": "FILE/x.out",
    "a-file": "FILE",
    "a-folder": "DIR",
    "proc": "/proc/nope/x.out",
    "proc-file": "/proc/version",
    "empty": "",
    "spaces-accents": "dossier é/ü ñ.out",
}


def option_for(command: str, param: str) -> click.Parameter:
    return next(p for name, c in commands() if name == command for p in c.params if p.name == param)


KNOWN: dict[tuple[str, str, str], str] = {}
"""Cases that fail in commands owned by another part of the code, where the central boundary cannot help."""


def hostile_cases():
    for command, param in path_params():
        for case in HOSTILE:
            reason = KNOWN.get((command, param, case))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(command, param, case, marks=marks, id=f"{command}--{param}-{case}")


@pytest.mark.parametrize("command, param, case", list(hostile_cases()))
def test_a_hostile_path_is_one_line_and_changes_nothing_else(tmp_path, monkeypatch, command, param, case):
    root = make_arena(tmp_path / "arena")
    value = HOSTILE[case]
    option = option_for(command, param)
    chunk = [value] if isinstance(option, click.Argument) else [option.opts[0], value]
    argv = argv_for(command, param, chunk)
    before = snapshot(root)
    result = invoke(root, argv, monkeypatch)
    assert_clean(result, argv)
    target = os.path.relpath(os.path.abspath(os.path.join(root, value)), root) if value else ""
    stray = {p for p in changed(before, snapshot(root)) if not within(p, [*STATE, *OUTPUTS, target])}
    assert stray == set(), (argv, stray)


# --- damaged state files ------------------------------------------------------------------------------------


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def a_folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def drop(table: str):
    def dropped(path: Path) -> None:
        db = sqlite3.connect(path)
        db.execute(f"DROP TABLE {table}")
        db.commit()
        db.close()

    return dropped


@dataclass(frozen=True)
class StateFile:
    path: str
    damages: dict
    users: tuple[str, ...]
    """The commands that read it."""


LEARNER = ("check", "watch", "list", "progress", "hint", "skip", "upgrade", "unskip", "solution", "reset", "submit",
           "quiz readiness")
STATE_FILES = {
    "progress": StateFile("ws/.dlcert/progress.sqlite",
                          {"garbage": garbage, "truncated": truncated, "dropped-table": drop("attempts"), "folder": a_folder},
                          LEARNER),
    "marker": StateFile("ws/.dlcert/workspace.json",
                        {"garbage": garbage, "no-seed": lambda p: p.write_text("{}"), "folder": a_folder}, LEARNER),
    "gradebook": StateFile("g.sqlite",
                           {"garbage": garbage, "truncated": truncated, "dropped-table": drop("results"), "folder": a_folder},
                           ("class grade", "class report", "class feedback", "class show", "class import-quiz")),
    "quiz-answers": StateFile("data/quiz.sqlite", {"garbage": garbage, "dropped-table": drop("quiz_cards")},
                              ("quiz",)),
}


def damage_cases():
    for name, state in STATE_FILES.items():
        for how in state.damages:
            for command in state.users:
                yield pytest.param(name, how, command, id=f"{name}-{how}-{command}")


@pytest.mark.parametrize("state, how, command", list(damage_cases()))
def test_a_damaged_state_file_is_one_line_and_changes_nothing_else(tmp_path, monkeypatch, state, how, command):
    root = make_arena(tmp_path / "arena")
    if state == "quiz-answers":  # make the answers file it damages
        assert invoke(root, argv_for("quiz", None, None), monkeypatch).exit_code == 0
    path = root / STATE_FILES[state].path
    STATE_FILES[state].damages[how](path)
    code = {p: (root / p).read_bytes() for p in snapshot(root) if p.startswith("ws/exercises/") and (root / p).is_file()}
    argv = argv_for(command, None, None)
    before = snapshot(root)
    result = invoke(root, argv, monkeypatch)
    assert_clean(result, argv)
    stray = {p for p in changed(before, snapshot(root)) if not within(p, [*STATE, *OUTPUTS])}
    assert stray == set(), (argv, stray)
    if command != "reset":  # the one command asked to change the learner's code
        assert {p: (root / p).read_bytes() for p in code} == code
    if command == "check" and state == "progress":
        assert len(json.loads(result.stdout)["results"]) == 2  # check always grades
