"""Which confinement is in force here: found once by the supervisor with trial jobs, told in words.

`find_caps` (in the supervisor) tries a no-op job with everything on, then with less (no
namespaces, no seccomp, no Landlock, no uid change) until one starts, so each job later runs with
exactly what this machine allows and the reason for what it does not. `Confinement` turns that into
the table `dlcert info` prints, the notes every report carries, and the refusal of `class grade`
and the Gradescope autograder when too little is in force.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace

from grader.sandbox import confine, kernel, landlock

TRIAL_SECONDS = 10


def _full_uid_map() -> bool:
    """Whether every uid is mapped (the initial user namespace), so a fresh uid per job exists."""
    try:
        with open("/proc/self/uid_map") as handle:
            return handle.read().split() == ["0", "0", "4294967295"]
    except OSError:
        return False


def _trial(caps: confine.Caps, hidden: tuple[str, ...], temp: str) -> str | None:
    """None when a no-op job starts with `caps`, else what failed."""
    read, write = os.pipe()
    try:
        started = confine.start(confine.JobSpec("numpy", 256, 5), caps, (read, write, write), hidden, temp, probing=True)
    except OSError as exc:
        return f"{exc.strerror or exc}"
    finally:
        os.close(read)
        os.close(write)
    _, status = os.waitpid(started.pid, 0)
    os.set_blocking(started.errors, True)
    message = os.read(started.errors, 2000).decode("utf-8", "replace")
    os.close(started.errors)
    if started.scratch:
        import shutil

        shutil.rmtree(started.scratch, ignore_errors=True)
    return None if status == 0 and message == "ok" else message or f"exit status {status}"


def unconfined() -> confine.Caps:
    """Plain forks with resource limits: what a machine without any mechanism gets."""
    return confine.Caps(linux=kernel.SUPPORTED, why="confinement was turned off")


def find_caps(hidden: tuple[str, ...], temp: str) -> confine.Caps:
    """The most this machine allows, tried for real."""
    if not kernel.SUPPORTED:
        return confine.Caps(linux=sys.platform.startswith("linux"), why=f"no sandbox layer for {sys.platform} {kernel.MACHINE}")
    root = os.geteuid() == 0
    job_uid = root and _full_uid_map()
    best = confine.Caps(linux=True, namespaces=True, userns=not job_uid, job_uid=job_uid, landlock=landlock.abi(), seccomp=True)
    if not best.landlock:
        best = replace(best, why="Landlock is not available here (an old kernel, or a container that blocks it)")
    attempts = [("in its own namespaces", best)]
    # Give up the least first: a uid of its own fails where Python lies under a 0700 /root and no mount
    # namespace shows it; Landlock and seccomp still confine a process that keeps the grader's uid.
    for name, off in (("without namespaces", {"namespaces": False, "userns": False}), ("without a uid of its own", {"job_uid": False}),
                      ("without seccomp", {"seccomp": False}), ("without Landlock", {"landlock": 0})):
        less = replace(attempts[-1][1], **off)
        if less != attempts[-1][1]:
            attempts.append((name, less))
    whys = [best.why] if best.why else []
    for name, caps in attempts:
        failed = _trial(caps, hidden, temp)
        if failed is None:
            return replace(caps, why="; ".join(whys))
        whys.append(f"a job {name} could not start ({failed})")
    return confine.Caps(linux=True, why="; ".join(whys))


@dataclass(frozen=True)
class Mechanism:
    """One row of the confinement table: what it guards, whether it is in force, and by what."""

    name: str
    in_force: bool
    by: str


@dataclass(frozen=True)
class Confinement:
    caps: confine.Caps

    @property
    def mechanisms(self) -> list[Mechanism]:
        c = self.caps
        ns, ll, sc = c.namespaces, c.landlock, c.seccomp
        as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False

        def by(*parts: tuple[bool, str]) -> str:
            return ", ".join(text for on, text in parts if on)

        rows = [
            Mechanism("filesystem", ns or ll > 0,
                      by((ns, "a minimal root per job (mount namespace)"), (ll > 0, "a Landlock allowlist"))
                      or "none: learner code can read every file the grader's user can"),
            Mechanism("network", ns or sc,
                      by((ns, "an empty network namespace"), (ll >= 4, "TCP denied by Landlock"),
                         (sc, "no sockets but AF_UNIX (seccomp)")) or "none: learner code can open connections"),
            Mechanism("signals and ptrace", ns or c.job_uid or ll >= 6,
                      by((ns, "a PID namespace per job"), (c.job_uid, "a fresh uid per job"),
                         (ll >= 6, "Landlock signal scoping"), (sc, "no ptrace (seccomp)"))
                      or "none: learner code can signal and trace the grader's processes"),
            Mechanism("processes", c.linux,
                      by((ns, "a PID namespace: every process ends with its job"),
                         (c.linux and not ns, "every process left is killed when its job ends (child subreaper)"),
                         (c.job_uid or c.userns, f"at most {confine.MAX_PROCESSES} per job"))
                      or "a process group only: a daemon started by learner code can outlive its check"),
            Mechanism("memory", c.linux,
                      "summed over the job's processes, RLIMIT_AS on the NumPy track" if c.linux
                      else "not enforced on this platform"),
            Mechanism("uid", c.job_uid or not as_root,
                      "a fresh uid per job" if c.job_uid else
                      "your uid, in a user namespace without capabilities" if c.userns and ns else
                      "your own uid" if not as_root else "root: learner code runs as root"),
        ]
        return rows

    @property
    def sufficient(self) -> bool:
        """Enough to grade other people's code: files, uid, signals and processes all confined."""
        return all(m.in_force for m in self.mechanisms if m.name in ("filesystem", "uid", "signals and ptrace", "processes"))

    def notes(self) -> list[str]:
        """One line naming what is not in force (none when everything is)."""
        missing = [f"{m.name} ({m.by})" for m in self.mechanisms if not m.in_force]
        if not missing:
            return []
        why = f"; {self.caps.why}" if self.caps.why else ""
        return [f"confinement not in force: {'; '.join(missing)}{why}"]
