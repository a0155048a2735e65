"""A seccomp BPF filter for learner code: the system calls that reach outside a job are refused.

Written by hand (a few dozen instructions) rather than through libseccomp: its Python binding is
not on PyPI as a wheel, and the filter is small enough to read. It checks the audit architecture
(kills a process that calls with another ABI, e.g. x32 or 32-bit), then refuses with EPERM:
ptrace, the mount and namespace calls, bpf, perf_event_open, the key calls, userfaultfd,
process_vm_*, kexec_*, module loading, io_uring (whose operations bypass seccomp) and a few
administrative calls; `clone` with a namespace flag; `clone3` gets ENOSYS (C libraries then fall
back to `clone`, whose flags a filter can read); `socket` for anything but AF_UNIX gets EAFNOSUPPORT.
"""
from __future__ import annotations

import ctypes
import functools
import struct

from grader.sandbox import kernel

DENIED = (
    "ptrace", "mount", "umount2", "pivot_root", "unshare", "setns", "bpf", "perf_event_open", "keyctl",
    "add_key", "request_key", "userfaultfd", "process_vm_readv", "process_vm_writev", "kexec_load",
    "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
    "name_to_handle_at", "acct", "swapon", "swapoff", "reboot", "chroot", "quotactl", "syslog", "kcmp",
    "fanotify_init", "vhangup", "lookup_dcookie", "pidfd_getfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
)
EPERM, ENOSYS, EAFNOSUPPORT = 1, 38, 97
AF_UNIX = 1
X32_SYSCALL_BIT = 0x40000000

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_KILL_PROCESS, _ALLOW = 0x80000000, 0x7FFF0000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low 32 bits, little-endian)


def _errno(code: int) -> int:
    return 0x00050000 | code


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


@functools.lru_cache(maxsize=1)
def program() -> bytes:
    """The learner filter, as the bytes of its `struct sock_filter` array."""
    return build(DENIED, kernel.CLONE_NAMESPACES, unix_sockets_only=True)


def build(denied: tuple[str, ...], clone_flags: int, unix_sockets_only: bool) -> bytes:
    """A filter refusing the `denied` calls (EPERM), `clone` with any of `clone_flags`, `clone3` (ENOSYS)
    and, when asked, sockets other than AF_UNIX; every other call of this architecture is allowed."""
    nr = kernel.NR
    out = [_ins(_LD_W_ABS, _ARCH), _ins(_JEQ, kernel.AUDIT_ARCH, 1, 0), _ins(_RET, _KILL_PROCESS), _ins(_LD_W_ABS, _NR)]
    if kernel.MACHINE == "x86_64":
        out += [_ins(_JGE, X32_SYSCALL_BIT, 0, 1), _ins(_RET, _KILL_PROCESS)]
    for name in denied:
        out += [_ins(_JEQ, nr[name], 0, 1), _ins(_RET, _errno(EPERM))]
    out += [_ins(_JEQ, nr["clone3"], 0, 1), _ins(_RET, _errno(ENOSYS))]
    out += [_ins(_JEQ, nr["clone"], 0, 4), _ins(_LD_W_ABS, _ARG0), _ins(_JSET, clone_flags, 0, 1),
            _ins(_RET, _errno(EPERM)), _ins(_RET, _ALLOW)]
    if unix_sockets_only:
        out += [_ins(_JEQ, nr["socket"], 0, 4), _ins(_LD_W_ABS, _ARG0), _ins(_JEQ, AF_UNIX, 1, 0),
                _ins(_RET, _errno(EAFNOSUPPORT)), _ins(_RET, _ALLOW)]
    out.append(_ins(_RET, _ALLOW))
    return b"".join(out)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(code: bytes | None = None) -> None:
    """Filter every later system call of this process and its children (needs no_new_privs)."""
    code = code or program()
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _Program(len(code) // 8, ctypes.addressof(buffer))
    kernel.prctl(kernel.PR_SET_SECCOMP, kernel.SECCOMP_MODE_FILTER, ctypes.addressof(prog))
