"""Write a file or a folder whole or not at all: built beside the target, flushed, then renamed over it.

A crash, Ctrl-C or full disk halfway leaves the old target (or none) and no temporary file; a
failure is a `PathError` that names the target (`cannot write PATH: reason`).
"""
from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from grader.errors import PathError


@contextmanager
def replacing(target: Path) -> Iterator[BinaryIO]:
    """A binary file to write; on success it replaces `target` (keeping its permissions), else it vanishes."""
    target = Path(target)
    temp = _temporary(target)
    try:
        handle = os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    except OSError as exc:
        raise PathError.from_os("write", target, exc) from exc
    try:
        yield handle
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        if target.is_file():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        os.replace(temp, target)
    except BaseException as exc:
        handle.close()
        temp.unlink(missing_ok=True)
        error = _as_write_error(exc, target, temp)
        if error is exc:
            raise
        raise error from exc
    _sync_folder(target.parent)


def write_bytes(target: Path, data: bytes) -> None:
    with replacing(target) as handle:
        handle.write(data)


def write_text(target: Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


@contextmanager
def new_folder(target: Path) -> Iterator[Path]:
    """A temporary folder to fill; on success it becomes `target` (which must be absent or empty)."""
    target = Path(target)
    temp = _temporary(target)
    try:
        temp.mkdir(mode=0o777)
    except OSError as exc:
        raise PathError.from_os("write", target, exc) from exc
    try:
        yield temp
        if target.is_dir():
            target.rmdir()  # an empty folder the person made for it
        os.replace(temp, target)
    except BaseException as exc:
        shutil.rmtree(temp, ignore_errors=True)
        error = _as_write_error(exc, target, temp)
        if error is exc:
            raise
        raise error from exc
    _sync_folder(target.parent)


def _temporary(target: Path) -> Path:
    """A free name beside `target`, hidden, that no other writer picks."""
    if not target.name or target.name in (".", ".."):
        raise PathError("write", target, "the path names no file", usage=True)
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


def _as_write_error(exc: BaseException, target: Path, temp: Path) -> BaseException:
    """An OSError about the temporary file (or its handle) is about writing `target`; the rest pass as they are."""
    if isinstance(exc, OSError) and (exc.filename is None or str(exc.filename).startswith(str(temp))
                                     or str(exc.filename) == str(target)):
        return PathError.from_os("write", target, exc)
    return exc


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
