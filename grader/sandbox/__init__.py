"""The sandbox: the only place that spawns processes, and the only place learner code runs.

`Sandbox.run` sends one module's job to a warm supervisor process (see `supervisor.py`), reads the
child's events with a deadline per task, and turns whatever happens (a hang, a crash, an early
exit, a killed supervisor) into a `TaskRun` for that task, then restarts for the tasks left.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import wire

SLACK_SECONDS = 5.0
OUTPUT_TAIL_BYTES = 4000


@dataclass
class CaseRun:
    """What one call of learner code gave back, as plain data."""

    case: str
    outputs: Any
    inputs_after: Any
    error: str | None = None
    not_implemented: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class TaskRun:
    """How one task's run ended: `ran` (see `cases`), `missing`, `error` or `timeout`."""

    task: str
    status: str
    cases: list[CaseRun] = field(default_factory=list)
    message: str | None = None
    output: str = ""


@dataclass
class TaskJob:
    name: str
    time_limit: float
    cases: list[dict]
    """Each {"name", "args" (wire-encoded), "stable"}."""


@dataclass
class ModuleJob:
    """One learner module and the tasks to run in it."""

    module_file: Path
    module_name: str
    track: str
    memory_mb: int
    tasks: list[TaskJob]
    exchange_dir: Path
    harness_file: Path | None = None


def encode_args(args: dict, exchange_dir: Path, prefix: str) -> str:
    return wire.encode(args, str(exchange_dir), prefix)


