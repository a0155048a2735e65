"""The attack suite's world: things a hostile hand-in must not reach, each holding a canary, and
helpers to render hostile modules, snapshot what must not change and find surviving processes.

Run as root (CI, class containers) and, by `test_as_user.py`, again as an unprivileged user.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HOSTILE = Path(__file__).parent / "hostile"
REPO = Path(__file__).resolve().parents[2]
SUPERVISOR_MARKER = b"grader.sandbox.supervisor"
CANARY = f"canary-{secrets.token_hex(8)}"
"""In every protected file and every secret: it must never show in any report or output."""


def render(name: str, **values) -> str:
    """The hostile module `name` with its __NAMES__ filled in."""
    text = (HOSTILE / name).read_text()
    for key, value in values.items():
        text = text.replace(f"__{key}__", str(value))
    return text


def reached(message: str) -> list[str]:
    """The parts of a hostile task's message that say it reached something outside its own job."""
    return [part for part in message.split(" | ") if "REACHED" in part]


def snapshot(*folders: Path) -> dict[str, tuple[int, str]]:
    """Every file under `folders`: size and sha256 (links as their target), to compare before and after."""
    seen = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_symlink():
                seen[str(path)] = (-1, os.readlink(path))
            elif path.is_file():
                seen[str(path)] = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return seen


def job_processes() -> list[tuple[int, str]]:
    """Processes started for a job (a supervisor's forks in another PID namespace, under a job uid, or
    orphaned to PID 1) that are still alive."""
    from grader.sandbox.confine import JOB_UID_BASE, JOB_UID_RANGE

    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if SUPERVISOR_MARKER not in cmdline:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uid = int(fields.get("Uid", "0").split()[0])
        if (len(fields.get("NSpid", "").split()) > 1 or JOB_UID_BASE <= uid < JOB_UID_BASE + JOB_UID_RANGE
                or fields.get("PPid", "").strip() == "1"):
            found.append((int(entry), fields.get("State", "").strip()))
    return found


def survivors(seconds: float = 2.0) -> list[tuple[int, str]]:
    """The job processes still alive after `seconds` (the issue's bound), zombies being reaped included."""
    deadline = time.monotonic() + seconds
    while (left := [p for p in job_processes() if not p[1].startswith("Z")]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


class Listener:
    """A TCP server on 127.0.0.1 that records every connection (none may come from a job)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.connections.append(conn.recv(100) or b"(connected)")
                except OSError:
                    self.connections.append(b"(connected)")

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@dataclass
class World:
    """A grading machine's protected state, laid out in one folder."""

    root: Path
    classmate: Path
    gradebook: Path
    autograder: Path
    listener: Listener
    env: dict = field(default_factory=dict)
    """The grader's environment: the test run's, plus secrets that must never reach a job."""

    def values(self, ws_root: Path) -> dict:
        from grader.references import cache_dir, data_dir

        return {
            "SOLUTION": REPO / "exercises" / "02_activations" / "solution.py", "CACHE": cache_dir(), "DATA": data_dir(),
            "OTHER": self.classmate, "GRADEBOOK": self.gradebook, "AUTOGRADER": self.autograder,
            "PROGRESS": ws_root / ".dlcert" / "progress.sqlite", "PIDS": [os.getpid(), os.getppid()],
            "PORT": self.listener.port,
        }

    def protected(self) -> list[Path]:
        from grader.references import cache_dir, data_dir

        return [self.root / "classmate", self.autograder, self.gradebook.parent, cache_dir(), data_dir()]


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("world")
    classmate = root / "classmate" / "exercises" / "02_activations" / "activations.py"
    classmate.parent.mkdir(parents=True)
    classmate.write_text(f"# {CANARY}: a classmate's work\n")
    gradebook = root / "books" / "gradebook.sqlite"
    gradebook.parent.mkdir()
    with sqlite3.connect(gradebook) as conn:
        conn.execute("CREATE TABLE grades (learner TEXT, note TEXT)")
        conn.execute("INSERT INTO grades VALUES ('ann', ?)", (CANARY,))
    autograder = root / "autograder"
    (autograder / "source").mkdir(parents=True)
    (autograder / "results").mkdir()
    (autograder / "source" / "secret").write_text(CANARY + "\n")
    (autograder / "results" / "results.json").write_text(f'{{"output": "{CANARY}"}}')
    listener = Listener()
    env = {**os.environ, "DLCERT_CLASS_SECRET": CANARY, "AWS_SECRET_ACCESS_KEY": CANARY, "NO_COLOR": "1", "COLUMNS": "200"}
    yield World(root, classmate, gradebook, autograder, listener, env)
    listener.close()


CONTAINED = [sys.executable, str(Path(__file__).parent / "restricted.py")]
"""Prefix for a command that must run where namespaces fail (Docker's default profile): see restricted.py."""


def dlcert(*args: str, env: dict, cwd: Path | None = None, timeout: float = 300, prefix: tuple = ()) -> subprocess.CompletedProcess:
    """The `dlcert` command of this checkout, as a learner or an instructor runs it (after `prefix`, if any)."""
    exe = Path(sys.executable).parent / "dlcert"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "grader"]
    return subprocess.run([*prefix, *command, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
