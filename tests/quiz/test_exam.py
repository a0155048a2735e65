"""Timed exam: blueprint draw, score on the exam's scale, per-domain breakdown, review, resume after SIGKILL."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from grader.quiz.bank import load_library
from grader.quiz.blueprint import allocate, build_plan

from .conftest import answers_file

REPO = Path(__file__).resolve().parents[2]
RIGHT = {"t.single": "a", "t.multiple": ["c", "a"], "t.numeric": 4.005}


def test_allocate_largest_remainder():
    assert allocate({"a": 0.6, "b": 0.4}, 5) == {"a": 3, "b": 2}
    assert allocate({"a": 0.2, "b": 0.24, "c": 0.36, "d": 0.2}, 65) == {"a": 13, "b": 16, "c": 23, "d": 13}
    assert sum(allocate({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, 10).values()) == 10


def test_plan_has_no_repeats_and_follows_weights(mini):
    library = load_library([mini])
    cert = library.catalog.cert("test-cert")
    plan, coverage = build_plan(library, cert, 5, np.random.default_rng(0))
    ids = [p["question_id"] for p in plan]
    assert len(ids) == len(set(ids)) == 5
    assert sorted(p["domain"] for p in plan) == ["d1", "d1", "d1", "d2", "d2"]
    assert coverage.complete and coverage.weight_covered == 100


def test_scripted_exam_score_and_breakdown(run, mini, tmp_path):
    answers = answers_file(tmp_path, {**RIGHT, "t.tf": False})  # tf wrong, generated unanswered
    result = run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 7, "--answers", answers, "--json")
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["status"] == "finished"
    assert (r["questions"], r["correct"]) == (5, 3)
    assert r["score"]["value"] == 100 + 900 * 3 / 5 == 640
    assert r["score"]["passed"] is False and r["score"]["estimate"] is True
    assert "estimate" in r["score"]["note"].lower()
    domains = {d["id"]: (d["correct"], d["total"]) for d in r["domains"]}
    assert domains == {"d1": (2, 3), "d2": (1, 2)}
    assert len(r["review"]) == 5 and all("explanation" in e for e in r["review"])
    tf = next(e for e in r["review"] if e["question_id"] == "t.tf")
    assert tf["feedback"] == ["It was true."] and tf["correct_text"] == "true"
    gen = next(e for e in r["review"] if e["question_id"] == "t.generated")
    assert gen["given"] is None and gen["params"] is not None
    assert r["time"]["limit_s"] == 600  # 10 minutes for the real 5 questions


def test_exam_passes_with_every_answer_right(run, mini, tmp_path, data_dir):
    # The generated question's values are drawn from the seed; read them from a first attempt.
    first = json.loads(run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 3, "--answers",
                           answers_file(tmp_path, {}), "--json").stdout)
    gen = next(e for e in first["review"] if e["question_id"] == "t.generated")
    answers = answers_file(tmp_path, {**RIGHT, "t.tf": "t", "t.generated": gen["correct_answer"]})
    r = json.loads(run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 3, "--answers", answers, "--json").stdout)
    assert r["correct"] == 5 and r["score"]["value"] == 1000 and r["score"]["passed"] is True


def test_retired_and_partial_coverage_warnings(run, mini, tmp_path):
    result = run("--bank", mini, "exam", "--cert", "old-cert", "-n", 4, "--answers", answers_file(tmp_path, {}))
    assert result.exit_code == 0
    assert "retired on 2025-01-01" in result.stderr
    assert "supplies 2 of the 4 questions" in result.stderr and "(50%)" in result.stderr


def test_exam_usage_errors(run, mini):
    for args, fragment in ((["exam"], "--cert"), (["exam", "--cert", "nope"], "unknown cert"),
                           (["exam", "--resume"], "no unfinished exam")):
        result = run("--bank", mini, *args)
        assert result.exit_code == 2, args
        assert fragment in result.stderr and result.stdout == ""


def _answers(db: Path) -> list[tuple]:
    """(position, given) of every exam answer committed so far (drafts until the exam is submitted)."""
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT position, given FROM quiz_responses WHERE given IS NOT NULL"
                                " ORDER BY position").fetchall()
        except sqlite3.OperationalError:
            return []


def test_killed_exam_resumes_with_every_earlier_answer(mini, tmp_path, data_dir):
    db = data_dir / "progress.sqlite"
    env = {**os.environ, "DLCERT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", "from grader.quiz.cli import quiz; quiz()", "--bank", str(mini),
           "exam", "--cert", "test-cert", "--seed", "11", "--json"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=tmp_path, text=True)
    # The plan is fixed by the seed; answer the first two questions, line by line, then kill.
    given = []
    for n in (1, 2):
        deadline = time.time() + 30
        while True:
            with sqlite3.connect(db) if db.exists() else _null() as conn:
                plan = conn.execute("SELECT plan FROM quiz_sessions").fetchone() if conn else None
            if plan:
                break
            assert time.time() < deadline, "exam did not start"
            time.sleep(0.05)
        qid = json.loads(plan[0])[n - 1]["question_id"]
        answer = {"t.single": "b", "t.multiple": "a,c", "t.tf": "f", "t.numeric": "4", "t.generated": "1"}[qid]
        given.append(qid)
        proc.stdin.write(answer + "\n")
        proc.stdin.flush()
        while len(_answers(db)) < n:
            assert time.time() < deadline, "answer not committed"
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = _answers(db)
    assert [row[0] for row in before] == [0, 1]

    from click.testing import CliRunner

    from grader.quiz.cli import quiz

    scripted = {"t.single": "a", "t.multiple": ["a", "c"], "t.tf": True, "t.numeric": 4}
    rest = answers_file(tmp_path, scripted)
    result = CliRunner().invoke(quiz, ["--bank", str(mini), "exam", "--resume", "--cert", "test-cert",
                                       "--answers", str(rest), "--json"])
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["status"] == "finished" and r["questions"] == 5
    assert r["answered"] == len(set(given) | set(scripted))  # t.generated has no scripted answer
    with sqlite3.connect(db) as conn:
        attempts = dict(conn.execute("SELECT position, given FROM quiz_attempts").fetchall())
    assert {p: attempts[p] for p, _ in before} == dict(before)  # earlier answers kept, as given
    by_id = {e["question_id"]: e for e in r["review"]}
    assert by_id[given[0]]["given"] == json.loads(before[0][1])
    assert r["seed"] == 11


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False
