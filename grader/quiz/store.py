"""Quiz state in SQLite: sessions (exam plans), every answer as it is given, and FSRS cards.

Tables are prefixed `quiz_` so they can share the workspace's progress database with the grader.
Every write is its own committed transaction: a crash or Ctrl-C loses nothing already answered.
An exam's answers are drafts (`quiz_responses`, changeable until it is submitted); submitting
grades them into `quiz_attempts` and FSRS cards in one transaction.
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
    plan TEXT NOT NULL,                 -- JSON list of {question_id, domain, params, shown, block}
    meta TEXT NOT NULL DEFAULT '{}',    -- JSON: warnings, coverage, ...
    finished_at TEXT
    -- added later (see _COLUMNS): used_s
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
    -- added later (see _COLUMNS): credit, shown
);
CREATE INDEX IF NOT EXISTS quiz_attempts_question ON quiz_attempts(question_id);
CREATE INDEX IF NOT EXISTS quiz_attempts_session ON quiz_attempts(session_id);
CREATE TABLE IF NOT EXISTS quiz_responses (
    session_id INTEGER NOT NULL REFERENCES quiz_sessions(id),
    position INTEGER NOT NULL,          -- index in the session's plan
    given TEXT,                         -- JSON of the normalized answer; NULL = not answered (yet)
    flagged INTEGER NOT NULL DEFAULT 0, -- marked for review
    seconds REAL NOT NULL DEFAULT 0,    -- time spent on this question so far
    updated_at TEXT NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE TABLE IF NOT EXISTS quiz_cards (
    question_id TEXT PRIMARY KEY,
    card TEXT NOT NULL,                 -- fsrs.Card.to_json()
    due TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""

_COLUMNS = {  # columns added after the first release; older databases gain them when opened
    "quiz_attempts": {"credit": "REAL", "shown": "TEXT"},   # share of the item earned 0-1; options' order shown
    "quiz_sessions": {"used_s": "REAL NOT NULL DEFAULT 0"},  # exam time used so far
}


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
        if self._missing_columns():
            with self._tx():  # re-checked inside: another process may have added them meanwhile
                for table, name, kind in self._missing_columns():
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def _missing_columns(self) -> list[tuple[str, str, str]]:
        out = []
        for table, columns in _COLUMNS.items():
            have = {row["name"] for row in self.conn.execute(f"PRAGMA table_info({table})")}
            out += [(table, name, kind) for name, kind in columns.items() if name not in have]
        return out

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

    def unfinished(self, mode: str, cert: str | None = None) -> list[dict]:
        """Unfinished sessions of `mode` (of `cert` if given), newest first."""
        sql = "SELECT * FROM quiz_sessions WHERE mode = ? AND finished_at IS NULL"
        args: list[Any] = [mode]
        if cert:
            sql += " AND cert = ?"
            args.append(cert)
        return [_session(row) for row in self.conn.execute(sql + " ORDER BY id DESC", args)]

    def add_time(self, session_id: int, seconds: float) -> None:
        """Count `seconds` more of exam time as used."""
        with self._tx():
            self.conn.execute("UPDATE quiz_sessions SET used_s = used_s + ? WHERE id = ?", (max(0.0, seconds), session_id))

    def exam_questions_seen(self) -> set[str]:
        """Every question answered in any mode or drawn into an exam paper before."""
        seen = {row[0] for row in self.conn.execute("SELECT DISTINCT question_id FROM quiz_attempts")}
        for (plan,) in self.conn.execute("SELECT plan FROM quiz_sessions WHERE mode = 'exam'"):
            seen.update(entry["question_id"] for entry in json.loads(plan))
        return seen

    # --- exam responses (drafts until the exam is submitted) -------------------------------------

    def save_response(self, session_id: int, position: int, *, given: Any = None, flagged: bool | None = None,
                      seconds: float = 0.0, keep_given: bool = False, when: dt.datetime | None = None) -> None:
        """Set one exam answer (or only its flag with `keep_given`) and add `seconds` of time to it
        and to the session, in one committed transaction."""
        stamp = iso(when or now_utc())
        with self._tx():
            row = self.conn.execute("SELECT given, flagged FROM quiz_responses WHERE session_id = ? AND position = ?",
                                    (session_id, position)).fetchone()
            old_given = row["given"] if row else None
            old_flag = bool(row["flagged"]) if row else False
            text = old_given if keep_given else (None if given is None else json.dumps(given))
            flag = old_flag if flagged is None else bool(flagged)
            self.conn.execute(
                "INSERT INTO quiz_responses (session_id, position, given, flagged, seconds, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(session_id, position) DO UPDATE SET given = excluded.given,"
                " flagged = excluded.flagged, seconds = quiz_responses.seconds + excluded.seconds,"
                " updated_at = excluded.updated_at",
                (session_id, position, text, int(flag), max(0.0, seconds), stamp))
            self.conn.execute("UPDATE quiz_sessions SET used_s = used_s + ? WHERE id = ?", (max(0.0, seconds), session_id))

    def responses(self, session_id: int) -> dict[int, dict]:
        """Position -> {given, flagged, seconds} of an exam's answers so far."""
        out = {}
        for row in self.conn.execute("SELECT * FROM quiz_responses WHERE session_id = ?", (session_id,)):
            out[row["position"]] = {"given": None if row["given"] is None else json.loads(row["given"]),
                                    "flagged": bool(row["flagged"]), "seconds": row["seconds"]}
        return out

    def submit(self, session_id: int, graded: list[dict], when: dt.datetime | None = None) -> None:
        """Finish an exam: every graded item (the keyword arguments of `record`) becomes an attempt
        and updates its FSRS card, and the session is marked finished, all in one transaction.
        A session already finished is left as it is."""
        when = when or now_utc()
        with self._tx():
            done = self.conn.execute("SELECT finished_at FROM quiz_sessions WHERE id = ?", (session_id,)).fetchone()
            if done is None or done["finished_at"] is not None:
                return
            for item in graded:
                self._insert_attempt(session_id=session_id, when=when, **item)
            self.conn.execute("UPDATE quiz_sessions SET finished_at = ? WHERE id = ?", (iso(when), session_id))

    # --- attempts ------------------------------------------------------------------------------

    def record(self, *, question_id: str, mode: str, given: Any, correct: bool,
               session_id: int | None = None, position: int | None = None, params: dict | None = None,
               seconds: float | None = None, when: dt.datetime | None = None,
               card_json: str | None = None, card_due: dt.datetime | None = None,
               credit: float | None = None, shown: dict | None = None) -> int:
        """Commit one answer (and the question's new FSRS card, in the same transaction).

        `credit` is the share of the item earned (default: 1 if correct else 0); `shown` the order
        its options were shown in (`Shown.to_json()`)."""
        with self._tx():
            return self._insert_attempt(
                question_id=question_id, mode=mode, given=given, correct=correct, session_id=session_id,
                position=position, params=params, seconds=seconds, when=when or now_utc(), card_json=card_json,
                card_due=card_due, credit=credit, shown=shown)

    def _insert_attempt(self, *, question_id: str, mode: str, given: Any, correct: bool, session_id: int | None,
                        position: int | None, params: dict | None, seconds: float | None, when: dt.datetime,
                        card_json: str | None, card_due: dt.datetime | None, credit: float | None,
                        shown: dict | None) -> int:
        cur = self.conn.execute(
            "INSERT INTO quiz_attempts (session_id, position, question_id, mode, given, correct, params,"
            " answered_at, seconds, credit, shown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, position, question_id, mode, None if given is None else json.dumps(given),
             int(bool(correct)), None if params is None else json.dumps(params), iso(when), seconds,
             float(bool(correct)) if credit is None else float(credit), None if not shown else json.dumps(shown)),
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

    # --- renamed ids ---------------------------------------------------------------------------

    def migrate_renamed(self, renames: dict[str, str]) -> int:
        """Move attempts, FSRS cards and exam plans stored under an old id (`renamed_from`) to the
        question's id, in one transaction; returns how many rows changed (0 when nothing is left
        under an old id, so running it again changes nothing). Where a card exists under both ids
        the one reviewed last is kept."""
        if not renames or not self._has_old_ids(renames):
            return 0
        changed = 0
        with self._tx():
            for old, new in renames.items():
                changed += self.conn.execute("UPDATE quiz_attempts SET question_id = ? WHERE question_id = ?",
                                             (new, old)).rowcount
                card = self.conn.execute("SELECT updated_at FROM quiz_cards WHERE question_id = ?", (old,)).fetchone()
                if card is not None:
                    other = self.conn.execute("SELECT updated_at FROM quiz_cards WHERE question_id = ?", (new,)).fetchone()
                    if other is not None and other["updated_at"] >= card["updated_at"]:
                        self.conn.execute("DELETE FROM quiz_cards WHERE question_id = ?", (old,))
                    else:
                        self.conn.execute("DELETE FROM quiz_cards WHERE question_id = ?", (new,))
                        self.conn.execute("UPDATE quiz_cards SET question_id = ? WHERE question_id = ?", (new, old))
                    changed += 1
            for row in self.conn.execute("SELECT id, plan FROM quiz_sessions").fetchall():
                plan = json.loads(row["plan"])
                moved = [e for e in plan if e.get("question_id") in renames]
                for entry in moved:
                    entry["question_id"] = renames[entry["question_id"]]
                if moved:
                    self.conn.execute("UPDATE quiz_sessions SET plan = ? WHERE id = ?", (json.dumps(plan), row["id"]))
                    changed += len(moved)
        return changed

    def _has_old_ids(self, renames: dict[str, str]) -> bool:
        old = list(renames)
        for start in range(0, len(old), 500):  # SQLite caps the number of bound parameters
            chunk = old[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for table in ("quiz_attempts", "quiz_cards"):
                if self.conn.execute(f"SELECT 1 FROM {table} WHERE question_id IN ({marks}) LIMIT 1", chunk).fetchone():
                    return True
        for (plan,) in self.conn.execute("SELECT plan FROM quiz_sessions"):
            if any(entry.get("question_id") in renames for entry in json.loads(plan)):
                return True
        return False

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
    for name in ("given", "params", "shown"):
        out[name] = None if out[name] is None else json.loads(out[name])
    out["correct"] = bool(out["correct"])
    if out["credit"] is None:  # recorded before credit was stored
        out["credit"] = float(out["correct"])
    return out
