"""Every SQLite file dlcert keeps (progress, quiz answers, gradebook) opens here.

`open_db` checks the file (`PRAGMA quick_check`: about 2 ms for a 1 MB progress file, 50 ms for a
60 MB gradebook), sets WAL and a busy timeout, and recovers a damaged file: it is moved aside under a
timestamped name, a new one is started, and one line on stderr says so. Writes go through
`Database.transaction()`, which takes the write lock up front (BEGIN IMMEDIATE), so two dlcert
processes on one workspace wait for each other instead of failing or losing a write.
"""
from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Collection, Iterator

from grader.errors import PathError, StateError

BUSY_TIMEOUT_S = 15.0
"""How long a write waits for another process's transaction (a whole-course check records in well under 1 s)."""

DATABASE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
"""A damaged file is moved aside only when it is a database or named like one: a path someone mistyped
(`--gradebook roster.csv`) is refused instead, and never moved."""
_DAMAGED = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_MESSAGES = {"file is not a database": 26, "database disk image is malformed": 11, "database is locked": 5}
"""Error codes by message, for Python 3.10 (whose sqlite3 errors carry no code)."""


class Database(sqlite3.Connection):
    """A connection in autocommit mode: reads see committed data, writes go through `transaction()`."""

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator["Database"]:
        """One transaction, committed on success and rolled back on any exception (Ctrl-C included)."""
        self.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield self
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")


def open_db(path: Path | str, *, tables: Collection[str] = (), timeout: float = BUSY_TIMEOUT_S) -> Database:
    """A checked connection to `path` (made when missing), recovered first when the file is damaged.

    `tables` are the tables every version of this file has: a file with some of them but not all has
    lost one (a dropped table) and counts as damaged; a file with none of them is new to this caller.
    """
    path = Path(path)
    problem = _problem(path, tables)
    if problem is not None:
        if path.suffix not in DATABASE_SUFFIXES and not _has_sqlite_header(path):
            raise PathError("open", path, f"{problem}, and it is not named like a database: dlcert leaves it as it is",
                            usage=True)
        _recover(path, problem, tables)
    return _open(path, timeout)


def _has_sqlite_header(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _open(path: Path, timeout: float) -> Database:
    try:
        db = sqlite3.connect(path, timeout=timeout, isolation_level=None, factory=Database)
    except sqlite3.Error as exc:
        raise _failure(path, exc) from exc
    try:
        db.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as exc:
        if _code(exc) != 8:  # SQLITE_READONLY: a read-only file still reads, in its own journal mode
            db.close()
            raise _failure(path, exc) from exc
    return db


def _problem(path: Path, tables: Collection[str]) -> str | None:
    """What is wrong with the file at `path` (None when it is sound or does not exist yet)."""
    if not os.path.lexists(path):
        return None
    if not path.is_file():
        return "it is not a file"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise _failure(path, exc) from exc
    try:
        verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            return verdict.splitlines()[-1][:100]
        have = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        lost = sorted(set(tables) - have)
        if lost and len(lost) < len(tables):
            return f"its table{'s' if len(lost) > 1 else ''} {', '.join(lost)} {'are' if len(lost) > 1 else 'is'} missing"
        return None
    except sqlite3.DatabaseError as exc:
        if _code(exc) in _DAMAGED:
            return str(exc)
        raise _failure(path, exc) from exc
    finally:
        db.close()


def _recover(path: Path, problem: str, tables: Collection[str]) -> None:
    """Move the damaged file (and its WAL) aside, unless another process already did, and say so."""
    from filelock import FileLock, Timeout

    lock = Path(f"{path}.lock")
    try:
        with FileLock(lock, timeout=BUSY_TIMEOUT_S):
            if _problem(path, tables) is None:
                return  # another dlcert recovered it while this one waited for the lock
            aside = _aside_name(path)
            os.replace(path, aside)
            for suffix in ("-wal", "-shm"):
                if os.path.lexists(f"{path}{suffix}"):
                    os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    except Timeout as exc:
        raise StateError(f"{path} is damaged and another dlcert is recovering it; try again") from exc
    except OSError as exc:
        raise PathError.from_os("move aside the damaged", path, exc) from exc
    finally:
        with suppress(OSError):  # a waiter that held the old lock re-checks and finds the new file sound
            lock.unlink(missing_ok=True)
    print(f"warning: {path} was damaged ({problem}); it is kept as {aside.name} and a new one was started",
          file=sys.stderr)


def _aside_name(path: Path) -> Path:
    """`progress.damaged-20250101-120000.sqlite` beside `progress.sqlite`, numbered when taken."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        aside = path.with_name(f"{path.stem}.damaged-{stamp}{f'-{n}' if n > 1 else ''}{path.suffix}")
        if not os.path.lexists(aside):
            return aside
        n += 1


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    return next((c for text, c in _MESSAGES.items() if text in str(exc)), None)


def _failure(path: Path, exc: sqlite3.Error) -> Exception:
    """The typed error for a database that is sound but cannot be used right now."""
    if _code(exc) in _BUSY:
        return StateError(f"{path} is in use by another dlcert that did not finish within {BUSY_TIMEOUT_S:g} s; try again")
    return PathError("open", path, str(exc))
