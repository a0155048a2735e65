"""store: attempts are versions of the code, re-checks update them, and old databases are migrated."""
import sqlite3

from grader.store import SCHEMA_VERSION, connect, record_attempts, task_history


def row(status="failed", code="aaa", seed=1):
    return ("m.t", status, 1.0 if status == "passed" else 0.0, 1.0, code, seed, 0.1)


def test_an_attempt_counts_only_when_the_code_or_seed_changed(tmp_path):
    db = tmp_path / "p.sqlite"
    assert record_attempts(db, [row()]) == 1
    assert record_attempts(db, [row()]) == 0  # the same code re-checked (watch, a re-save)
    assert record_attempts(db, [row(code="bbb")]) == 1
    assert record_attempts(db, [row(code="bbb", seed=2)]) == 1
    history = task_history(db)["m.t"]
    assert history["attempts"] == 3 and len(history["times"]) == 3


def test_a_stub_rechecked_after_another_task_changed_is_no_new_attempt(tmp_path):
    db = tmp_path / "p.sqlite"
    record_attempts(db, [row("not_implemented", code="aaa")])
    assert record_attempts(db, [row("not_implemented", code="bbb")]) == 0
    assert record_attempts(db, [row("failed", code="ccc")]) == 1


def test_a_recheck_of_the_same_code_updates_the_status_and_keeps_a_pass(tmp_path):
    db = tmp_path / "p.sqlite"
    record_attempts(db, [row("passed")])
    record_attempts(db, [row("timeout")])  # the same code timed out under load
    history = task_history(db)["m.t"]
    assert history == {**history, "status": "timeout", "passed_ever": True, "attempts": 1}
    with connect(db) as conn:
        assert conn.execute("SELECT checks FROM attempts").fetchone()[0] == 2


def test_a_version_1_database_is_migrated_and_keeps_its_passes(tmp_path):
    """Version 1's schema, as dlcert 0.1 made it."""
    db = tmp_path / "p.sqlite"
    old = sqlite3.connect(db)
    old.executescript("""
        CREATE TABLE attempts (id INTEGER PRIMARY KEY, at REAL NOT NULL, task TEXT NOT NULL, status TEXT NOT NULL,
            score REAL NOT NULL, max_score REAL NOT NULL, code_hash TEXT NOT NULL, seed INTEGER,
            duration REAL NOT NULL DEFAULT 0);
        CREATE TABLE hints (id INTEGER PRIMARY KEY, at REAL NOT NULL, task TEXT NOT NULL, level INTEGER NOT NULL);
        CREATE TABLE skips (task TEXT PRIMARY KEY, at REAL NOT NULL);
        INSERT INTO attempts (at, task, status, score, max_score, code_hash, seed) VALUES (1, 'm.t', 'passed', 1, 1, 'aaa', 1);
        PRAGMA user_version = 1;
    """)
    old.close()
    record_attempts(db, [row("failed")])
    history = task_history(db)["m.t"]
    assert history["passed_ever"] and history["status"] == "failed" and history["attempts"] == 1
    with connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
