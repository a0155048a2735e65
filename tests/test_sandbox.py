"""Hostile learner code: every behaviour gets the right non-passing status, and the rest is graded.

Each test puts one hostile `double` beside correct `softplus` and `split` in the fixture course.
"""
from __future__ import annotations

import textwrap

import pytest

from grader.pipeline import check

CORRECT_REST = '''

def softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def split(x):
    return x + 1.0, x - 1.0
'''


def grade(ws, toy_course, sandbox, body: str, header: str = ""):
    source = "import numpy as np\n" + textwrap.dedent(header) + "\n\ndef double(x):\n" + textwrap.indent(
        textwrap.dedent(body), "    "
    ) + CORRECT_REST
    (ws.root / "exercises" / "01_toy" / "toy.py").write_text(source)
    report = check(workspace=ws.root, course=toy_course, sandbox=sandbox)
    return {r.task.split(".")[1]: r for r in report.results}


def assert_rest_graded(results):
    assert results["softplus"].status == "passed"
    assert results["split"].status == "passed"


HOSTILE = {
    "hangs": ("while True:\n    pass", "timeout"),
    "sleeps": ("import time\ntime.sleep(60)", "timeout"),
    "crashes": ("import os\nos.abort()", "error"),
    "exits_early": ("import os\nos._exit(0)", "error"),
    "sys_exit": ("import sys\nsys.exit(0)", "error"),
    "keyboard_interrupt": ("raise KeyboardInterrupt", "error"),
    "raises": ("return undefined_name", "error"),
    "floods_output": ("while True:\n    print('x' * 100000)", "timeout"),
    "allocates_6gib": ("big = np.ones(6 * 2**30 // 8)\nreturn 2 * x", "error"),
    # refused (error), or, as PID 1 of its own PID namespace, signals only itself (ignored, so it returns)
    "signals_parent_kill": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nreturn 3 * x", "error|failed"),
    "signals_parent_stop": ("import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nreturn 3 * x", "error|failed"),
    "kills_own_group": ("import os, signal\nos.killpg(0, signal.SIGKILL)", "error|failed"),
    "duck_object": ("class Duck:\n    shape = x.shape\n    def __array__(self, *a, **k):\n        return 2 * x\nreturn Duck()", "failed"),
    "lying_subclass": (
        "class Liar(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
        "    def __sub__(self, other):\n        return np.zeros(self.shape)\nreturn (3 * x).view(Liar)",
        "failed",
    ),
    "object_array": ("return np.array([object()] * len(x))", "failed"),
    "prints_forged_result": (
        'print(\'{"e": "case", "task": "double", "case": "small", "outputs": "[1, 2]"}\')\nreturn 3 * x',
        "failed",
    ),
    "patches_numpy": ("np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
                      "np.save = None\nnp.load = None\nreturn 3 * x", "failed"),
    "imports_torch": ("import torch\nreturn 2 * x", "error"),
    "imports_grader": ("import grader.references\nreturn 2 * x", "error"),
    "modifies_input": ("x *= 2\nreturn x", "failed"),
    "returns_float32": ("return (2 * x).astype(np.float32)", "failed"),
}


@pytest.mark.parametrize("behaviour", sorted(HOSTILE))
def test_hostile_behaviour_gets_its_status_and_the_rest_is_graded(behaviour, toy_workspace, toy_course, sandbox):
    body, status = HOSTILE[behaviour]
    results = grade(toy_workspace, toy_course, sandbox, body)
    assert results["double"].status in status.split("|"), results["double"].checks
    assert results["double"].score == 0.0
    assert_rest_graded(results)


def test_hang_at_import_times_out_every_task_once(toy_workspace, toy_course, sandbox):
    results = grade(toy_workspace, toy_course, sandbox, "return 2 * x", header="while True:\n    pass")
    assert {r.status for r in results.values()} == {"timeout"}
    assert "importing" in results["double"].checks[0].message


def test_crash_at_import_fails_every_task(toy_workspace, toy_course, sandbox):
    results = grade(toy_workspace, toy_course, sandbox, "return 2 * x", header="raise ValueError('broken module')")
    assert {r.status for r in results.values()} == {"error"}
    assert "broken module" in results["split"].checks[0].message


def test_syntax_error_fails_every_task(toy_workspace, toy_course, sandbox):
    results = grade(toy_workspace, toy_course, sandbox, "return 2 * x", header="def broken(:\n")
    assert {r.status for r in results.values()} == {"error"}
    assert "SyntaxError" in results["double"].checks[0].message


def test_exit_at_import_fails_every_task(toy_workspace, toy_course, sandbox):
    results = grade(toy_workspace, toy_course, sandbox, "return 2 * x", header="import os\nos._exit(3)")
    assert {r.status for r in results.values()} == {"error"}


def test_printed_output_is_captured_and_capped(toy_workspace, toy_course, sandbox):
    results = grade(toy_workspace, toy_course, sandbox, "print('hello from learner' * 1000)\nreturn 3 * x")
    assert results["double"].status == "failed"
    assert "hello from learner" in results["double"].output
    assert len(results["double"].output) < 5000


def test_a_warm_sandbox_survives_a_killed_supervisor(toy_workspace, toy_course, sandbox):
    grade(toy_workspace, toy_course, sandbox, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)")
    results = grade(toy_workspace, toy_course, sandbox, "return 2 * x")
    assert results["double"].status == "passed"


def test_each_task_carries_its_own_output(toy_workspace, toy_course, sandbox):
    source = ("import numpy as np\nprint('at import')\n\ndef double(x):\n    print('in double')\n    return 3 * x\n\n"
              "def softplus(x):\n    print('in softplus')\n    return x\n")
    (toy_workspace.root / "exercises" / "01_toy" / "toy.py").write_text(source)
    results = {r.task: r for r in check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox).results}
    double, softplus = results["toy.double"].output, results["toy.softplus"].output
    assert "at import" in double and "in double" in double and "softplus" not in double
    assert "in softplus" in softplus and "double" not in softplus and "import" not in softplus


def test_confinement_is_reported_and_in_force_here(toy_workspace, toy_course, sandbox):
    confinement = sandbox.confinement
    rows = {m.name: m for m in confinement.mechanisms}
    assert list(rows) == ["filesystem", "network", "signals and ptrace", "processes", "memory", "uid"]
    assert all(m.by for m in rows.values())
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    assert report.notes == confinement.notes()
    assert confinement.sufficient, confinement.notes()  # Linux 6.x: the CI machine and this one


def test_a_run_can_be_cancelled_from_another_thread(sandbox):
    import threading
    import time

    import numpy as np

    from grader.sandbox import Cancelled, ModuleJob, TaskJob

    def job(body):
        source = f"def double(x):\n    {body}\n"
        return ModuleJob("toy", "toy.py", source, "numpy", 512, [TaskJob("double", 30, [("small", {"x": np.ones(2)})])])

    timer = threading.Timer(0.5, sandbox.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        sandbox.run(job("while True: pass"))
    assert time.monotonic() - started < 5  # not the task's 30 s
    timer.join()
    from tests.sandbox.conftest import survivors

    assert survivors() == []
    assert sandbox.run(job("return 2 * x"))["double"].status == "ran"  # the next run is not cancelled
