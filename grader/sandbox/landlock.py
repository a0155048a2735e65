"""Landlock (Linux 5.13+): a filesystem allowlist, no TCP, and signals scoped to the job.

Applied by the learner process to itself, after its privileges are dropped: from then on it (and
everything it starts) can open only the paths granted here, cannot bind or connect TCP sockets
(ABI 4+), and cannot signal processes or reach abstract unix sockets outside its domain (ABI 6+).
"""
from __future__ import annotations

import ctypes
import os

from grader.sandbox import kernel

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
MAKE_SYM, REFER, TRUNCATE, IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
READ = READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE
SCRATCH = WRITE_FILE | READ_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO \
    | MAKE_SYM | REFER | TRUNCATE


def abi() -> int:
    """The Landlock ABI version of this kernel; 0 when there is none (or it is disabled)."""
    if not kernel.SUPPORTED:
        return 0
    try:
        return kernel.syscall("landlock_create_ruleset", None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    except OSError:
        return 0


def handled_fs(version: int) -> int:
    return _FS_BY_ABI[max(v for v in _FS_BY_ABI if v <= version)]


def restrict(rules: list[tuple[str, int]], version: int) -> None:
    """Confine this process to `rules` ((path, access) pairs): no other file, no TCP, scoped signals.

    Paths that do not exist are skipped; the caller must have set no_new_privs.
    """
    fs = handled_fs(version)
    attr = (ctypes.c_uint64 * 3)(fs, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0,
                                 SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = kernel.syscall("landlock_create_ruleset", ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    try:
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                if not os.path.isdir(path):
                    access &= READ_FILE | WRITE_FILE | EXECUTE | TRUNCATE | IOCTL_DEV
                rule = _PathBeneath(access & fs, fd)
                kernel.syscall("landlock_add_rule", ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0))
            finally:
                os.close(fd)
        kernel.syscall("landlock_restrict_self", ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]
