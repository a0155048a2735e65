"""The gradebook: versioned schema with migrations, result keys, quiz imports."""
from __future__ import annotations

import json
import sqlite3

import pytest

from grader.classroom.gradebook import SCHEMA_VERSION, Gradebook, GradebookError
from grader.results import Check, Diagnosis, TaskResult


def result(task: str, status: str = "passed", mistake: str | None = None) -> TaskResult:
    diagnosis = Diagnosis(mistake, "small", 1.0, 0.5, "text <b>") if status != "passed" else None
    return TaskResult(task, status, 1.0 if status == "passed" else 0.0, 1.0, [Check("small", status == "passed", "ok")], diagnosis, 0.25)


def test_a_new_gradebook_has_the_latest_schema(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        assert book.version == SCHEMA_VERSION >= 3


def test_an_old_gradebook_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    with Gradebook(path, upto=1) as old:
        assert old.version == 1
        old.add_learner("ann")
        sub_id = old.conn.execute(  # written as version 1 wrote it
            "INSERT INTO submissions (learner_id, content_hash, source, kind, seed, status, received_at, first_seen_at)"
            " VALUES ('ann', 'h1', 'ann.zip', 'zip', 0, 'graded', '2026-01-01T00:00:00+00:00', 'now')").lastrowid
        old.conn.execute(
            "INSERT INTO results (submission_id, task, task_hash, dlcert_version, status, score, max_score, checks, duration,"
            " graded_at) VALUES (?, 'neurons.perceptron', 't', '0.1.0', 'passed', 1, 1, '[]', 0.1, 'now')", (sub_id,))
        with pytest.raises(sqlite3.OperationalError):
            old.conn.execute("SELECT * FROM quiz_attempts")
    with Gradebook(path) as book:
        assert book.version == SCHEMA_VERSION
        assert book.count("results") == 1 and book.count("quiz_attempts") == 0 and book.count("runs") == 0
        row = book.conn.execute("SELECT run_id FROM results").fetchone()
        assert row["run_id"] is None  # the column added by migration 3
        sub = book.submissions("ann")[0]
        assert (sub.layout, sub.note, book.keyed()) == ("plain", "", False)  # migration 4's defaults


def test_a_newer_gradebook_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(GradebookError, match="newer"):
        Gradebook(path)


def test_a_damaged_gradebook_is_moved_aside_and_a_new_one_started(tmp_path):
    damaged = b"this is not sqlite" * 100
    (tmp_path / "x.sqlite").write_bytes(damaged)
    with Gradebook(tmp_path / "x.sqlite") as book:
        assert book.version == SCHEMA_VERSION
    assert [p.read_bytes() for p in tmp_path.glob("x.damaged-*.sqlite")] == [damaged]


def test_results_are_keyed_by_task_hash_and_version(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        sub = book.submission("ann", "h1", 3, source="a", kind="folder", received_at="t")
        hashes = {"m.a": "A1", "m.b": "B1"}
        book.record_results(sub.id, [result("m.a"), result("m.b", "failed", "no_bias")], hashes, "0.1.0")
        assert book.done_tasks(sub.id, hashes, "0.1.0") == {"m.a", "m.b"}
        assert book.done_tasks(sub.id, {"m.a": "A2", "m.b": "B1"}, "0.1.0") == {"m.b"}  # m.a's spec changed
        assert book.done_tasks(sub.id, hashes, "0.2.0") == set()  # a new dlcert
        # the same content and seed for someone else reuses the results
        cached = book.cached_results("h1", 3, hashes, "0.1.0")
        assert cached["m.b"].diagnosis.mistake == "no_bias" and cached["m.b"].checks[0].name == "small"
        assert book.cached_results("h1", 4, hashes, "0.1.0") == {}
        stored = {r["task"]: r for r in book.results(sub.id)}
        assert stored["m.b"]["mistake"] == "no_bias" and stored["m.b"]["diagnosis"]["text"] == "text <b>"
        assert book.submissions()[0].status == "graded"


def test_a_batch_of_hand_ins_is_committed_whole_or_not_at_all(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        ann, bob = (book.submission(name, f"h-{name}", 0, source=name, kind="folder", received_at="t") for name in ("ann", "bob"))
        with pytest.raises(KeyError):  # bob's task has no spec hash: the whole batch is rolled back
            book.record_many([(ann.id, [result("m.a")]), (bob.id, [result("m.x")])], {"m.a": "A1"}, "0.1.0")
        assert book.count("results") == 0 and {s.status for s in book.submissions()} != {"graded"}
        book.record_many([(ann.id, [result("m.a")]), (bob.id, [result("m.a", "failed", "no_bias")])], {"m.a": "A1"}, "0.1.0")
        assert book.count("results") == 2 and {s.status for s in book.submissions()} == {"graded"}


def test_quiz_imports_are_idempotent_and_self_reported(tmp_path):
    attempts = [{"question_id": "q1", "correct": True, "answered_at": "2026-01-01T10:00:00+00:00", "session_id": 1, "position": 0},
                {"question_id": "q2", "correct": False, "answered_at": "2026-01-01T10:01:00+00:00", "session_id": 1, "position": 1}]
    with Gradebook(tmp_path / "g.sqlite") as book:
        assert book.import_quiz_attempts("ann", attempts, "ann.json") == 2
        assert book.import_quiz_attempts("ann", attempts, "ann.json") == 0
        rows = book.quiz_attempts("ann")
        assert [r["self_reported"] for r in rows] == [1, 1] and [r["correct"] for r in rows] == [1, 0]
        assert json.loads(rows[0]["given"]) is None
