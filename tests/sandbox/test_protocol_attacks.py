"""Forged, repeated, nested, endless and oversized events, and events after a verdict: the grader ends
the offending task at once with a clear error (no traceback, no hang past its deadline, no memory
blow-up), keeps every verdict it already gave, and grades the rest in a fresh job."""
from __future__ import annotations

import time

import pytest

from grader.pipeline import check
from tests.sandbox.conftest import HOSTILE, render, survivors


def run_hostile(name, toy_workspace, toy_course, sandbox):
    source = render(name, FRAMES=(HOSTILE / "_frames.py").read_text())
    (toy_workspace.root / "exercises" / "01_toy" / "toy.py").write_text(source)
    started = time.monotonic()
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    return {r.task.split(".")[1]: r for r in report.results}, time.monotonic() - started


def broke_protocol(result, why: str):
    assert result.status == "error" and result.score == 0, result.checks
    assert "sandbox protocol was broken" in result.checks[0].message and why in result.checks[0].message, result.checks
    assert "Traceback" not in result.checks[0].message


def test_repeated_nested_and_endless_events_end_their_task_at_once(toy_workspace, toy_course, sandbox):
    results, seconds = run_hostile("forge_events.py", toy_workspace, toy_course, sandbox)
    broke_protocol(results["double"], "unexpected 'start'")
    broke_protocol(results["softplus"], "too deep")
    broke_protocol(results["split"], "a frame of 4294967280 bytes")
    assert seconds < 3.0  # one task's time limit: no deadline was reset, no frame was waited for
    assert survivors() == []


def test_events_after_a_verdict_and_arrays_that_are_not_there_change_nothing(toy_workspace, toy_course, sandbox):
    results, _ = run_hostile("forge_results.py", toy_workspace, toy_course, sandbox)
    assert results["double"].status == "passed" and results["double"].score == 1  # its verdict stands
    broke_protocol(results["softplus"], "unexpected 'end'")
    broke_protocol(results["split"], "an array larger than a frame")


def test_oversized_extra_out_of_order_and_foreign_events_are_refused(toy_workspace, toy_course, sandbox):
    results, _ = run_hostile("forge_more.py", toy_workspace, toy_course, sandbox)
    broke_protocol(results["double"], "more than 128 MiB")
    broke_protocol(results["softplus"], "where 'small' was next")
    broke_protocol(results["split"], "after its task's last")
