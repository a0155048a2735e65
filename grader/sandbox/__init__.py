"""The sandbox: the only place that starts processes, and the only place learner code runs.

`Sandbox.run(job)` runs one module's tasks in a job: it creates three pipes (the job's data in,
events out, printed output out), hands the job's ends to a warm supervisor (`supervisor.py`) that
starts the confined learner process (`confine.py`), writes the job, and reads the events with a
deadline per task that only it keeps. Every frame is checked against the tasks it expects (a
forged, repeated or out-of-order event ends the job and costs its task); whatever happens (a hang,
a crash, a kill, a protocol violation) becomes a `TaskRun`, and the tasks left run in a new job.
`Sandbox.cancel()` (from any thread) stops a run that is still going; `Sandbox.confinement` says
what is in force (see `probe.py`).
"""
from __future__ import annotations

import functools
import json
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import wire
from grader.sandbox.channel import Channel
from grader.sandbox.confine import PASSED_THROUGH, Caps
from grader.sandbox.probe import Confinement

SLACK_SECONDS = 5.0
OUTPUT_KEEP_BYTES = 2000
"""Printed output kept per task: this much of its start and of its end."""
MAX_TASK_BYTES = 128 * 2**20
"""Event bytes one task may send in all (its cases' outputs and inputs)."""
SCRATCH_MB = 64
START_SECONDS = 60.0
KILL_SECONDS = 10.0
SUPERVISOR_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "OMP_NUM_THREADS": "1",
                  "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
                  "VECLIB_MAXIMUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"}
"""The supervisor's whole environment (and so every job's initial one): never the grader's."""
_BOOT = ("import sys, json; sys.path[:0] = json.loads(sys.argv[1]); "
         "from grader.sandbox.supervisor import main; main(json.loads(sys.argv[2]))")


class Cancelled(Exception):
    """`Sandbox.cancel()` stopped the run."""


class SandboxError(Exception):
    """The supervisor could not be started."""


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
    """What it printed: all of it, or its first and last `OUTPUT_KEEP_BYTES` with a note between."""
    output_bytes: int = 0


@dataclass
class TaskJob:
    name: str
    time_limit: float
    cases: list[tuple[str, dict]]
    """(case name, the arguments the learner process gets), in order."""


@dataclass
class ModuleJob:
    """One learner module (its source, never a path) and the tasks to run in it."""

    module_name: str
    file: str
    """The name the learner's file goes by in tracebacks."""
    source: str
    track: str
    memory_mb: int
    tasks: list[TaskJob]
    harness: str | None = None
    """The source of the exercise's harness (drivers only: it decides nothing)."""


# --- the supervisor -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def local_confinement() -> Confinement:
    """What is in force on this machine (a supervisor is started once per process to find out)."""
    with Sandbox() as sandbox:
        return sandbox.confinement



def hidden_paths() -> list[str]:
    """Paths that must never show inside a job, even where they lie within a folder that does."""
    from grader.references import cache_dir, data_dir

    import tempfile

    return [str(cache_dir()), str(data_dir()), os.path.expanduser("~"), os.getcwd(), tempfile.gettempdir()]


def import_path() -> list[str]:
    """The supervisor's sys.path: dlcert's own folder first, then the grader's, never the current folder."""
    here = str(Path(__file__).resolve().parents[2])
    cwd = os.getcwd()
    paths = [here] + [os.path.abspath(p) for p in sys.path if p and os.path.abspath(p) != cwd and os.path.exists(p)]
    return list(dict.fromkeys(paths))


