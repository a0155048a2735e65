"""The Linux system calls the sandbox needs and Python does not wrap, through ctypes (x86_64, aarch64).

Every wrapper raises OSError with the errno on failure. Nothing here decides policy: `view`,
`confine` and `supervisor` say what to call and when.
"""
from __future__ import annotations

import ctypes
import functools
import os
import platform

MACHINE = platform.machine()
_NUMBERS = {
    # name: (x86_64, aarch64)
    "clone": (56, 220), "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "prctl": (157, 167),
    "capset": (126, 91), "unshare": (272, 97), "setns": (308, 268), "ptrace": (101, 117), "bpf": (321, 280),
    "perf_event_open": (298, 241), "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "userfaultfd": (323, 282), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294), "init_module": (175, 105), "finit_module": (313, 273),
    "delete_module": (176, 106), "socket": (41, 198), "open_by_handle_at": (304, 265),
    "name_to_handle_at": (303, 264), "personality": (135, 92), "acct": (163, 89), "swapon": (167, 224),
    "swapoff": (168, 225), "reboot": (169, 142), "chroot": (161, 51), "quotactl": (179, 60), "syslog": (103, 116),
    "kcmp": (312, 272), "fanotify_init": (300, 262), "vhangup": (153, 58), "lookup_dcookie": (212, 18),
    # numbered alike on every architecture since 5.x
    "pidfd_getfd": (438, 438), "io_uring_setup": (425, 425), "io_uring_enter": (426, 426),
    "io_uring_register": (427, 427), "open_tree": (428, 428), "move_mount": (429, 429), "fsopen": (430, 430),
    "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433), "clone3": (435, 435),
    "mount_setattr": (442, 442), "landlock_create_ruleset": (444, 444), "landlock_add_rule": (445, 445),
    "landlock_restrict_self": (446, 446),
}
_ARCH_INDEX = {"x86_64": 0, "aarch64": 1}.get(MACHINE)
SUPPORTED = os.uname().sysname == "Linux" and _ARCH_INDEX is not None
NR = {name: numbers[_ARCH_INDEX] for name, numbers in _NUMBERS.items()} if SUPPORTED else {}
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(MACHINE)

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
CLONE_NAMESPACES = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
SIGCHLD = 17

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_SILENT, MS_PRIVATE, MS_RELATIME = 16384, 32768, 1 << 18, 1 << 21
MNT_DETACH = 2

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_CAPBSET_DROP = 1, 4, 22, 24
PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 36, 38, 47, 4
SECCOMP_MODE_FILTER = 2

_libc = ctypes.CDLL(None, use_errno=True) if SUPPORTED else None
_pylibc = ctypes.PyDLL(None, use_errno=True) if SUPPORTED else None  # keeps the GIL: for clone
if SUPPORTED:
    _libc.syscall.restype = ctypes.c_long
    _pylibc.syscall.restype = ctypes.c_long
    _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _check(result: int) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def syscall(name: str, *args) -> int:
    return _check(_libc.syscall(ctypes.c_long(NR[name]), *args))


def _path(p: str | None) -> bytes | None:
    return None if p is None else os.fsencode(p)


def clone(flags: int) -> int:
    """fork(2) with namespace `flags`: 0 in the child, its pid in the parent.

    The raw system call, so no fork handlers run in the child: call it only from a process with
    one thread (the supervisor), and only do system calls in the child until it forks again.
    """
    return _check(_pylibc.syscall(ctypes.c_long(NR["clone"]), ctypes.c_ulong(flags | SIGCHLD), None, None, None, None))


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_path(source), _path(target), _path(fstype), flags, _path(data)))


def umount2(target: str, flags: int) -> None:
    syscall("umount2", _path(target), ctypes.c_int(flags))


def pivot_root(new_root: str, put_old: str) -> None:
    syscall("pivot_root", _path(new_root), _path(put_old))


def prctl(option: int, arg2: int = 0, arg3: int = 0) -> int:
    return syscall("prctl", ctypes.c_int(option), ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0), ctypes.c_ulong(0))


@functools.lru_cache(maxsize=1)
def last_capability() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return 40


def drop_bounding_set() -> None:
    """Empty the capability bounding set, so nothing run later can regain a capability (needs CAP_SETPCAP)."""
    for cap in range(last_capability() + 1):
        prctl(PR_CAPBSET_DROP, cap)


def drop_capabilities() -> None:
    """Empty the ambient, effective, permitted and inheritable capability sets of this process."""
    try:
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    except OSError:  # kernels before 4.3 have no ambient set
        pass
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    syscall("capset", ctypes.byref(header), ctypes.byref(data))


def no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def die_with_parent() -> None:
    """SIGKILL this process when the thread that forked it ends."""
    prctl(PR_SET_PDEATHSIG, 9)
