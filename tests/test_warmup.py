"""The background warm-up after `init`, and the per-task cache lock that keeps it and a check from computing twice."""
from __future__ import annotations

import threading
import time

import pytest
from click.testing import CliRunner

from grader import references, warmup
from grader.cases import build_cases
from grader.references import ReferenceRunner, cache_dir, case_key, computing, source_hash, write_entry


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _never_computed(monkeypatch):
    monkeypatch.setattr(ReferenceRunner, "_function", lambda self, task: pytest.fail(f"{task.id} was computed again"))


def test_a_miss_waits_for_the_task_being_computed_and_uses_what_the_holder_wrote(own_cache, toy_course, monkeypatch):
    task = toy_course.tasks[0]
    cases = build_cases(task, 0)
    waiting = threading.Event()
    real_flock = references.fcntl.flock

    def flock(fd, how):
        waiting.set()
        return real_flock(fd, how)

    got = []
    with computing(task.id):
        monkeypatch.setattr(references.fcntl, "flock", flock)
        worker = threading.Thread(target=lambda: got.append(ReferenceRunner().outputs(task, cases)))
        worker.start()
        assert waiting.wait(30)  # it missed and is now waiting for the lock this test holds
        for case in cases:  # what the holder (the warm-up, another worker) computed meanwhile
            write_entry(cache_dir(), case_key(task, case, "auto", source_hash(task)), f"written by the holder: {case.name}")
    worker.join()
    assert got == [[f"written by the holder: {case.name}" for case in cases]]


def test_the_warm_up_fills_the_workspace_seed_so_its_first_check_computes_nothing(own_cache, toy_course, toy_workspace, monkeypatch):
    assert warmup.warm(toy_workspace.root, time.monotonic() + 60, toy_course) == len(toy_course.tasks)
    _never_computed(monkeypatch)
    fresh = ReferenceRunner()  # nothing in memory: every value comes from the disk cache
    for task in toy_course.tasks:
        fresh.outputs(task, build_cases(task, toy_workspace.seed))


def test_a_second_warm_up_of_the_same_cache_does_nothing(own_cache, toy_course, toy_workspace, monkeypatch):
    _never_computed(monkeypatch)
    with computing(warmup.lock_name()):
        assert warmup.warm(toy_workspace.root, time.monotonic() + 60, toy_course) == 0


def test_init_starts_the_warm_up_unless_told_not_to(tmp_path, monkeypatch):
    from grader.cli import main

    started = []
    monkeypatch.setattr(warmup, "start", lambda root: started.append(root))
    assert CliRunner().invoke(main, ["init", str(tmp_path / "ws")]).exit_code == 0
    assert started == [(tmp_path / "ws").resolve()]
    monkeypatch.undo()
    monkeypatch.setenv(warmup.NO_WARMUP, "1")
    assert warmup.start(tmp_path / "ws") is None


@pytest.mark.slow
def test_the_detached_warm_up_leaves_the_workspace_cache_warm(own_cache, tmp_path, monkeypatch):
    from grader.course import load_course
    from grader.workspace import init_workspace

    monkeypatch.delenv(warmup.NO_WARMUP, raising=False)
    course = load_course()
    ws = init_workspace(tmp_path / "ws", course)
    process = warmup.start(ws.root)
    assert process is not None and process.wait(timeout=300) == 0
    _never_computed(monkeypatch)
    runner = ReferenceRunner()
    for task in course.select(["activations"]):
        runner.outputs(task, build_cases(task, ws.seed))
