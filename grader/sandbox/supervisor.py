"""The sandbox supervisor: a small process between the grader and every job it runs.

Exec'd by `Sandbox` with a fixed minimal environment (never the grader's: a job's
/proc/self/environ is this one), it imports NumPy once so every job starts warm, finds what the
kernel allows with a trial job (`probe.find_caps`), and reports that. Then, for each message on
its socket (its stdin), it starts a job with the three pipe ends the grader sent along
(`confine.start`), sums the memory of every process of the job and kills it past its budget,
kills it when the grader says so, and reports how it ended. When the socket reaches EOF (the grader
ended, even by kill -9) it kills the job in flight and exits. It never sees a job's data, which
goes from the grader straight to the learner process, so no job can find another's in memory.
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import sys
import time

import numpy  # noqa: F401  (imported once here so every job starts warm)

from grader.sandbox import confine, kernel, probe
from grader.sandbox.channel import Channel

MEMORY_POLL_MS = 50


def children(pid: int) -> list[int]:
    """The children of `pid`, from each of its threads' /proc/PID/task/TID/children."""
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found += [int(p) for p in handle.read().split()]
        except (OSError, ValueError):
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every living descendant of `pid`."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def memory_bytes(pid: int) -> int:
    """Anonymous and shared-memory pages of `pid` (its libraries' file pages are not its allocations)."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(("RssAnon:", "RssShmem:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return total


def _reap_orphans(job: int) -> None:
    """Reap the dead processes a job left to this subreaper (they would count against its process budget)."""
    for pid in children(os.getpid()):
        if pid != job:
            os.waitpid(pid, os.WNOHANG)


def end_leftovers() -> None:
    """Kill and reap every process still below this one (a job's daemons, when there is no PID namespace)."""
    while True:
        for pid in descendants(os.getpid()):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def run_job(spec: confine.JobSpec, caps: confine.Caps, fds: list[int], config: dict, channel: Channel) -> dict:
    started = confine.start(spec, caps, tuple(fds), tuple(config["hidden"]), config["temp"])
    for fd in fds:
        os.close(fd)
    poller = select.poll()
    poller.register(channel.fileno(), select.POLLIN)
    try:
        pidfd = os.pidfd_open(started.pid)
        poller.register(pidfd, select.POLLIN)
    except (AttributeError, OSError):
        pidfd = None
    killed_for, eof, status = None, False, 0
    budget = spec.memory_mb * 2**20
    while True:
        ready = poller.poll(MEMORY_POLL_MS)
        done, status = os.waitpid(started.pid, os.WNOHANG)
        if done:
            break
        if not eof and (channel.pending() or any(fd == channel.fileno() for fd, _ in ready)):
            message, extra = channel.receive(timeout=0)
            for fd in extra:
                os.close(fd)
            if message is None and channel.closed:
                eof = True
                poller.unregister(channel.fileno())
            if message is not None or eof:
                killed_for = killed_for or (message or {}).get("kill") or "the grader ended the job"
        elif killed_for is None:
            if sum(memory_bytes(p) for p in [started.pid, *descendants(started.pid)]) > budget:
                killed_for = f"used more than {spec.memory_mb} MiB of memory"
            _reap_orphans(started.pid)
        if killed_for:
            try:
                os.kill(started.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    if pidfd is not None:
        os.close(pidfd)
    end_leftovers()
    setup_error = _read_all(started.errors)
    if started.scratch:
        shutil.rmtree(started.scratch, ignore_errors=True)
    result = {"e": "exit", "killed_for": killed_for if isinstance(killed_for, str) else None, "eof": eof}
    if os.WIFSIGNALED(status):
        result["signal"] = signal.Signals(os.WTERMSIG(status)).name
    else:
        result["code"] = os.WEXITSTATUS(status)
    if result.get("code") == confine.SETUP_FAILED and setup_error:
        result["setup_error"] = setup_error
    return result


def _read_all(fd: int) -> str:
    chunks = []
    os.set_blocking(fd, False)
    try:
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")[:2000]


def main(config: dict) -> None:
    channel = Channel(socket.socket(fileno=0))
    sys.stdout = open(os.devnull, "w")
    if kernel.SUPPORTED:
        kernel.prctl(kernel.PR_SET_CHILD_SUBREAPER, 1)
    started = time.monotonic()
    caps = probe.find_caps(tuple(config["hidden"]), config["temp"]) if config["confine"] else probe.unconfined()
    channel.send({"e": "ready", "caps": caps.to_dict(), "probe_seconds": round(time.monotonic() - started, 4)})
    while True:
        message, fds = channel.receive()
        if message is None:
            return
        if "run" not in message or len(fds) != 3:  # a kill for a job that already ended
            for fd in fds:
                os.close(fd)
            continue
        result = run_job(confine.JobSpec(**message["run"]), caps, fds, config, channel)
        if result["eof"]:
            return
        channel.send(result)
