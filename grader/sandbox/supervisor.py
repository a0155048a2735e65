"""The sandbox supervisor: a small process between the grader and learner code.

It reads one job per line on stdin, forks a child per job (NumPy is already imported, so a fork is
cheap: the warm worker), applies the limits, waits, and writes the child's exit on stdout. Learner
code's parent is this process, never the grader, and it runs in its own session.
"""
from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time

import numpy  # noqa: F401  (imported once here so every forked child starts warm)

from grader.sandbox import child

OUTPUT_LIMIT_BYTES = 64 * 2**20
RSS_POLL_SECONDS = 0.05


def _limit_child(job: dict) -> None:
    """Limits applied in the child before learner code runs."""
    memory = int(job["memory_mb"]) * 2**20
    if job["track"] == "numpy" and sys.platform.startswith("linux"):
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(job["cpu_seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT_BYTES, OUTPUT_LIMIT_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def readable_by_others(path: str) -> bool:
    """Whether a user with no special rights can reach `path` (every folder on the way searchable)."""
    import stat

    current = os.path.abspath(path)
    need = stat.S_IROTH | (stat.S_IXOTH if os.path.isdir(current) else 0)
    while True:
        try:
            mode = os.stat(current).st_mode
        except OSError:
            return False
        if mode & need != need:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current, need = parent, stat.S_IXOTH


def drop_privileges(job: dict) -> str | None:
    """As root, become `nobody` (or DLCERT_SANDBOX_USER) so learner code cannot touch the grader.

    Done only when that user can read Python, the learner's file and the exchange folder; the
    reason it was not done is returned (and reported), never hidden.
    """
    if os.geteuid() != 0:
        return None
    import pwd
    import sysconfig

    name = os.environ.get("DLCERT_SANDBOX_USER", "nobody")
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        return f"no user {name!r} to run learner code as"
    for path in (sysconfig.get_paths()["stdlib"], job["module_file"], job["exchange_dir"]):
        if not readable_by_others(path):
            return f"{path} is not readable by {name!r}, so learner code runs as root"
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    return None


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _wait(pid: int, job: dict) -> tuple[int, str | None]:
    """Wait for the child; torch-track children get a polled RSS limit instead of RLIMIT_AS."""
    if job["track"] == "numpy" or not sys.platform.startswith("linux"):
        return os.waitpid(pid, 0)[1], None
    limit = int(job["memory_mb"]) * 2**20
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status, None
        if _rss_bytes(pid) > limit:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1], f"used more than {job['memory_mb']} MiB of memory"
        time.sleep(RSS_POLL_SECONDS)


def run_job(job: dict, events_fd: int) -> dict:
    output = os.open(job["output_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.dup2(output, 1)
            os.dup2(output, 2)
            sys.stdin.close()
            os.closerange(3, events_fd)
            os.closerange(events_fd + 1, 1024)
            sys.stdout = open(1, "w", buffering=1, closefd=False)
            sys.stderr = open(2, "w", buffering=1, closefd=False)
            os.chdir(job["exchange_dir"])
            _limit_child(job)
            not_dropped = drop_privileges(job)
            if not_dropped:
                os.write(events_fd, (json.dumps({"e": "note", "message": not_dropped}) + "\n").encode())
            child.run(job, events_fd)
        except BaseException:  # nothing may escape the child: it must end here
            os._exit(70)
        os._exit(0)
    os.close(output)
    os.write(events_fd, (json.dumps({"e": "forked", "pid": pid}) + "\n").encode())
    status, killed_for = _wait(pid, job)
    exit_info = {"e": "exit", "pid": pid, "killed_for": killed_for}
    if os.WIFSIGNALED(status):
        exit_info["signal"] = signal.Signals(os.WTERMSIG(status)).name
    else:
        exit_info["code"] = os.WEXITSTATUS(status)
    return exit_info


def main() -> None:
    events_fd = os.dup(1)
    sys.stdout = open(os.devnull, "w")
    for line in sys.stdin:
        if not line.strip():
            continue
        exit_info = run_job(json.loads(line), events_fd)
        os.write(events_fd, (json.dumps(exit_info) + "\n").encode())


if __name__ == "__main__":
    main()
