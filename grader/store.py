"""The workspace's progress database (SQLite): attempts, hints and skips, each written in a transaction."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from grader.errors import PathError, StateError
from grader.sqlite import Database, open_db

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    task TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    code_hash TEXT NOT NULL,
    seed INTEGER,
    duration REAL NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 1,
    passed_any INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attempts_task ON attempts(task, at);
CREATE TABLE IF NOT EXISTS hints (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    task TEXT NOT NULL,
    level INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS skips (
    task TEXT PRIMARY KEY,
    at REAL NOT NULL
);
"""

_MIGRATIONS = {
    1: [  # v2: one row per version of the code; re-checks of it are counted, and a pass is kept
        "ALTER TABLE attempts ADD COLUMN checks INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE attempts ADD COLUMN passed_any INTEGER NOT NULL DEFAULT 0",
        "UPDATE attempts SET passed_any = (status = 'passed')",
    ],
}
"""Statements that bring a database from version N to N + 1."""


TABLES = ("attempts", "hints", "skips")
"""The tables every version of the file has (a file with only some of them lost one)."""


class StoreError(StateError):
    """The progress database is from a newer dlcert."""


@contextmanager
def connect(path: Path, write: bool = True) -> Iterator[Database]:
    """One transaction on the progress database, its schema in place; rolled back on any error.

    The file is checked and, when damaged, moved aside and started anew (see `grader.sqlite`).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError.from_os("write", path.parent, exc) from exc
    db = open_db(path, tables=TABLES)
    try:
        _migrate(db, path)
        with db.transaction(write):
            yield db
    finally:
        db.close()


def _migrate(db: Database, path: Path) -> None:
    """Bring the file to SCHEMA_VERSION, once, even when two processes open it at the same moment."""
    if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    with db.transaction():
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer dlcert (schema {version}); upgrade dlcert")
        if version == SCHEMA_VERSION:
            return
        steps = [s for v in range(version, SCHEMA_VERSION) if version for s in _MIGRATIONS[v]]
        for statement in steps + [s for s in _SCHEMA.split(";") if s.strip()]:
            db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def record_attempts(path: Path, rows: list[tuple[str, str, float, float, str, int | None, float]]) -> int:
    """Record (task, status, score, max_score, code_hash, seed, duration) rows in one transaction.

    A row is a new attempt only when the task's code (or the seed) differs from its latest attempt's;
    a re-check of the same code updates that attempt's result instead, so re-saving without a change
    neither counts as trying again nor adds to the time spent. A task that is still a stub is not
    tried again when another task of its file changes. (`code_hash` is the module file's, so an edit
    of one function still counts for the implemented tasks beside it.) Returns how many were added.
    """
    now = time.time()
    added = 0
    with connect(path) as db:
        for task, status, score, max_score, code_hash, seed, duration in rows:
            latest = db.execute(
                "SELECT id, code_hash, seed, status FROM attempts WHERE task = ? ORDER BY at DESC, id DESC LIMIT 1",
                (task,),
            ).fetchone()
            still_a_stub = latest is not None and status == latest[3] == "not_implemented"
            if latest is not None and ((latest[1], latest[2]) == (code_hash, seed) or still_a_stub):
                db.execute(
                    "UPDATE attempts SET status = ?, score = ?, max_score = ?, duration = ?, checks = checks + 1,"
                    " passed_any = MAX(passed_any, ?) WHERE id = ?",
                    (status, score, max_score, duration, status == "passed", latest[0]),
                )
                continue
            db.execute(
                "INSERT INTO attempts (at, task, status, score, max_score, code_hash, seed, duration, passed_any)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now, task, status, score, max_score, code_hash, seed, duration, status == "passed"),
            )
            added += 1
    return added


def task_history(path: Path) -> dict[str, dict]:
    """Per task: latest status, whether it ever passed, attempts, hints used, skipped, time spent."""
    history: dict[str, dict] = {}
    if not path.exists():
        return history
    with connect(path, write=False) as db:
        for task, status, at, passed_any in db.execute("SELECT task, status, at, passed_any FROM attempts ORDER BY at, id"):
            row = history.setdefault(task, _empty())
            row["status"] = status
            row["passed_ever"] = row["passed_ever"] or bool(passed_any)
            row["attempts"] += 1
            row["times"].append(at)
        for task, level in db.execute("SELECT task, MAX(level) FROM hints GROUP BY task"):
            history.setdefault(task, _empty())["hints"] = level
        for (task,) in db.execute("SELECT task FROM skips"):
            history.setdefault(task, _empty())["skipped"] = True
    return history


def _empty() -> dict:
    return {"status": None, "passed_ever": False, "attempts": 0, "hints": 0, "skipped": False, "times": []}


def record_hint(path: Path, task: str, level: int) -> None:
    with connect(path) as db:
        db.execute("INSERT INTO hints (at, task, level) VALUES (?, ?, ?)", (time.time(), task, level))


def set_skipped(path: Path, task: str, skipped: bool) -> None:
    with connect(path) as db:
        if skipped:
            db.execute("INSERT OR REPLACE INTO skips (task, at) VALUES (?, ?)", (task, time.time()))
        else:
            db.execute("DELETE FROM skips WHERE task = ?", (task,))
