"""Quiz state in SQLite: sessions (exam plans), every answer as it is given, and FSRS cards.

Tables are prefixed `quiz_` so they can share the workspace's progress database with the grader.
Every write is its own committed transaction: a crash or Ctrl-C loses nothing already answered.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterator

from grader.sqlite import open_db

ENV_DATA_DIR = "DLCERT_DATA_DIR"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS quiz_sessions (
    id INTEGER PRIMARY KEY,
    mode TEXT NOT NULL,                 -- practice | exam | review
    cert TEXT,
    seed INTEGER,
    started_at TEXT NOT NULL,           -- ISO 8601, UTC
    time_limit_s REAL,                  -- exam only
    plan TEXT NOT NULL,                 -- JSON list of {question_id, domain, params}
    meta TEXT NOT NULL DEFAULT '{}',    -- JSON: warnings, coverage, ...
    finished_at TEXT
);
CREATE TABLE IF NOT EXISTS quiz_attempts (
    id INTEGER PRIMARY KEY,
    session_id INTEGER REFERENCES quiz_sessions(id),
    position INTEGER,                   -- index in the session's plan
    question_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    given TEXT,                         -- JSON of the normalized answer; NULL = unanswered
    correct INTEGER NOT NULL,
    params TEXT,                        -- JSON of a generated question's values
    answered_at TEXT NOT NULL,
    seconds REAL
);
CREATE INDEX IF NOT EXISTS quiz_attempts_question ON quiz_attempts(question_id);
CREATE INDEX IF NOT EXISTS quiz_attempts_session ON quiz_attempts(session_id);
CREATE TABLE IF NOT EXISTS quiz_cards (
    question_id TEXT PRIMARY KEY,
    card TEXT NOT NULL,                 -- fsrs.Card.to_json()
    due TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def default_db_path() -> Path:
    """Where answers go: $DLCERT_DATA_DIR/progress.sqlite if set, else the workspace's or the user's DB."""
    folder = os.environ.get(ENV_DATA_DIR)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder) / "progress.sqlite"
    try:
        from grader.workspace import current_db_path
    except Exception:  # the grader core may be mid-change; fall back to the per-user file
        import platformdirs

        base = Path(platformdirs.user_data_dir("dlcert", appauthor=False))
        base.mkdir(parents=True, exist_ok=True)
        return base / "progress.sqlite"
    path = Path(current_db_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat()


def parse_iso(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


class Store:
    """One open quiz database."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = open_db(self.path, tables=("quiz_sessions", "quiz_attempts", "quiz_cards"), timeout=15)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self):
        store = self

        class _Tx:
            def __enter__(self):
                store.conn.execute("BEGIN IMMEDIATE")

            def __exit__(self, kind, value, tb):
                store.conn.execute("COMMIT" if kind is None else "ROLLBACK")
                return False

        return _Tx()

    # --- sessions ------------------------------------------------------------------------------

    def start_session(self, mode: str, *, cert: str | None, seed: int | None, plan: list[dict],
                      time_limit_s: float | None = None, meta: dict | None = None,
                      when: dt.datetime | None = None) -> int:
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO quiz_sessions (mode, cert, seed, started_at, time_limit_s, plan, meta)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (mode, cert, seed, iso(when or now_utc()), time_limit_s, json.dumps(plan), json.dumps(meta or {})),
            )
            return int(cur.lastrowid)

    def session(self, session_id: int) -> dict | None:
        row = self.conn.execute("SELECT * FROM quiz_sessions WHERE id = ?", (session_id,)).fetchone()
        return _session(row) if row else None

    def latest_unfinished(self, mode: str, cert: str | None = None) -> dict | None:
        sql = "SELECT * FROM quiz_sessions WHERE mode = ? AND finished_at IS NULL"
        args: list[Any] = [mode]
        if cert:
            sql += " AND cert = ?"
            args.append(cert)
        row = self.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return _session(row) if row else None

    def finish_session(self, session_id: int, when: dt.datetime | None = None) -> None:
        with self._tx():
            self.conn.execute("UPDATE quiz_sessions SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                              (iso(when or now_utc()), session_id))

    # --- attempts ------------------------------------------------------------------------------

    def record(self, *, question_id: str, mode: str, given: Any, correct: bool,
               session_id: int | None = None, position: int | None = None, params: dict | None = None,
               seconds: float | None = None, when: dt.datetime | None = None,
               card_json: str | None = None, card_due: dt.datetime | None = None) -> int:
        """Commit one answer (and the question's new FSRS card, in the same transaction)."""
        when = when or now_utc()
        with self._tx():
            cur = self.conn.execute(
                "INSERT INTO quiz_attempts (session_id, position, question_id, mode, given, correct, params,"
                " answered_at, seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, position, question_id, mode, None if given is None else json.dumps(given),
                 int(bool(correct)), None if params is None else json.dumps(params), iso(when), seconds),
            )
            if card_json is not None:
                self.conn.execute(
                    "INSERT INTO quiz_cards (question_id, card, due, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(question_id) DO UPDATE SET card = excluded.card, due = excluded.due,"
                    " updated_at = excluded.updated_at",
                    (question_id, card_json, iso(card_due or when), iso(when)),
                )
            return int(cur.lastrowid)

    def session_attempts(self, session_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT * FROM quiz_attempts WHERE session_id = ? ORDER BY position, id", (session_id,)).fetchall()
        return [_attempt(r) for r in rows]

    def attempts(self, question_ids: list[str] | None = None) -> list[dict]:
        """Every attempt (optionally of these questions), oldest first."""
        rows = self.conn.execute("SELECT * FROM quiz_attempts ORDER BY answered_at, id").fetchall()
        out = [_attempt(r) for r in rows]
        if question_ids is not None:
            wanted = set(question_ids)
            out = [a for a in out if a["question_id"] in wanted]
        return out

    # --- cards ---------------------------------------------------------------------------------

    def card_json(self, question_id: str) -> str | None:
        row = self.conn.execute("SELECT card FROM quiz_cards WHERE question_id = ?", (question_id,)).fetchone()
        return row["card"] if row else None

    def cards(self) -> Iterator[tuple[str, str, dt.datetime]]:
        """(question_id, card JSON, due) for every card, soonest due first."""
        for row in self.conn.execute("SELECT question_id, card, due FROM quiz_cards ORDER BY due, question_id"):
            yield row["question_id"], row["card"], parse_iso(row["due"])


def _session(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["plan"] = json.loads(out["plan"])
    out["meta"] = json.loads(out["meta"] or "{}")
    return out


def _attempt(row: sqlite3.Row) -> dict:
    out = dict(row)
    out["given"] = None if out["given"] is None else json.loads(out["given"])
    out["params"] = None if out["params"] is None else json.loads(out["params"])
    out["correct"] = bool(out["correct"])
    return out