class _Supervisor:
    """A running `grader.sandbox.supervisor` in its own session, over a unix socket."""

    def __init__(self, confine: bool) -> None:
        import tempfile

        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = dict(SUPERVISOR_ENV)
        env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
        config = {"hidden": hidden_paths(), "temp": tempfile.gettempdir(), "confine": confine}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, json.dumps(import_path()), json.dumps(config)],
                stdin=theirs, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True, env=env, cwd="/",
            )
        finally:
            theirs.close()
        self.channel = Channel(ours)
        self.caps: Caps | None = None

    def wait_ready(self) -> None:
        """Wait for its "ready" (it boots while the caller does other work) and keep what it can enforce."""
        if self.caps is not None:
            return
        ready = self.receive(time.monotonic() + START_SECONDS)
        if not ready or ready.get("e") != "ready":
            self.close()
            raise SandboxError("the sandbox supervisor did not start")
        self.caps = Caps(**ready["caps"])

    def receive(self, deadline: float) -> dict | None:
        """The next message; None at EOF or when `deadline` passes."""
        return self.channel.receive(max(0.0, deadline - time.monotonic()))[0]

    def start_job(self, spec: dict, fds: list[int]) -> bool:
        try:
            self.channel.send({"run": spec}, fds)
            return True
        except OSError:
            return False

    def kill_job(self, why: str) -> None:
        try:
            self.channel.send({"kill": why})
        except OSError:
            pass

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """EOF on its socket: it kills any job and exits; a supervisor that does not is killed."""
        self.channel.close()
        try:
            self.proc.wait(timeout=KILL_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# --- output ---------------------------------------------------------------------------------------


class _Capture:
    """The first and last bytes of one task's output, and how many there were."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = OUTPUT_KEEP_BYTES - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            del self.tail[: max(0, len(self.tail) - OUTPUT_KEEP_BYTES)]

    def text(self) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        middle = f"\n[... {cut} bytes of output cut ...]\n" if cut > 0 else ""
        return self.head.decode("utf-8", "replace") + middle + self.tail.decode("utf-8", "replace")


class _Output:
    """The job's printed output, cut at the markers the child writes before each start and end event."""

    def __init__(self, marker: bytes):
        self.marker = marker
        self.segments = [_Capture()]
        self.carry = b""

    def add(self, data: bytes) -> None:
        data = self.carry + data
        while True:
            at = data.find(self.marker)
            if at < 0:
                break
            self.segments[-1].add(data[:at])
            self.segments.append(_Capture())
            data = data[at + len(self.marker) :]
        keep = len(self.marker) - 1
        self.segments[-1].add(data[: max(0, len(data) - keep)])
        self.carry = data[max(0, len(data) - keep) :]

    def flush(self) -> None:
        self.segments[-1].add(self.carry)
        self.carry = b""

    def taken(self, first: int, last: int) -> _Capture:
        """Segments first..last (by marker number) as one capture."""
        joined = _Capture()
        for capture in self.segments[first : last + 1]:
            joined.add(bytes(capture.head))
            joined.total += capture.total - len(capture.head) - len(capture.tail)
            joined.add(bytes(capture.tail))
        return joined


# --- the protocol ---------------------------------------------------------------------------------


class _Violation(Exception):
    pass


class _Attempt:
    """What one job is expected to send, module by module and task by task; frames that do not fit are
    violations. Results are keyed by the task's position in the job (two modules may share a task name)."""

    def __init__(self, modules: list[list[TaskJob]], now: float, run_deadline: float):
        self.tasks = [t for tasks in modules for t in tasks]
        self.ends: list[int] = []
        """Per task: the position just after its module's last task."""
        for tasks in modules:
            self.ends += [len(self.ends) + len(tasks)] * len(tasks)
        self.run_deadline = run_deadline
        self.results: dict[int, TaskRun] = {}
        self.index = 0
        self.current: TaskRun | None = None
        self.phase = "importing"
        self.boundaries = 0
        self.segment_start = 0
        self.task_bytes = 0
        self.finished = False
        self.set_deadline(now, self.tasks[0].time_limit + SLACK_SECONDS)

    def set_deadline(self, now: float, seconds: float) -> None:
        self.deadline = min(now + seconds, self.run_deadline)

    @property
    def expected(self) -> TaskJob | None:
        return self.tasks[self.index] if self.index < len(self.tasks) else None

    def _next(self, now: float) -> None:
        """After a task or a failed import: the next module's import, the next task, or "done"."""
        if self.expected is not None and self.index == self.ends[self.index - 1]:
            self.phase = "importing"
            self.set_deadline(now, self.expected.time_limit + SLACK_SECONDS)
        else:
            self.phase = "between"
            self.set_deadline(now, SLACK_SECONDS)

    def on_frame(self, event: Any, size: int, now: float) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("e"), str):
            raise _Violation("sent something that is not an event")
        kind = event["e"]
        if self.phase == "in_task":
            self.task_bytes += size
            if self.task_bytes > MAX_TASK_BYTES:
                raise _Violation(f"sent more than {MAX_TASK_BYTES // 2**20} MiB of results for one task")
        if self.phase == "importing" and kind == "imported":
            self.phase = "between"
            self.set_deadline(now, SLACK_SECONDS)
        elif self.phase == "importing" and kind == "import_error":
            message = event.get("message") if isinstance(event.get("message"), str) else "(no message)"
            for i in range(self.index, self.ends[self.index]):
                self.results[i] = TaskRun(self.tasks[i].name, "error", message="the module failed to import:\n" + message[:4000])
            self.index = self.ends[self.index]
            self._next(now)
        elif self.phase == "between" and kind == "start" and self.expected and event.get("task") == self.expected.name:
            self.boundaries += 1
            self.current, self.task_bytes, self.phase = TaskRun(self.expected.name, "ran"), 0, "in_task"
            self.set_deadline(now, self.expected.time_limit)
        elif self.phase == "between" and kind == "done" and self.expected is None:
            self.phase, self.finished = "over", True
        elif self.phase == "in_task" and kind == "case":
            self.current.cases.append(self._case(event))
        elif self.phase == "in_task" and kind == "missing" and not self.current.cases and self.current.status == "ran":
            self.current.status = "missing"
        elif self.phase == "in_task" and kind == "end" and event.get("task") == self.current.task:
            self.boundaries += 1
            self.results[self.index] = self.current
            self.current = None
            self.index += 1
            self._next(now)
        else:
            raise _Violation(f"sent an unexpected {kind!r} event")

    def _case(self, event: dict) -> CaseRun:
        task, done = self.expected, self.current.cases
        if self.current.status != "ran" or (done and done[-1].not_implemented) or len(done) >= len(task.cases):
            raise _Violation("sent a case after its task's last")
        name = task.cases[len(done)][0]
        if event.get("case") != name:
            raise _Violation(f"sent case {str(event.get('case'))[:40]!r} where {name!r} was next")
        error, seconds, warnings = event.get("error"), event.get("seconds"), event.get("warnings")
        return CaseRun(
            case=name,
            outputs=event.get("outputs"),
            inputs_after=event.get("inputs_after"),
            error=error[:4000] if isinstance(error, str) else None,
            not_implemented=event.get("not_implemented") is True,
            warnings=[w[:300] for w in warnings[:5] if isinstance(w, str)] if isinstance(warnings, list) else [],
            seconds=float(seconds) if isinstance(seconds, (int, float)) and 0 <= seconds < 1e6 else 0.0,
        )

    def blame(self, status: str, message: str) -> None:
        """The job ended early: the task that was running (or about to) gets `status`; while a module was
        importing, all of its tasks do (the modules after it are run again, in a new job)."""
        if self.phase == "importing":
            for i in range(self.index, self.ends[self.index]):
                self.results.setdefault(i, TaskRun(self.tasks[i].name, status, message=message))
        elif self.current is not None:
            self.current.status, self.current.message, self.current.cases = status, message, []
            self.results[self.index] = self.current
        elif self.expected is not None:
            self.results[self.index] = TaskRun(self.expected.name, "error", message=message)
        self.phase, self.finished = "over", True