class _Supervisor:
    """A running `grader.sandbox.supervisor` process in its own session."""

    def __init__(self) -> None:
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.supervisor"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd="/",  # not the learner's folder: nothing there may shadow a module the supervisor imports
        )
        self.buffer = b""
        self.child_pid: int | None = None
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)

    def send(self, job: dict) -> bool:
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def next_event(self, deadline: float) -> dict | None | str:
        """The next event; "timeout" when the deadline passes, None when the pipe closed."""
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self.selector.select(timeout=left):
                return "timeout"
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            event = json.loads(line)
        except ValueError:
            return {"e": "garbage"}
        if not isinstance(event, dict):
            return {"e": "garbage"}
        if event.get("e") == "forked":
            self.child_pid = event.get("pid") if isinstance(event.get("pid"), int) else None
        return event

    def kill(self) -> None:
        for target in (self.child_pid, -self.proc.pid):
            if target:
                try:
                    os.kill(target, signal.SIGKILL) if target > 0 else os.killpg(-target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.proc.wait()
        self.selector.close()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class Sandbox:
    """A reusable sandbox (one warm supervisor); use as a context manager."""

    def __init__(self) -> None:
        self._supervisor: _Supervisor | None = None
        self.notes: set[str] = set()
        """What the sandbox could not do as asked (e.g. drop root), reported with the results."""

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._supervisor:
            self._supervisor.kill()
            self._supervisor = None

    def _restart(self) -> _Supervisor:
        self.close()
        self._supervisor = _Supervisor()
        return self._supervisor

    def run(self, job: ModuleJob) -> dict[str, TaskRun]:
        """Run every task of `job`; whatever learner code does, each task gets a `TaskRun`."""
        results: dict[str, TaskRun] = {}
        attempt = 0
        while len(results) < len(job.tasks):
            remaining = [t for t in job.tasks if t.name not in results]
            attempt += 1
            got = self._run_once(job, remaining, job.exchange_dir / f"output-{attempt}.txt")
            if not got:  # the process died between tasks: blame the next one so the loop ends
                first = remaining[0].name
                got = {first: TaskRun(first, "error", message="the sandbox stopped before this task could run")}
            results.update(got)
        return {t.name: results[t.name] for t in job.tasks}

    def _run_once(self, job: ModuleJob, tasks: list[TaskJob], output_file: Path) -> dict[str, TaskRun]:
        supervisor = self._supervisor if self._supervisor and self._supervisor.proc.poll() is None else self._restart()
        supervisor.child_pid = None
        limits = {t.name: t.time_limit for t in tasks}
        payload = {
            "module_file": str(job.module_file),
            "module_name": job.module_name,
            "track": job.track,
            "memory_mb": job.memory_mb,
            "harness_file": str(job.harness_file) if job.harness_file else None,
            "exchange_dir": str(job.exchange_dir),
            "output_file": str(output_file),
            "cpu_seconds": int(sum(limits.values()) + 2 * SLACK_SECONDS),
            "tasks": [{"task": t.name, "time_limit": t.time_limit, "cases": t.cases} for t in tasks],
        }
        if not supervisor.send(payload):
            supervisor = self._restart()
            supervisor.send(payload)
        results: dict[str, TaskRun] = {}
        current: TaskRun | None = None
        imported = False
        deadline = time.monotonic() + tasks[0].time_limit + SLACK_SECONDS

        def output() -> str:
            return _tail(output_file)

        def finish_rest(status: str, message: str) -> dict[str, TaskRun]:
            for t in tasks:
                results.setdefault(t.name, TaskRun(t.name, status, message=message, output=output()))
            return results

        while True:
            event = supervisor.next_event(deadline)
            if event == "timeout" or event is None:
                self.close()
                if len(results) == len(tasks):
                    return results
                if not imported:
                    what = f"did not finish importing within {tasks[0].time_limit:g} s" if event else "was killed while importing"
                    return finish_rest("timeout" if event else "error", f"the module {what}")
                if current is None:
                    return results  # between tasks: run the rest again
                limit = limits[current.task]
                current.status = "timeout" if event else "error"
                current.message = (
                    f"did not finish within {limit:g} s (an infinite loop, or far too slow?)"
                    if event
                    else "the sandbox was killed while this task ran (did the code signal its parent?)"
                )
                current.output = output()
                results[current.task] = current
                return results
            kind = event.get("e")
            if kind == "note":
                self.notes.add(str(event.get("message"))[:300])
            elif kind == "imported":
                imported = True
                deadline = time.monotonic() + tasks[0].time_limit + SLACK_SECONDS
            elif kind == "import_error":
                finish_rest("error", "the module failed to import:\n" + str(event.get("message")))
                imported = True  # every task has its result; wait for the exit so no event is left over
            elif kind == "start" and event.get("task") in limits:
                current = TaskRun(event["task"], "ran")
                deadline = time.monotonic() + limits[current.task]
            elif kind == "case" and current is not None:
                current.cases.append(_case_run(event, job.exchange_dir))
            elif kind == "missing" and current is not None:
                current.status = "missing"
            elif kind == "end" and current is not None:
                current.output = output()
                results[current.task] = current
                current = None
                deadline = time.monotonic() + SLACK_SECONDS + (tasks[0].time_limit if not results else 0)
            elif kind == "exit":
                code = event.get("signal") or f"exit code {event.get('code')}"
                why = event.get("killed_for") or f"the process ended ({code})"
                if not imported:
                    return finish_rest("error", f"the module could not be run: {why}")
                if current is not None:
                    current.status, current.message, current.output = "error", f"{why} while this task ran", output()
                    results[current.task] = current
                return results


def _case_run(event: dict, exchange: Path) -> CaseRun:
    def value(key: str) -> Any:
        text = event.get(key)
        return wire.decode(text, exchange) if isinstance(text, str) else wire.Rejected("nothing")

    return CaseRun(
        case=str(event.get("case")),
        outputs=value("outputs"),
        inputs_after=value("inputs_after"),
        error=event.get("error") if isinstance(event.get("error"), str) else None,
        not_implemented=bool(event.get("not_implemented")),
        warnings=[str(w) for w in event.get("warnings") or []][:5],
        seconds=float(event.get("seconds") or 0.0),
    )


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - OUTPUT_TAIL_BYTES))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return ("[... earlier output cut ...]\n" if size > OUTPUT_TAIL_BYTES else "") + text
