"""The failures dlcert expects, as typed exceptions that carry their message and exit status.

Click's convention: a usage error (the command line or a path as given is wrong) exits 2, a failed
action exits 1. Any subsystem raises these; the CLI's boundary (`grader.boundary`) prints one line
and exits with the status, and anything else that escapes is a bug with a crash log.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

import click


class DlcertError(click.ClickException):
    """An action failed for a reason the person can act on (exit 1)."""


class DlcertUsageError(click.UsageError):
    """The command line asked for something that cannot be (exit 2); click adds the usage line."""


class StateError(DlcertError):
    """A state file (progress database, gradebook) cannot be used: busy, newer than dlcert, unreadable."""


_PATH_AS_GIVEN = {errno.ENOENT, errno.ENOTDIR, errno.EEXIST, errno.EISDIR, errno.ENAMETOOLONG, errno.EINVAL, errno.ELOOP}
"""Errors that say the path itself cannot name what it should: usage errors, whatever the command."""


class PathError(DlcertError):
    """`cannot write PATH: reason` (or read, open): exit 2 when the path as given is wrong, else 1."""

    def __init__(self, verb: str, path: Path | str, reason: str, usage: bool = False):
        super().__init__(f"cannot {verb} {os.fspath(path) or repr('')}: {reason}")
        self.path = Path(path)
        self.exit_code = 2 if usage else 1

    @classmethod
    def from_os(cls, verb: str, path: Path | str, exc: OSError) -> "PathError":
        """The error for an OSError met while doing `verb` to `path`, with a reason a person can act on."""
        return cls(verb, path, explain(Path(path), exc), usage=exc.errno in _PATH_AS_GIVEN or os.fspath(path) == "")


def explain(path: Path, exc: OSError) -> str:
    """Why `path` could not be used: the folder that is missing or is a file, else the system's reason."""
    if os.fspath(path) == "":
        return "the path is empty"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EEXIST):
        for folder in path.parents:
            if folder.is_dir():
                break
            if folder.exists():
                return f"{folder} is a file, not a folder"
            if folder.parent.is_dir():
                return f"the folder {folder} does not exist"
    if exc.errno == errno.EISDIR or path.is_dir():
        return "it is a folder"
    return exc.strerror.lower() if exc.strerror else str(exc)

