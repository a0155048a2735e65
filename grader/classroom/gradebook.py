"""The class gradebook: one SQLite file, its schema versioned by `PRAGMA user_version`.

Migrations are applied in order, each in its own transaction, so an old gradebook opens under a new
dlcert. Every graded submission's results are committed as soon as they arrive: a crash or Ctrl-C
loses nothing done, and a rerun finds each result by its key (submission content hash, dlcert
version, task spec hash, seed) and grades only what is missing.
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from grader.results import TaskResult
from grader.sqlite import open_db

DEFAULT_PATH = Path("dlcert-class.sqlite")

MIGRATIONS: list[str] = [
    # 1: learners, submissions and per-task results
    """
    CREATE TABLE learners (
        id TEXT PRIMARY KEY,
        name TEXT,
        email TEXT,
        on_roster INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id),
        content_hash TEXT NOT NULL,
        source TEXT NOT NULL,             -- the path it was read from
        kind TEXT NOT NULL,               -- folder | zip | tar | py | link | file
        seed INTEGER NOT NULL,
        status TEXT NOT NULL,             -- pending | graded | rejected | corrupt | empty | crashed
        message TEXT NOT NULL DEFAULT '',
        received_at TEXT NOT NULL,        -- the file's modification time
        first_seen_at TEXT NOT NULL,
        graded_at TEXT,
        UNIQUE (learner_id, content_hash, seed)
    );
    CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submissions(id),
        task TEXT NOT NULL,
        task_hash TEXT NOT NULL,
        dlcert_version TEXT NOT NULL,
        status TEXT NOT NULL,
        score REAL NOT NULL,
        max_score REAL NOT NULL,
        checks TEXT NOT NULL,             -- JSON list of Check
        diagnosis TEXT,                   -- JSON Diagnosis or NULL
        mistake TEXT,                     -- Diagnosis.mistake, for reports
        duration REAL NOT NULL,
        output TEXT NOT NULL DEFAULT '',
        graded_at TEXT NOT NULL,
        UNIQUE (submission_id, task, task_hash, dlcert_version)
    );
    CREATE INDEX results_task ON results(task);
    """,
    # 2: quiz attempts imported from learners' own exports (self-reported)
    """
    CREATE TABLE quiz_attempts (
        id INTEGER PRIMARY KEY,
        learner_id TEXT NOT NULL REFERENCES learners(id),
        question_id TEXT NOT NULL,
        mode TEXT,
        session_id INTEGER,
        position INTEGER,
        given TEXT,
        correct INTEGER NOT NULL,
        seconds REAL,
        answered_at TEXT NOT NULL,
        self_reported INTEGER NOT NULL DEFAULT 1,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );
    -- one row per answer however often it is imported (NULLs would be distinct in a plain UNIQUE)
    CREATE UNIQUE INDEX quiz_attempts_once ON quiz_attempts
        (learner_id, question_id, answered_at, COALESCE(session_id, -1), COALESCE(position, -1));
    """,
    # 3: one row per `class grade` run, for the record and for timing
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        dlcert_version TEXT NOT NULL,
        executor TEXT NOT NULL,
        jobs INTEGER,
        tasks TEXT NOT NULL,              -- JSON list of task ids
        submissions INTEGER NOT NULL DEFAULT 0,
        graded INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE results ADD COLUMN run_id INTEGER REFERENCES runs(id);
    """,
    # 4: how a hand-in was found (an LMS's layout, which file was graded), and whether a run's
    # seeds came from a secret (a later run without it must not silently regrade with seed 0)
    """
    ALTER TABLE submissions ADD COLUMN layout TEXT NOT NULL DEFAULT 'plain';
    ALTER TABLE submissions ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class GradebookError(Exception):
    """The gradebook cannot be opened (newer than this dlcert, or not a gradebook)."""


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    learner_id: str
    content_hash: str
    source: str
    kind: str
    seed: int
    status: str
    message: str
    received_at: str
    graded_at: str | None
    layout: str = "plain"
    note: str = ""


class Gradebook:
    """One open gradebook; every write is its own committed transaction."""

    def __init__(self, path: Path | str = DEFAULT_PATH, *, upto: int = SCHEMA_VERSION):
        self.path = Path(path)
        if self.path.parent != Path(""):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = open_db(self.path, tables=("learners", "submissions", "results"), timeout=30)
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.migrate(upto)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise GradebookError(f"{self.path} is not a dlcert gradebook ({exc})") from exc

    def __enter__(self) -> "Gradebook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @property
    def version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self, upto: int = SCHEMA_VERSION) -> None:
        """Apply the migrations this file has not had yet, each atomically with its version bump."""
        current = self.version
        if current > SCHEMA_VERSION:
            raise GradebookError(
                f"{self.path} has schema version {current}, newer than this dlcert knows ({SCHEMA_VERSION}); upgrade dlcert"
            )
        for number in range(current + 1, upto + 1):
            statements = [s for s in MIGRATIONS[number - 1].split(";") if s.strip()]
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                if self.version >= number:  # another process migrated meanwhile
                    self.conn.execute("ROLLBACK")
                    continue
                for statement in statements:
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def _write(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, tuple(args))

    # --- learners ---------------------------------------------------------------------------------

    def add_learner(self, learner_id: str, name: str | None = None, email: str | None = None, on_roster: bool = False) -> None:
        self._write(
            "INSERT INTO learners (id, name, email, on_roster, added_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET name = COALESCE(excluded.name, name),"
            " email = COALESCE(excluded.email, email), on_roster = MAX(on_roster, excluded.on_roster)",
            (learner_id, name, email, int(on_roster), now()),
        )

    def learners(self) -> list[dict]:
        return [dict(r) for r in self.conn.execute("SELECT * FROM learners ORDER BY id")]

    # --- submissions ------------------------------------------------------------------------------

    def submission(self, learner_id: str, content_hash: str, seed: int, *, source: str, kind: str, received_at: str,
                   layout: str = "plain", note: str = "") -> SubmissionRow:
        """The submission row for this hand-in, made (status `pending`) when new."""
        self.add_learner(learner_id)
        self._write(
            "INSERT INTO submissions (learner_id, content_hash, source, kind, seed, status, received_at, first_seen_at, layout, note)"
            " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT(learner_id, content_hash, seed) DO UPDATE SET"
            " source = excluded.source, received_at = excluded.received_at, layout = excluded.layout, note = excluded.note",
            (learner_id, content_hash, source, kind, seed, received_at, now(), layout, note),
        )
        row = self.conn.execute(
            "SELECT * FROM submissions WHERE learner_id = ? AND content_hash = ? AND seed = ?", (learner_id, content_hash, seed)
        ).fetchone()
        return _submission(row)

    def finish_submission(self, submission_id: int, status: str, message: str = "") -> None:
        self._write("UPDATE submissions SET status = ?, message = ?, graded_at = ? WHERE id = ?", (status, message, now(), submission_id))

    def submissions(self, learner_id: str | None = None) -> list[SubmissionRow]:
        sql = "SELECT * FROM submissions" + (" WHERE learner_id = ?" if learner_id else "") + " ORDER BY received_at, id"
        return [_submission(r) for r in self.conn.execute(sql, (learner_id,) if learner_id else ())]

    def latest_submissions(self) -> dict[str, SubmissionRow]:
        """Each learner's most recently handed-in submission."""
        latest: dict[str, SubmissionRow] = {}
        for row in self.submissions():
            latest[row.learner_id] = row  # ordered by received_at, id: the last one wins
        return latest

    # --- results ----------------------------------------------------------------------------------

    def done_tasks(self, submission_id: int, task_hashes: dict[str, str], version: str) -> set[str]:
        """The tasks of this submission already graded under the same task spec and dlcert version."""
        rows = self.conn.execute(
            "SELECT task, task_hash FROM results WHERE submission_id = ? AND dlcert_version = ?", (submission_id, version)
        )
        return {r["task"] for r in rows if task_hashes.get(r["task"]) == r["task_hash"]}

    def cached_results(self, content_hash: str, seed: int, task_hashes: dict[str, str], version: str) -> dict[str, TaskResult]:
        """Results of the same content, seed, spec and version graded for anyone (identical hand-ins)."""
        rows = self.conn.execute(
            "SELECT r.* FROM results r JOIN submissions s ON s.id = r.submission_id"
            " WHERE s.content_hash = ? AND s.seed = ? AND r.dlcert_version = ? ORDER BY r.id",
            (content_hash, seed, version),
        )
        return {r["task"]: _task_result(r) for r in rows if task_hashes.get(r["task"]) == r["task_hash"]}

    def record_results(self, submission_id: int, results: list[TaskResult], task_hashes: dict[str, str], version: str,
                       run_id: int | None = None) -> None:
        """Store a submission's task results and mark it graded, in one transaction."""
        self.record_many([(submission_id, results)], task_hashes, version, run_id)

    def record_many(self, graded: list[tuple[int, list[TaskResult]]], task_hashes: dict[str, str], version: str,
                    run_id: int | None = None) -> None:
        """Store several submissions' results and mark them graded, in one transaction (one fsync for all)."""
        stamp = now()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for submission_id, results in graded:
                self._insert_results(submission_id, results, task_hashes, version, run_id, stamp)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _insert_results(self, submission_id: int, results: list[TaskResult], task_hashes: dict[str, str], version: str,
                        run_id: int | None, stamp: str) -> None:
        for r in results:
            data = r.to_dict()
            self.conn.execute(
                "INSERT INTO results (submission_id, task, task_hash, dlcert_version, status, score, max_score, checks,"
                " diagnosis, mistake, duration, output, graded_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(submission_id, task, task_hash, dlcert_version) DO UPDATE SET status = excluded.status,"
                " score = excluded.score, max_score = excluded.max_score, checks = excluded.checks,"
                " diagnosis = excluded.diagnosis, mistake = excluded.mistake, duration = excluded.duration,"
                " output = excluded.output, graded_at = excluded.graded_at, run_id = excluded.run_id",
                (submission_id, r.task, task_hashes[r.task], version, r.status, r.score, r.max_score,
                 json.dumps(data["checks"]), json.dumps(data["diagnosis"]) if r.diagnosis else None,
                 r.diagnosis.mistake if r.diagnosis else None, r.duration, r.output, stamp, run_id),
            )
        self.conn.execute("UPDATE submissions SET status = 'graded', message = '', graded_at = ? WHERE id = ?", (stamp, submission_id))

    def results(self, submission_id: int) -> list[dict]:
        """A submission's newest result per task, as dicts with parsed checks and diagnosis."""
        rows = self.conn.execute("SELECT * FROM results WHERE submission_id = ? ORDER BY id", (submission_id,))
        latest: dict[str, dict] = {}
        for r in rows:
            latest[r["task"]] = _result_dict(r)
        return list(latest.values())

    def count(self, table: str) -> int:
        if table not in ("learners", "submissions", "results", "quiz_attempts", "runs"):
            raise ValueError(table)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # --- runs -------------------------------------------------------------------------------------

    def start_run(self, executor: str, jobs: int | None, tasks: list[str], version: str, keyed: bool = False) -> int:
        cur = self._write(
            "INSERT INTO runs (started_at, dlcert_version, executor, jobs, tasks, keyed) VALUES (?, ?, ?, ?, ?, ?)",
            (now(), version, executor, jobs, json.dumps(tasks), int(keyed)),
        )
        return int(cur.lastrowid)

    def keyed(self) -> bool:
        """Whether any run graded this class with per-learner seeds from a secret."""
        return self.conn.execute("SELECT 1 FROM runs WHERE keyed = 1 LIMIT 1").fetchone() is not None

    def finish_run(self, run_id: int, submissions: int, graded: int, skipped: int) -> None:
        self._write("UPDATE runs SET finished_at = ?, submissions = ?, graded = ?, skipped = ? WHERE id = ?",
                    (now(), submissions, graded, skipped, run_id))

    # --- quiz attempts ----------------------------------------------------------------------------

    def import_quiz_attempts(self, learner_id: str, attempts: list[dict], source: str) -> int:
        """Store a learner's exported attempts (self-reported); returns how many were new."""
        self.add_learner(learner_id)
        stamp = now()
        added = 0
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for a in attempts:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO quiz_attempts (learner_id, question_id, mode, session_id, position, given,"
                    " correct, seconds, answered_at, self_reported, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    (learner_id, str(a["question_id"]), a.get("mode"), a.get("session_id"), a.get("position"),
                     json.dumps(a.get("given")), int(bool(a["correct"])), a.get("seconds"), str(a["answered_at"]), source, stamp),
                )
                added += cur.rowcount
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        return added

    def quiz_attempts(self, learner_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM quiz_attempts" + (" WHERE learner_id = ?" if learner_id else "") + " ORDER BY answered_at, id"
        return [dict(r) for r in self.conn.execute(sql, (learner_id,) if learner_id else ())]


def _submission(row: sqlite3.Row) -> SubmissionRow:
    return SubmissionRow(**{k: row[k] for k in SubmissionRow.__dataclass_fields__})


def _result_dict(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["checks"] = json.loads(out["checks"])
    out["diagnosis"] = json.loads(out["diagnosis"]) if out["diagnosis"] else None
    return out


def _task_result(row: sqlite3.Row) -> TaskResult:
    data = _result_dict(row)
    return TaskResult.from_dict({k: data[k] for k in ("task", "status", "score", "max_score", "checks", "diagnosis", "duration", "output")})
