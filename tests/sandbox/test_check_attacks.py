"""`dlcert check` and `watch` of a hostile module (hostile/reach_out.py): each of its twelve tasks tries
one way out of its job; every one scores 0, nothing it aimed at changes, nothing it read shows
anywhere, and nothing it started survives. One module run covers every attack class below; it runs
twice: with namespaces, and where they fail as in a Docker container (Landlock, seccomp and a fresh
uid or the user's own)."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.workspace import init_workspace
from tests.sandbox.conftest import CANARY, CONTAINED, dlcert, reached, render, snapshot, survivors


@dataclass
class Attack:
    report: dict
    stdout: str
    stderr: str
    before: dict
    after: dict
    left: list
    progress_rows: list

    def result(self, task: str) -> dict:
        return next(r for r in self.report["results"] if r["task"] == f"activations.{task}")

    def message(self, task: str) -> str:
        return " ".join(c["message"] for c in self.result(task)["checks"])


@pytest.fixture(scope="module", params=["namespaces", "no namespaces"])
def attack(request, world, tmp_path_factory) -> Attack:
    prefix = tuple(CONTAINED) if request.param == "no namespaces" else ()
    ws = init_workspace(tmp_path_factory.mktemp("attacker") / "ws")
    args = ("check", "activations", "--json", "--seed", "0", "--workspace", str(ws.root))
    dlcert(*args, env=world.env)  # expected values cached
    before = snapshot(*world.protected())
    module = ws.root / "exercises" / "02_activations" / "activations.py"
    module.write_text(render("reach_out.py", **world.values(ws.root)))
    done = dlcert(*args, env=world.env, prefix=prefix)
    left = survivors()
    with sqlite3.connect(ws.db_path) as conn:
        rows = conn.execute("SELECT task, status FROM attempts").fetchall()
    assert done.returncode == 1, done.stderr
    return Attack(json.loads(done.stdout), done.stdout, done.stderr, before, snapshot(*world.protected()), left, rows)


def scored_zero(attack: Attack, *tasks: str) -> None:
    """Each task scored 0 and reached nothing outside its own job."""
    for task in tasks:
        result = attack.result(task)
        assert result["score"] == 0 and result["status"] != "passed", (task, result["checks"])
        assert reached(attack.message(task)) == [], attack.message(task)


def test_exec_runpy_and_importlib_of_the_shipped_solution_score_zero(attack):
    scored_zero(attack, "sigmoid", "sigmoid_backward", "tanh")
    assert "exec solution.py: refused (" in attack.message("sigmoid")  # not there, or not allowed


def test_without_the_import_blocker_the_course_the_grader_and_torch_are_still_absent(attack):
    scored_zero(attack, "tanh_backward")
    assert "import torch: refused" in attack.message("tanh_backward")


def test_the_reference_cache_and_its_key_cannot_be_read(attack):
    scored_zero(attack, "relu")
    assert "dlcert-reference" not in attack.stdout


def test_the_reference_cache_cannot_be_poisoned(attack):
    scored_zero(attack, "relu_backward")
    assert {k: v for k, v in attack.after.items() if "/references" in k or "cache" in k} == \
        {k: v for k, v in attack.before.items() if "/references" in k or "cache" in k}


def test_other_hand_ins_the_gradebook_and_gradescope_files_are_out_of_sight(attack):
    scored_zero(attack, "leaky_relu")
    assert "files with a canary: []" in attack.message("leaky_relu")


def test_progress_db_classmates_and_results_cannot_be_written(attack):
    scored_zero(attack, "leaky_relu_backward")
    assert attack.after == attack.before  # the classmate, Gradescope's files, the gradebook, the cache
    assert ("activations.softmax", "passed") not in attack.progress_rows
    assert {status for _, status in attack.progress_rows} <= {"not_implemented", "error", "failed"}


def test_the_graders_stdout_environment_and_memory_are_out_of_reach(attack):
    scored_zero(attack, "elu")
    assert attack.stdout.count('"score"') == 1 + len(attack.report["results"])  # one report, ours
    assert attack.report["score"] == 0


def test_no_secret_of_the_grader_reaches_the_job(attack):
    scored_zero(attack, "elu_backward")
    assert "AWS_SECRET_ACCESS_KEY" not in attack.message("elu_backward")
    assert CANARY not in attack.stdout + attack.stderr


def test_no_network(attack, world):
    scored_zero(attack, "softmax")
    assert world.listener.connections == []
    assert "TCP 127.0.0.1: refused" in attack.message("softmax") and "DNS: refused" in attack.message("softmax")


def test_signals_reach_nothing_outside_the_job(attack):
    scored_zero(attack, "softmax_backward")  # and the grader lived to report it


def test_nothing_started_by_the_module_survives(attack):
    assert attack.left == []


def test_watch_grades_the_same_module_the_same_way(world, tmp_path, sandbox):
    """`dlcert watch` re-checks through the same sandbox: the attacks fail there too."""
    import io

    from rich.console import Console

    from grader.course import load_course
    from grader.watch import WatchSession

    ws = init_workspace(tmp_path / "ws")
    (ws.root / "exercises" / "02_activations" / "activations.py").write_text(render("reach_out.py", **world.values(ws.root)))
    before = snapshot(*world.protected())
    session = WatchSession(ws, load_course(), Console(file=io.StringIO()))
    session.sandbox.close()
    session.sandbox = sandbox
    session.check(load_course().exercise("activations"))
    results = [r for task, r in session.last.items() if task.startswith("activations.")]
    assert len(results) == 12 and all(r.score == 0 for r in results)
    assert not any(CANARY in json.dumps(r.to_dict()) for r in results)
    after = snapshot(*world.protected())
    assert all(after.get(path) == value for path, value in before.items())  # new cache entries only: its seed's
    assert survivors() == []


def test_a_symlink_or_fifo_as_the_module_is_refused_not_followed(tmp_path, sandbox):
    """What the grader reads from a learner-writable folder (the module file) is never followed."""
    import os

    from grader.pipeline import check

    ws = init_workspace(tmp_path / "ws")
    module = ws.root / "exercises" / "02_activations" / "activations.py"
    module.unlink()
    module.symlink_to(Path(__file__).resolve().parents[2] / "exercises" / "02_activations" / "solution.py")
    linked = check(["activations.sigmoid"], workspace=ws.root, sandbox=sandbox).results[0]
    assert linked.score == 0 and "symbolic link" in linked.checks[0].message
    module.unlink()
    os.mkfifo(module)
    fifo = check(["activations.sigmoid"], workspace=ws.root, sandbox=sandbox).results[0]  # returns, never blocks
    assert fifo.score == 0 and "not a regular file" in fifo.checks[0].message
