"""Ctrl-C and kill -9 at random points of check, watch, quiz exam and class grade lose nothing committed,
leave sound databases, and a re-run completes; two dlcert processes on one workspace lose no attempt.

Real `dlcert` processes. The random points come from a seeded generator (the seed is in each failure's
message), so a failure can be replayed with DLCERT_INTERRUPT_SEED.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from grader.course import load_course

COURSE = load_course()
NEURONS = COURSE.exercise("neurons")
ACTIVATIONS = COURSE.exercise("activations")
LEARNERS = 12
TASKS = len(NEURONS.tasks) + len(ACTIVATIONS.tasks)
SEED = int(os.environ.get("DLCERT_INTERRUPT_SEED", random.randrange(10**6)))
CERT = "nvidia-nca-genl"
"""An exam with a multiple-choice paper (the DLI assessment is hands-on: it has none)."""
SIGNALS = {"SIGINT": signal.SIGINT, "SIGKILL": signal.SIGKILL}


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, DLCERT_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")


def dlcert(exe, *args, env, check=True, stdin=None, timeout=180):
    result = subprocess.run([*exe, *args], capture_output=True, text=True, env=env, timeout=timeout, input=stdin)
    assert not check or result.returncode in (0, 1), (args, result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, (args, result.stderr[-2000:])
    return result


def start(exe, args: list[str], env, tmp_path: Path, **kwargs) -> subprocess.Popen:
    """A dlcert in its own process group (so what it leaves behind can be found), stderr to a file."""
    err = open(tmp_path / f"stderr-{time.monotonic_ns()}.txt", "w+")
    proc = subprocess.Popen([*exe, *args], stdout=subprocess.DEVNULL, stderr=err, text=True, env=env,
                            start_new_session=True, **kwargs)
    proc.err = err
    return proc


def survivors(proc: subprocess.Popen) -> bool:
    """Whether anything of `proc`'s process group is still running (then it is ended here)."""
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    time.sleep(2.0)  # a pool worker may take a moment to notice its parent is gone
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def interrupt(proc: subprocess.Popen, name: str, delay: float) -> str:
    """Send the signal after `delay` seconds (unless the process is done); check how it ended."""
    try:
        proc.wait(delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(SIGNALS[name])
    proc.wait(60)
    proc.err.seek(0)
    err = proc.err.read()
    where = f"seed {SEED}, {name} after {delay:.2f} s"
    assert proc.returncode in (0, 1, 130, -signal.SIGKILL), (where, proc.returncode, err[-2000:])
    assert "Traceback" not in (err or ""), (where, err[-2000:])
    if name == "SIGINT" and proc.returncode == 130:
        assert "Interrupted" in err or "Stopped" in err, (where, err)
    return where


def sound(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    return db


def rows(path: Path, sql: str) -> list[tuple]:
    db = sound(path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def workspace(exe, root: Path, env) -> Path:
    dlcert(exe, "init", str(root), env=env)
    shutil.copyfile(NEURONS.solution_path, root / "exercises" / NEURONS.folder / "neurons.py")
    dlcert(exe, "check", "neurons", "--workspace", str(root), env=env)
    dlcert(exe, "hint", "activations.sigmoid", "--workspace", str(root), env=env)
    return root


ATTEMPTS = "SELECT task, code_hash, status FROM attempts WHERE task LIKE 'neurons.%' ORDER BY id"


@pytest.mark.parametrize("name", list(SIGNALS))
@pytest.mark.parametrize("command", ["check", "watch"])
def test_an_interrupted_check_or_watch_keeps_every_committed_attempt(tmp_path, dlcert_exe, env, command, name):
    rng = random.Random(f"{SEED}-{command}-{name}")
    root = workspace(dlcert_exe, tmp_path / "ws", env)
    db = root / ".dlcert" / "progress.sqlite"
    committed = rows(db, ATTEMPTS)
    args = ["check"] if command == "check" else ["watch", "--poll"]
    proc = start(dlcert_exe, [*args, "--workspace", str(root)], env, tmp_path)
    if command == "watch":
        time.sleep(rng.uniform(0.5, 2.0))
        (root / "exercises" / "02_activations" / "activations.py").write_text("def sigmoid(x):\n    return x\n")
    where = interrupt(proc, name, rng.uniform(0.3, 3.0))
    assert not survivors(proc), f"{where}: processes of the interrupted {command} were still running"
    assert rows(db, ATTEMPTS)[: len(committed)] == committed, where
    assert rows(db, "SELECT task, level FROM hints") == [("activations.sigmoid", 1)], where
    again = dlcert(dlcert_exe, "check", "neurons", "--json", "--workspace", str(root), env=env)
    assert again.returncode == 0 and json.loads(again.stdout)["score"] == 2.0, where


def test_an_interrupted_quiz_exam_keeps_every_answer_and_resumes(tmp_path, dlcert_exe, env):
    rng = random.Random(f"{SEED}-exam")
    db = tmp_path / "quiz.sqlite"
    quiz = ["quiz", "--db", str(db), "exam", "--cert", CERT, "-n", "6", "--time-limit", "60"]
    (tmp_path / "none.yaml").write_text("{}\n")
    dlcert(dlcert_exe, *quiz, "--seed", "1", "--answers", str(tmp_path / "none.yaml"), env=env)  # a finished exam
    finished = rows(db, "SELECT * FROM quiz_attempts ORDER BY id")
    for name in SIGNALS:
        proc = start(dlcert_exe, [*quiz, "--seed", "2"], env, tmp_path, stdin=subprocess.PIPE)
        fed = []
        deadline = time.monotonic() + rng.uniform(0.5, 4.0)
        while time.monotonic() < deadline and len(fed) < 5 and proc.poll() is None:
            fed.append(f"answer {len(fed)}")
            proc.stdin.write(fed[-1] + "\n")
            proc.stdin.flush()
            time.sleep(rng.uniform(0.05, 0.5))
        where = interrupt(proc, name, 0.0)
        assert rows(db, f"SELECT * FROM quiz_attempts ORDER BY id LIMIT {len(finished)}") == finished, where
        open_exam = rows(db, "SELECT id FROM quiz_sessions WHERE finished_at IS NULL ORDER BY id DESC LIMIT 1")
        if open_exam:  # its draft answers are kept, in order, no more than it was given
            given = rows(db, f"SELECT position FROM quiz_responses WHERE session_id = {open_exam[0][0]} "
                             "AND given IS NOT NULL ORDER BY position")
            assert [p for p, in given] == list(range(len(given))) and len(given) <= len(fed), where
            resumed = dlcert(dlcert_exe, *quiz[:4], "--resume", "--answers", str(tmp_path / "none.yaml"), env=env)
            assert resumed.returncode == 0, (where, resumed.stderr)
    assert rows(db, "SELECT COUNT(*) FROM quiz_sessions WHERE finished_at IS NULL") == [(0,)]


@pytest.mark.parametrize("name", list(SIGNALS))
def test_an_interrupted_class_grade_keeps_every_result_and_a_rerun_grades_the_rest(tmp_path, dlcert_exe, env, name):
    rng = random.Random(f"{SEED}-class-{name}")
    hand_ins = tmp_path / "hand-ins"
    for n in range(LEARNERS):
        for exercise in (NEURONS, ACTIVATIONS):
            target = hand_ins / f"learner{n}" / "exercises" / exercise.folder / f"{exercise.module}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            source = exercise.solution_path if n % 2 else exercise.stub_path
            target.write_text(source.read_text() + f"\n# learner {n}\n")
    book = tmp_path / "class.sqlite"
    grade = ["class", "grade", str(hand_ins / "learner0"), "--tasks", "neurons", "--tasks", "activations", "--jobs", "1",
             "--gradebook", str(book)]
    dlcert(dlcert_exe, *grade, env=env)
    committed = rows(book, "SELECT * FROM results ORDER BY id")
    assert len(committed) == TASKS
    grade[2] = str(hand_ins)
    proc = start(dlcert_exe, grade, env, tmp_path)
    where = interrupt(proc, name, rng.uniform(0.5, 2.5))
    left_behind = survivors(proc)
    assert rows(book, f"SELECT * FROM results ORDER BY id LIMIT {len(committed)}") == committed, where
    graded = rows(book, "SELECT learner_id FROM submissions WHERE status = 'graded'")
    for (learner,) in graded:  # a submission marked graded has all of its results
        assert rows(book, "SELECT COUNT(*) FROM results r JOIN submissions s ON s.id = r.submission_id"
                          f" WHERE s.learner_id = '{learner}'") == [(TASKS,)], where
    dlcert(dlcert_exe, *grade, env=env)
    assert sorted(rows(book, "SELECT learner_id, status FROM submissions")) == sorted(
        (f"learner{n}", "graded") for n in range(LEARNERS)), where
    if name == "SIGKILL" and left_behind:
        pytest.xfail("a killed `class grade` leaves its pool worker and that worker's sandbox running (the spawn "
                     "worker is re-parented to init); owned by grader/classroom/grading.py's LocalExecutor")
    assert not left_behind, f"{where}: processes of the interrupted run were still running"


def test_watch_and_a_check_in_another_terminal_lose_no_attempt(tmp_path, dlcert_exe, env):
    """Every version saved is one attempt, recorded by whichever process got there first, never twice."""
    root = tmp_path / "ws"
    dlcert(dlcert_exe, "init", str(root), env=env)
    module = root / "exercises" / NEURONS.folder / "neurons.py"
    watch = subprocess.Popen([*dlcert_exe, "watch", "--poll", "--workspace", str(root)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "Next:" in watch.stdout.readline() + watch.stdout.readline() + watch.stdout.readline()
        versions = 3
        for i in range(versions):
            temp = module.with_name(".neurons.py.new")
            temp.write_text(NEURONS.solution_path.read_text() + f"\n# version {i}\n")
            os.replace(temp, module)  # as an editor saves
            time.sleep(0.4)  # the watcher sees the save and grades it while the check below does too
            dlcert(dlcert_exe, "check", "neurons", "--workspace", str(root), env=env)
        time.sleep(1.0)
    finally:
        watch.send_signal(signal.SIGINT)
        _, err = watch.communicate(timeout=60)
    assert "Traceback" not in err and "locked" not in err, err
    hashes = [h for _, h, _ in rows(root / ".dlcert" / "progress.sqlite", ATTEMPTS.replace("'neurons.%'", "'neurons.perceptron'"))]
    assert len(set(hashes)) == versions + 1  # the stub, then each version
    assert all(a != b for a, b in zip(hashes, hashes[1:])), "a version was recorded as two attempts"