# --- the sandbox ----------------------------------------------------------------------------------


class Sandbox:
    """A reusable sandbox (one warm supervisor); use as a context manager.

    `confine=False` runs jobs as plain forks with resource limits only (what a machine without any
    mechanism gets): for measuring what confinement costs, never for grading other people's code.
    """

    def __init__(self, confine: bool = True) -> None:
        self._confine = confine
        self._supervisor: _Supervisor | None = None
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._cancelled = False

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def confinement(self) -> Confinement:
        return Confinement(self._ensure().caps)

    def close(self) -> None:
        with self._lock:
            if self._supervisor:
                self._supervisor.close()
                self._supervisor = None

    def cancel(self) -> None:
        """Stop the run in progress, from any thread: it raises `Cancelled` (a later run is not affected)."""
        self._cancelled = True
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass

    def start(self) -> "Sandbox":
        """Start the supervisor without waiting for it, so it boots while the caller does other work."""
        with self._lock:
            self._spawn()
        return self

    def _spawn(self) -> _Supervisor:
        if self._supervisor is None or not self._supervisor.alive():
            if self._supervisor:
                self._supervisor.close()
            self._supervisor = _Supervisor(self._confine)
        return self._supervisor

    def _ensure(self) -> _Supervisor:
        with self._lock:
            supervisor = self._spawn()
            try:
                supervisor.wait_ready()
            except SandboxError:
                self._supervisor = None
                raise
            return supervisor

    def run(self, job: ModuleJob) -> dict[str, TaskRun]:
        """Run every task of `job`; whatever learner code does, each task gets a `TaskRun`."""
        return self.run_all([job])[0]

    def run_all(self, jobs: list[ModuleJob]) -> list[dict[str, TaskRun]]:
        """Run several modules of ONE learner (same track and memory budget) one after another in one
        confined job, which saves a job's start per module; per module, as `run`. A task that kills the
        job costs only itself: the tasks left run in a new job."""
        if len({(job.track, job.memory_mb) for job in jobs}) != 1:
            raise ValueError("modules run together must share their track and memory budget")
        self._cancelled = False
        _drain(self._wake_r)
        every = [(j, task) for j, job in enumerate(jobs) for task in job.tasks]
        run_deadline = (time.monotonic() + sum(task.time_limit for _, task in every)
                        + SLACK_SECONDS * (2 * len(jobs) + len(every)))
        results: dict[tuple[int, str], TaskRun] = {}
        while len(results) < len(every):
            remaining = [(j, task) for j, task in every if (j, task.name) not in results]
            if time.monotonic() >= run_deadline:
                for j, task in remaining:
                    results[j, task.name] = TaskRun(task.name, "timeout", message="the module's run as a whole took too long")
                break
            groups = [(j, [task for i, task in remaining if i == j]) for j in dict.fromkeys(j for j, _ in remaining)]
            got = self._run_once(jobs, groups, run_deadline)
            if not got:  # the job died between tasks: blame the next one so the loop ends
                j, first = remaining[0]
                got = {(j, first.name): TaskRun(first.name, "error", message="the sandbox stopped before this task could run")}
            results.update(got)
        return [{task.name: results[j, task.name] for task in job.tasks} for j, job in enumerate(jobs)]

    def _run_once(self, jobs: list[ModuleJob], groups: list[tuple[int, list[TaskJob]]],
                  run_deadline: float) -> dict[tuple[int, str], TaskRun]:
        supervisor = self._ensure()
        marker = b"\x1e" + os.urandom(12).hex().encode() + b"\x1e"
        payload = {
            "track": jobs[0].track, "marker": marker.decode(), "reap": supervisor.caps.can_end_job_processes,
            "modules": [{"module": jobs[j].module_name, "file": jobs[j].file, "source": jobs[j].source,
                         "harness": jobs[j].harness,
                         "tasks": [{"task": t.name, "cases": [{"name": n, "args": a} for n, a in t.cases]} for t in tasks]}
                        for j, tasks in groups],
        }
        data = memoryview(wire.frame(wire.encode(payload)))
        seconds = sum(t.time_limit for _, tasks in groups for t in tasks)
        spec = {"track": jobs[0].track, "memory_mb": jobs[0].memory_mb, "scratch_mb": SCRATCH_MB,
                "cpu_seconds": int(seconds + 2 * SLACK_SECONDS * len(groups))}
        job_r, job_w = os.pipe()
        events_r, events_w = os.pipe()
        output_r, output_w = os.pipe()
        try:
            if not supervisor.start_job(spec, [job_r, events_w, output_w]):
                self.close()
                return {}
        finally:
            for fd in (job_r, events_w, output_w):
                os.close(fd)
        try:
            got = self._follow(supervisor, [tasks for _, tasks in groups], run_deadline, data, job_w, events_r, output_r, marker)
        finally:
            for fd in (job_w, events_r, output_r):  # exactly once: another thread may reuse the number at once
                os.close(fd)
        keys = [(j, t.name) for j, tasks in groups for t in tasks]
        return {keys[i]: run for i, run in got.items()}

    def _follow(self, supervisor, modules, run_deadline, data, job_w, events_r, output_r, marker) -> dict[int, TaskRun]:
        """Write the job, read its events and output until the job has ended, and judge the protocol."""
        for fd in (job_w, events_r, output_r):
            os.set_blocking(fd, False)
        attempt = _Attempt(modules, time.monotonic(), run_deadline)
        output, frames = _Output(marker), wire.FrameReader()
        selector = selectors.DefaultSelector()
        selector.register(job_w, selectors.EVENT_WRITE)
        selector.register(events_r, selectors.EVENT_READ)
        selector.register(output_r, selectors.EVENT_READ)
        selector.register(supervisor.channel.fileno(), selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        exit_info, killing, open_fds = None, None, {events_r, output_r}

        def kill(status: str, message: str) -> None:
            nonlocal killing
            if killing is None:
                killing = (status, message)
                attempt.blame(status, message)
                supervisor.kill_job(message)

        try:
            while exit_info is None or open_fds:
                now = time.monotonic()
                if exit_info is None and killing is None and now >= attempt.deadline:
                    kill(*self._timeout(attempt))
                wait = (attempt.deadline if killing is None else now + KILL_SECONDS) - now
                if exit_info is not None:
                    wait = 0.05
                ready = selector.select(timeout=max(0.0, wait))
                if exit_info is None and killing is not None and not ready and time.monotonic() - now >= KILL_SECONDS:
                    self.close()  # a supervisor that does not answer a kill is ended with its jobs
                    return attempt.results
                if not ready and exit_info is not None:
                    break
                for key, _ in ready:
                    fd = key.fd
                    if fd == job_w:
                        data = self._write_some(job_w, data, selector)
                    elif fd == self._wake_r:
                        _drain(self._wake_r)
                        if self._cancelled:
                            supervisor.kill_job("cancelled")
                            self._await_exit(supervisor)
                            raise Cancelled()
                    elif fd == supervisor.channel.fileno():
                        exit_info = supervisor.receive(time.monotonic() + KILL_SECONDS)
                        selector.unregister(fd)
                        if exit_info is None:  # the supervisor itself died
                            self.close()
                            exit_info = {"killed_for": "the sandbox was killed"}
                    elif fd == output_r:
                        if not _read_into(output_r, output.add):
                            selector.unregister(output_r)
                            open_fds.discard(output_r)
                    elif fd == events_r:
                        chunk = _read_chunk(events_r)
                        if chunk is None:
                            continue
                        if not chunk:
                            selector.unregister(events_r)
                            open_fds.discard(events_r)
                            continue
                        if killing is None:
                            try:
                                for raw in frames.feed(chunk):
                                    self._frame(attempt, raw, output, output_r)
                            except (_Violation, wire.WireError) as exc:
                                kill("error", f"the sandbox protocol was broken: the code {exc}"
                                     if isinstance(exc, _Violation) else f"the sandbox protocol was broken: {exc}")
        finally:
            selector.close()
        output.flush()
        self._finish(attempt, exit_info or {}, output)
        return attempt.results

    @staticmethod
    def _write_some(fd: int, data: memoryview, selector) -> memoryview:
        try:
            sent = os.write(fd, data[: 1 << 16])
        except BlockingIOError:
            return data
        except OSError:  # the job closed its end (it died): nothing more to send
            sent = len(data)
        data = data[sent:]
        if not data:  # the job reads exactly one frame: no EOF needed (the fd is closed once, by _run_once)
            selector.unregister(fd)
        return data

    @staticmethod
    def _timeout(attempt: _Attempt) -> tuple[str, str]:
        if attempt.phase == "importing":
            return "timeout", f"the module did not finish importing within {attempt.expected.time_limit:g} s"
        if attempt.phase == "in_task":
            limit = attempt.expected.time_limit
            return "timeout", f"did not finish within {limit:g} s (an infinite loop, or far too slow?)"
        return "error", "the sandbox stopped before this task could run"

    def _frame(self, attempt: _Attempt, raw: bytes, output: _Output, output_r: int) -> None:
        event = wire.decode(raw)
        before = attempt.boundaries
        attempt.on_frame(event, len(raw), time.monotonic())
        if attempt.boundaries == before:
            return
        _catch_up(output, output_r, attempt.boundaries)
        if attempt.phase == "in_task":  # a start: its output begins after its marker
            return
        run = attempt.results[attempt.index - 1]
        first = attempt.segment_start
        captured = output.taken(first, attempt.boundaries - 1)
        run.output, run.output_bytes = captured.text(), captured.total
        attempt.segment_start = attempt.boundaries

    def _finish(self, attempt: _Attempt, exit_info: dict, output: _Output) -> None:
        if exit_info.get("setup_error"):
            message = "the sandbox could not be set up: " + str(exit_info["setup_error"])
            attempt.phase = "importing"
            attempt.blame("error", message)
        elif not attempt.finished:
            why = exit_info.get("killed_for") or _ended(exit_info)
            attempt.blame("error", f"{why} while this task ran" if attempt.phase == "in_task"
                          else f"the module could not be run: {why}" if attempt.phase == "importing" else why)
        rest = output.taken(attempt.segment_start, len(output.segments) - 1)
        for run in attempt.results.values():
            if not run.output and run.status in ("error", "timeout"):
                run.output, run.output_bytes = rest.text(), rest.total

    def _await_exit(self, supervisor: _Supervisor) -> None:
        if supervisor.receive(time.monotonic() + KILL_SECONDS) is None:
            self.close()


def _ended(exit_info: dict) -> str:
    if exit_info.get("signal"):
        return f"the process ended ({exit_info['signal']})"
    return f"the process ended (exit code {exit_info.get('code')})"


def _drain(fd: int) -> None:
    os.set_blocking(fd, False)
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _read_chunk(fd: int) -> bytes | None:
    """Up to 1 MiB from `fd`; b"" at EOF, None when nothing is there yet."""
    try:
        return os.read(fd, 1 << 20)
    except BlockingIOError:
        return None


def _read_into(fd: int, sink) -> bool:
    """Everything `fd` has now, into `sink`; False at EOF."""
    while True:
        chunk = _read_chunk(fd)
        if chunk is None:
            return True
        if not chunk:
            return False
        sink(chunk)


def _catch_up(output: _Output, fd: int, markers: int, seconds: float = 0.5) -> None:
    """Read output until `markers` markers were seen: each was written before its event was sent."""
    deadline = time.monotonic() + seconds
    while len(output.segments) - 1 < markers and time.monotonic() < deadline:
        if not _read_into(fd, output.add):
            return
        if len(output.segments) - 1 < markers:
            time.sleep(0.001)
