"""The command line's one error boundary: whatever goes wrong ends as one line and a documented exit status.

Expected failures are typed (`grader.errors`, any click exception) and pass through for click to show.
An OSError that names a path becomes `cannot open PATH: reason`; a busy or damaged database a one-line
error; Ctrl-C exit 130. Anything else is a bug: its traceback goes to a crash log and one line says
where (exit 70). With DLCERT_DEBUG=1 the traceback is shown instead.
"""
from __future__ import annotations

import errno
import os
import platform
import sqlite3
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import click

from grader import __version__
from grader.errors import DlcertError, PathError, StateError

EXIT_CRASH = 70
"""EX_SOFTWARE from sysexits.h: an internal error."""
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for Ctrl-C."""
DEBUG_ENV = "DLCERT_DEBUG"
_ENVIRONMENT = {errno.EIO, errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM}
"""OSErrors that come from the machine (a full disk, a device that refuses writes), not from a bug."""


class Interrupted(click.ClickException):
    """Ctrl-C: one line, exit 130 (every write dlcert makes is a committed transaction or an atomic rename)."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self) -> None:
        super().__init__("interrupted")

    def show(self, file=None) -> None:
        click.echo("Interrupted; everything finished before Ctrl-C is saved.", err=True)


class Crash(click.ClickException):
    """An unexpected exception: one line naming it and the crash log, exit 70."""

    exit_code = EXIT_CRASH

    def __init__(self, exc: BaseException, log: Path | None):
        what = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        where = f"the traceback is in {log}" if log else "no crash log could be saved"
        super().__init__(f"internal error ({what}); this is a bug in dlcert: {where} "
                         f"(run again with {DEBUG_ENV}=1 to see it here)")

    def show(self, file=None) -> None:
        click.echo(f"dlcert: {self.message}", err=True)


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


@contextmanager
def guarded() -> Iterator[None]:
    """Turn every exception but click's own (and SystemExit) into a click exception with its exit status."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except KeyboardInterrupt:
        if debugging():
            raise
        raise Interrupted() from None
    except OSError as exc:
        if exc.errno == errno.EPIPE or debugging():
            raise  # click quiets a closed pipe (`dlcert list | head`)
        if exc.filename is None:
            if exc.errno in _ENVIRONMENT:
                raise DlcertError(f"a read or write failed: {exc.strerror.lower()}") from exc
            raise Crash(exc, save_crash_log(exc)) from exc
        raise PathError.from_os("open", exc.filename, exc) from exc
    except sqlite3.OperationalError as exc:
        if debugging():
            raise
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise Crash(exc, save_crash_log(exc)) from exc
        raise StateError("another dlcert is writing the same database and did not finish in time; try again") from exc
    except sqlite3.DatabaseError as exc:
        if debugging():
            raise
        raise StateError(f"a database is damaged ({exc}); run the command again to recover it") from exc
    except Exception as exc:
        if debugging():
            raise
        raise Crash(exc, save_crash_log(exc)) from exc


def crash_dir() -> Path:
    """$DLCERT_DATA_DIR/crashes when set, else the per-user log folder."""
    if os.environ.get("DLCERT_DATA_DIR"):
        return Path(os.environ["DLCERT_DATA_DIR"]) / "crashes"
    import platformdirs

    return Path(platformdirs.user_log_dir("dlcert", appauthor=False))


def save_crash_log(exc: BaseException) -> Path | None:
    """Write the traceback and what ran to a new file; None when no folder would take it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = (f"dlcert {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
            f"command: {' '.join(sys.argv)}\ncwd: {os.getcwd()}\ntime: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"crash-{stamp}-{os.getpid()}.log"
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None
