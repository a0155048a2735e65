"""One job's processes: how the supervisor starts them and what each does before learner code runs.

With namespaces (`Caps.namespaces`): the supervisor clones the learner process into new user (when
not root), mount, PID, network, IPC and UTS namespaces; it builds the job's root (`view`) and is
PID 1 there, so when it ends the kernel kills whatever else the job started. Without namespaces
the supervisor forks it and, as a child subreaper, kills every process the job left behind.

The learner process then drops what it holds, in this order: every file descriptor but the job's
three pipes; the environment (a fixed allowlist); resource limits; root (a fresh uid per job) or
the user namespace's capabilities; no_new_privs; a Landlock allowlist; a seccomp filter. Only then
does `child.run` read the job and import the learner's module.
"""
from __future__ import annotations

import os
import resource
import secrets
import signal
from dataclasses import asdict, dataclass

from grader.sandbox import child, kernel, landlock, seccomp, view

JOB_UID_BASE, JOB_UID_RANGE = 1_600_000_000, 2**24
"""Fresh uids per job come from here when the supervisor is root (no passwd entry is needed)."""
MAX_PROCESSES = 64
MAX_OPEN_FILES = 256
SETUP_FAILED = 111
"""The exit code of a job whose confinement could not be set up (the reason goes to the error pipe)."""
JOB_ENV = {
    "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
PASSED_THROUGH = ("CUDA_VISIBLE_DEVICES",)
"""Grader variables a job also gets (where the grader has them): they select devices, they hold no secret."""


@dataclass(frozen=True)
class Caps:
    """What this machine lets the supervisor do, found by a trial job at its start (see `probe`)."""

    linux: bool = False
    namespaces: bool = False
    userns: bool = False
    """The namespaces include a user namespace (the supervisor is not real root)."""
    job_uid: bool = False
    """Each job runs under its own fresh uid (the supervisor is root with every uid mapped)."""
    landlock: int = 0
    """The Landlock ABI in force (0: none)."""
    seccomp: bool = False
    why: str = ""
    """What failed, in words, when something above is off."""

    @property
    def can_end_job_processes(self) -> bool:
        """Whether kill(-1) from the learner process reaches its job's processes and nothing else."""
        return self.namespaces or self.job_uid or self.landlock >= 6

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class JobSpec:
    """What the supervisor is told about a job (its data goes straight from the grader to the job)."""

    track: str
    memory_mb: int
    cpu_seconds: int
    scratch_mb: int = 64


@dataclass
class Started:
    pid: int
    errors: int
    """The read end of the pipe the job's setup writes its failure to."""
    scratch: str | None = None
    """A host folder to remove when the job ends (the scratch when there is no mount namespace)."""


def _job_ids(caps: Caps) -> tuple[int, int]:
    if caps.job_uid:
        uid = JOB_UID_BASE + secrets.randbelow(JOB_UID_RANGE)
        return uid, uid
    return os.getuid(), os.getgid()


def start(spec: JobSpec, caps: Caps, fds: tuple[int, int, int], hidden: tuple[str, ...], temp: str,
          probing: bool = False) -> Started:
    """Start a job whose learner process reads the job from fds[0] and writes events and output to fds[1:]."""
    uid, gid = _job_ids(caps)
    errors_r, errors_w = os.pipe()
    scratch = None
    if not caps.namespaces:
        import tempfile

        scratch = tempfile.mkdtemp(prefix="dlcert-job-", dir=temp)
        if caps.job_uid:
            os.chown(scratch, uid, gid)
    shown = view.build(spec.track, hidden)
    flags = kernel.CLONE_NEWNS | kernel.CLONE_NEWPID | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS
    if caps.namespaces and caps.userns:
        flags |= kernel.CLONE_NEWUSER
    real = (os.getuid(), os.getgid())
    rules = view.allowlist(shown, scratch or view.SCRATCH, in_root=caps.namespaces) if caps.landlock else []
    pid = kernel.clone(flags) if caps.namespaces else os.fork()
    if pid == 0:
        try:
            os.close(errors_r)
            if caps.linux:
                kernel.die_with_parent()
            if caps.namespaces:
                if caps.userns:
                    _map_ids(*real)
                os.umask(0o022)
                view.mount_root(shown, "/tmp", spec.scratch_mb, uid, gid)
            _learner(spec, caps, rules, fds, errors_w, uid, gid, scratch or view.SCRATCH, probing)
        except BaseException as exc:  # the setup failed: say why, end here
            _fail(errors_w, exc)
        os._exit(SETUP_FAILED)
    os.close(errors_w)
    return Started(pid, errors_r, scratch)


def _fail(errors_w: int, exc: BaseException) -> None:
    try:
        os.write(errors_w, f"{type(exc).__name__}: {exc}"[:1000].encode())
    except OSError:
        pass
    os._exit(SETUP_FAILED)


def _map_ids(uid: int, gid: int) -> None:
    """Map this user namespace's ids to the supervisor's own (the only mapping a user may write)."""
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def _learner(spec, caps, rules, fds, errors_w, uid, gid, home, probing) -> None:
    """The learner process: drop everything, confine, then run the job (never returns)."""
    job_r, events_w, output_w = fds
    os.setsid()  # its own session and process group: killpg(0) reaches nothing outside the job
    keep = sorted({job_r, events_w, output_w, errors_w})
    _close_all_but(keep)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(output_w, 1)
    os.dup2(output_w, 2)
    os.close(null)
    os.chdir(home)
    os.umask(0o077)
    os.environ.clear()
    os.environ.update(JOB_ENV, HOME=home, TMPDIR=home)
    _limit(spec, caps)
    if caps.namespaces or caps.job_uid:
        kernel.drop_bounding_set()
    if caps.job_uid:  # leaving root empties every capability set
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    if caps.linux:
        kernel.drop_capabilities()
        kernel.no_new_privs()
    if caps.landlock:
        landlock.restrict(rules, caps.landlock)
    if caps.seccomp:
        seccomp.install()
    if probing:  # a job must also be able to read what it is shown (a uid of its own cannot pass a 0700 /root)
        os.listdir(os.path.dirname(os.__file__))
        os.write(errors_w, b"ok")
        os._exit(0)
    os.close(errors_w)
    child.run(job_r, events_w)
    os._exit(0)


def _close_all_but(keep: list[int]) -> None:
    low = 0
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 65536)


def _limit(spec: JobSpec, caps: Caps) -> None:
    memory = spec.memory_mb * 2**20
    if spec.track == "numpy" and caps.linux:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (spec.cpu_seconds, spec.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (spec.scratch_mb * 2**20,) * 2)
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))
    if caps.job_uid or caps.userns:  # counted per job: its own uid, or its own user namespace
        resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
