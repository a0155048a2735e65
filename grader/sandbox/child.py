"""Runs inside the sandboxed child: import the learner's module, drive each task, report plain data.

Everything this module needs is bound before learner code runs; events go to a file descriptor that
the learner's prints (redirected elsewhere) never reach.
"""
from __future__ import annotations

import importlib.abc
import json
import os
import sys
import traceback
import types

from grader import drive, wire

_dumps, _write = json.dumps, os.write
BLOCKED_NUMPY_TRACK = ("torch", "reference", "grader", "exercises")
BLOCKED_TORCH_TRACK = ("reference", "grader", "exercises")


class _ImportBlocker(importlib.abc.MetaPathFinder):
    """Refuses imports that would let learner code lean on the references or the grader."""

    def __init__(self, blocked: tuple[str, ...], track: str):
        self.blocked, self.track = blocked, track

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.blocked:
            why = "NumPy-track exercises are written in NumPy only" if top == "torch" else "it is part of the grader"
            raise ImportError(f"importing {top!r} is not allowed here: {why}")
        return None


class Reporter:
    def __init__(self, fd: int):
        self.fd = fd

    def __call__(self, **event) -> None:
        data = (_dumps(event) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[_write(self.fd, view) :]


def _load_source_module(path: str, name: str) -> types.ModuleType:
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    module = types.ModuleType(name)
    module.__file__ = path
    sys.modules[name] = module
    exec(compile(source, path, "exec"), module.__dict__)
    return module


def _short_traceback(exc: BaseException, learner_file: str) -> str:
    """The exception and the learner's own frames, not the grader's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == learner_file]
    lines = [f"  {f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}: {f.line}" for f in frames[-3:]]
    return "\n".join([f"{type(exc).__name__}: {exc}"[:2000], *lines])


def run(job: dict, events_fd: int) -> None:
    """Import the learner module and run every task of `job`, reporting each case."""
    report = Reporter(events_fd)
    exchange = job["exchange_dir"]
    harness = None
    if job.get("harness_file"):
        harness = _load_source_module(job["harness_file"], "_dlcert_harness")
    for name in [m for m in sys.modules if m.partition(".")[0] in ("grader", "reference", "exercises")]:
        del sys.modules[name]
    blocked = BLOCKED_NUMPY_TRACK if job["track"] == "numpy" else BLOCKED_TORCH_TRACK
    sys.meta_path.insert(0, _ImportBlocker(blocked, job["track"]))
    learner_file = job["module_file"]
    try:
        module = _load_source_module(learner_file, job["module_name"])
    except BaseException as exc:  # the learner's import may raise anything, SystemExit included
        report(e="import_error", message=_short_traceback(exc, learner_file))
        return
    report(e="imported")
    for task in job["tasks"]:
        report(e="start", task=task["task"])
        _run_task(task, module, harness, exchange, learner_file, report)
        report(e="end", task=task["task"])
    report(e="done")


def _run_task(task, module, harness, exchange, learner_file, report) -> None:
    name = task["task"]
    impl = getattr(module, name, None)
    if impl is None:
        report(e="missing", task=name)
        return
    driver = getattr(harness, name, None) if harness else None
    for index, case in enumerate(task["cases"]):
        args = wire.decode(case["args"], exchange, load=wire.read_npy)
        outcome = drive.call(name, module, driver, args)
        event = {
            "e": "case",
            "task": name,
            "case": case["name"],
            "error": _short_traceback(outcome.error, learner_file) if outcome.error else None,
            "not_implemented": outcome.not_implemented,
            "seconds": outcome.seconds,
            "warnings": outcome.warnings,
        }
        outputs = outcome.outputs
        prefix = f"{name}.{index}."
        event["outputs"] = wire.encode(outputs, exchange, prefix + "out")
        event["inputs_after"] = wire.encode(args, exchange, prefix + "in")
        report(**event)
        if event["not_implemented"]:
            return
