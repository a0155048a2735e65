"""The hostile class: every submission gets the right verdicts, nothing outside the temporary copies is
touched, and a run killed halfway loses nothing and regrades nothing when run again."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from grader.classroom.gradebook import Gradebook
from tests.classroom import classgen

pytestmark = pytest.mark.slow


def test_the_class_is_big_and_varied(graded_class):
    expected = graded_class.expected
    assert len(expected) >= 30
    kinds = {s for s in (e.submission for e in expected.values())}
    assert kinds == {"graded", "rejected", "corrupt", "empty"}
    print(f"\nclass of {len(expected)} graded in {graded_class.seconds:.1f} s with 2 jobs")


def test_every_submission_gets_its_verdicts(graded_class):
    tasks = classgen.task_ids()
    problems = []
    with Gradebook(graded_class.gradebook) as book:
        subs = {s.learner_id: s for s in book.submissions()}
        assert sorted(subs) == sorted(graded_class.expected)
        for learner, want in graded_class.expected.items():
            sub = subs[learner]
            if sub.status != want.submission:
                problems.append(f"{learner}: submission {sub.status} ({sub.message}), want {want.submission}")
                continue
            results = {r["task"]: r for r in book.results(sub.id)}
            if want.submission != "graded":
                assert not results and sub.message, learner  # a clear reason, no task rows
                continue
            assert sorted(results) == sorted(tasks), learner
            for task in want.only or tasks:
                status = results[task]["status"]
                allowed = want.tasks.get(task, "passed").split("|")
                if status not in allowed:
                    problems.append(f"{learner}: {task} is {status}, want {'/'.join(allowed)}")
                if task in want.mistakes and results[task]["mistake"] != want.mistakes[task]:
                    problems.append(f"{learner}: {task} named {results[task]['mistake']}, want {want.mistakes[task]}")
    assert not problems, "\n".join(problems)


def test_bad_hand_ins_say_why(graded_class):
    with Gradebook(graded_class.gradebook) as book:
        message = {s.learner_id: s.message for s in book.submissions()}
    assert "climbs out" in message["x01_traversal"]
    assert "absolute" in message["x02_absolute"]
    assert "/etc/passwd" in message["x03_tar_symlink"] and "/etc/passwd" in message["x04_folder_symlink"]
    assert "symbolic link" in message["x05_zip_symlink"]
    assert "zip bomb" in message["x06_zip_bomb"]
    assert "MiB" in message["x07_tar_bomb"]
    assert "no module file" in message["x08_empty"]
    assert "not a folder" in message["x10_not_an_archive"]
    assert "2000 files" in message["x12_many_files"]


def test_nothing_outside_the_temporary_copies_is_touched(graded_class):
    assert graded_class.after == graded_class.before  # the hand-ins: same entries, bytes and times
    assert list(graded_class.tmpdir.iterdir()) == []  # every temporary copy was removed
    root = graded_class.folder.parent
    assert not list(root.rglob("escaped.py"))
    assert not Path("/tmp/dlcert-absolute-escape.py").exists()
    assert Path("/etc/passwd").is_file() and not Path("/etc/passwd").is_symlink()


def test_the_progress_summary_reports_the_rate(graded_class):
    summary = " ".join(graded_class.output.split())  # the terminal may wrap the line anywhere
    assert "per minute" in summary
    assert f"{len(graded_class.expected)} submissions" in summary


def test_a_rerun_grades_nothing_that_was_done(graded_class, class_cmd):
    with Gradebook(graded_class.gradebook) as book:
        before = book.conn.execute("SELECT id, graded_at FROM results ORDER BY id").fetchall()
        subs_before = book.count("submissions")
    done = subprocess.run([*class_cmd, "grade", str(graded_class.folder), "-t", "neurons", "-t", "activations", "-j", "2",
                           "-g", str(graded_class.gradebook)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Gradebook(graded_class.gradebook) as book:
        after = book.conn.execute("SELECT id, graded_at FROM results ORDER BY id").fetchall()
        run = book.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        assert book.count("submissions") == subs_before
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    assert run["graded"] == 0 and run["skipped"] == len(graded_class.expected)


def _graded_ids(gradebook: Path) -> dict[int, str]:
    conn = sqlite3.connect(gradebook, timeout=30)
    try:
        return dict(conn.execute("SELECT id, graded_at FROM submissions WHERE status = 'graded'").fetchall())
    except sqlite3.OperationalError:  # not created yet
        return {}
    finally:
        conn.close()


@pytest.mark.parametrize("how", ["SIGKILL", "Ctrl-C"])
def test_killed_halfway_then_rerun_loses_nothing_and_regrades_nothing(tmp_path, graded_class, class_cmd, how):
    folder = tmp_path / "subs"
    folder.mkdir()
    for entry in sorted(graded_class.folder.iterdir()):
        if entry.name.startswith(("c0", "m_", "p0")):
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, folder / entry.name)
    total = len(list(folder.iterdir()))
    gradebook = tmp_path / "book.sqlite"
    command = [*class_cmd, "grade", str(folder), "-t", "neurons", "-t", "activations", "-j", "1", "-g", str(gradebook)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while len(_graded_ids(gradebook)) < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
        if how == "Ctrl-C":
            proc.send_signal(signal.SIGINT)
            output, _ = proc.communicate(timeout=30)
            assert proc.returncode == 130 and "Interrupted" in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, mid-flight
        proc.communicate()
    done_before = _graded_ids(gradebook)
    assert 4 <= len(done_before) < total
    with Gradebook(gradebook) as book:
        rows_before = book.conn.execute("SELECT id, submission_id, graded_at FROM results ORDER BY id").fetchall()
    assert len(rows_before) == 14 * len(done_before)  # whole submissions only: each is one transaction

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr
    with Gradebook(gradebook) as book:
        after = {s.id: s for s in book.submissions()}
        rows_after = book.conn.execute("SELECT id, submission_id, graded_at FROM results ORDER BY id").fetchall()
        run = book.conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    assert len(after) == total and all(s.status == "graded" for s in after.values())
    assert {i: after[i].graded_at for i in done_before} == done_before  # nothing done was regraded
    assert [tuple(r) for r in rows_after[: len(rows_before)]] == [tuple(r) for r in rows_before]
    assert len(rows_after) == 14 * total  # nothing lost
    # identical hand-ins (c01_folder and c06_workspace hold the same module files) reuse results too
    assert run["graded"] + run["skipped"] == total and len(done_before) <= run["skipped"] <= len(done_before) + 1


def test_the_summary_names_every_hand_in_that_could_not_be_graded(graded_class):
    failed = [learner for learner, e in graded_class.expected.items() if e.submission != "graded"]
    assert "Could not be graded:" in graded_class.output
    for learner in failed:
        assert f"\n  {learner} (" in graded_class.output, learner
    assert "  x01_traversal (x01_traversal.zip): rejected: the path" in graded_class.output
