"""Runs inside the learner process, once it is confined: read the job, import each of its learner
modules (all one learner's) from its source, drive each task case by case, and send plain data back,
one frame per event.

Everything this module needs is bound before learner code runs. That is a convenience, not the
security: learner code can rebind anything here, write any frame to the events pipe, or lie about
what it computed, and the grader (`grader.sandbox.Sandbox`) checks every frame and decides every
verdict itself from the data.
"""
from __future__ import annotations

import importlib.abc
import linecache
import os
import sys
import traceback
import types

from grader import drive, wire

_read, _write, _encode, _frame, _decode = os.read, os.write, wire.encode, wire.frame, wire.decode
_kill, _waitpid, _getpid = os.kill, os.waitpid, os.getpid
_record, _rejected = wire.record, wire.encode_rejected
BLOCKED_NUMPY_TRACK = ("torch", "reference", "grader", "exercises")
BLOCKED_TORCH_TRACK = ("reference", "grader", "exercises")
ROOM_PER_CASE = wire.MAX_FRAME_BYTES - 2**16
"""Bytes a case's outputs and inputs may take together (the rest of a frame is its other fields)."""


class _ImportBlocker(importlib.abc.MetaPathFinder):
    """Says why an import cannot work here (the files are not in the job's view in any case)."""

    def __init__(self, blocked: tuple[str, ...]):
        self.blocked = blocked

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.blocked:
            why = "NumPy-track exercises are written in NumPy only" if top == "torch" else "it is part of the grader"
            raise ImportError(f"importing {top!r} is not allowed here: {why}")
        return None


class Reporter:
    """Writes one frame per event to the events pipe. Before a task's start and end it flushes
    what was printed and writes the job's marker into the output, so the grader can cut the output
    exactly where each task's begins and ends."""

    def __init__(self, fd: int, marker: bytes):
        self.fd, self.marker = fd, marker
        self.streams = (sys.stdout, sys.stderr)

    def __call__(self, event: str, **fields) -> None:
        if event in ("start", "end"):
            self.flush()
            _write_all(1, self.marker)
        self.send(_record(e=_encode(event), **{k: _encode(v) for k, v in fields.items()}))

    def flush(self) -> None:
        for stream in self.streams:
            try:
                stream.flush()
            except Exception:  # a stream the learner broke: its output is lost, the event is not
                pass

    def send(self, payload: bytes) -> None:
        _write_all(self.fd, _frame(payload))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            view = view[_write(fd, view) :]
        except OSError:  # the output pipe was taken from us: the events still go out
            if fd == 1:
                return
            raise


def _read_job(fd: int) -> dict:
    data = bytearray()
    while len(data) < 4 or len(data) < 4 + int.from_bytes(data[:4], "little"):
        chunk = _read(fd, 1 << 20)
        if not chunk:
            raise EOFError("the job was cut short")
        data += chunk
    os.close(fd)
    return _decode(memoryview(data)[4 : 4 + int.from_bytes(data[:4], "little")])


def _load_source(source: str, filename: str, name: str, register: bool) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    if register:
        sys.modules[name] = module
    exec(compile(source, filename, "exec"), module.__dict__)
    return module


def _short_traceback(exc: BaseException, learner_file: str) -> str:
    """The exception and the learner's own frames, not the grader's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == learner_file]
    lines = [f"  {f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}: {f.line}" for f in frames[-3:]]
    return "\n".join([f"{type(exc).__name__}: {exc}"[:2000], *lines])


def run(job_fd: int, events_fd: int) -> None:
    """Read the job, then for each of its modules (one learner's): import it and run every task,
    reporting each case; "done" after the last. Every harness is loaded before any learner code runs."""
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")
    job = _read_job(job_fd)
    report = Reporter(events_fd, job["marker"].encode())
    harnesses = [_harness(module["harness"]) for module in job["modules"]]
    for name in [m for m in sys.modules if m.partition(".")[0] in ("grader", "reference", "exercises")]:
        del sys.modules[name]
    sys.meta_path.insert(0, _ImportBlocker(BLOCKED_NUMPY_TRACK if job["track"] == "numpy" else BLOCKED_TORCH_TRACK))
    for part, (harness, problem) in zip(job["modules"], harnesses):
        if problem is None:
            _run_module(part, harness, job.get("reap"), report)
        else:
            report("import_error", message=problem)
    report("done")


def _harness(source: str | None) -> tuple[types.ModuleType | None, str | None]:
    """The exercise's harness, or why it could not be loaded (a broken install, e.g. torch missing in the job's view)."""
    if not source:
        return None, None
    try:
        return _load_source(source, "harness.py", "_dlcert_harness", register=False), None
    except Exception as exc:
        return None, (f"the exercise's harness could not be loaded here (a dlcert problem, not your code): "
                      f"{type(exc).__name__}: {exc}")


def _run_module(part: dict, harness, reap: bool, report: Reporter) -> None:
    learner_file = part["file"]
    try:
        module = _load_source(part["source"], learner_file, part["module"], register=True)
    except BaseException as exc:  # the learner's import may raise anything, SystemExit included
        report("import_error", message=_short_traceback(exc, learner_file))
        return
    report("imported")
    for task in part["tasks"]:
        report("start", task=task["task"])
        _run_task(task, module, harness, learner_file, report)
        if reap:
            _end_other_processes()
        report("end", task=task["task"])


def _end_other_processes() -> None:
    """Kill every process this task started, so the next task starts clean. kill(-1) reaches only the
    job: as PID 1 of its namespace, under its own uid, or in its own Landlock domain (the grader says
    which holds). Learner code can keep its daemons from this; the end of the job it cannot."""
    try:
        _kill(-1, 9)
    except OSError:  # nothing else was running
        return
    while True:
        try:
            _waitpid(-1, 0)
        except ChildProcessError:
            return


def _run_task(task: dict, module, harness, learner_file: str, report: Reporter) -> None:
    name = task["task"]
    if getattr(module, name, None) is None:
        report("missing")
        return
    driver = getattr(harness, name, None) if harness else None
    for case in task["cases"]:
        args = case["args"]
        outcome = drive.call(name, module, driver, args)
        outputs, inputs_after = _encode(outcome.outputs), _encode(args)
        if len(outputs) + len(inputs_after) > ROOM_PER_CASE:
            inputs_after = _encode(None)
            if len(outputs) > ROOM_PER_CASE:
                outputs = _rejected("outputs too large to grade")
        report.send(_record(
            e=_encode("case"),
            case=_encode(case["name"]),
            error=_encode(_short_traceback(outcome.error, learner_file) if outcome.error else None),
            not_implemented=_encode(outcome.not_implemented),
            seconds=_encode(outcome.seconds),
            warnings=_encode(outcome.warnings),
            outputs=outputs,
            inputs_after=inputs_after,
        ))
        if outcome.not_implemented:
            return
