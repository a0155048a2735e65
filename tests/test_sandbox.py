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
    "floods_output": ("while True:\n    print('x' * 100000)", "error"),
    "allocates_6gib": ("big = np.ones(6 * 2**30 // 8)\nreturn 2 * x", "error"),
    "signals_parent_kill": ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nreturn 3 * x", "failed"),
    "signals_parent_stop": ("import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\nreturn 3 * x", "failed"),
    "kills_own_group": ("import os, signal\nos.killpg(0, signal.SIGKILL)", "error"),
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
    assert results["double"].status == status, results["double"].checks
    assert results["double"].score == 0.0 or status == "failed"
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


def test_readable_by_others(tmp_path):
    from grader.sandbox.supervisor import readable_by_others

    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "f.py").write_text("x = 1")
    tmp_path.chmod(0o755)
    assert not readable_by_others(str(private / "f.py"))
    private.chmod(0o755)
    (private / "f.py").chmod(0o644)
    assert readable_by_others(str(private / "f.py")) == readable_by_others(str(tmp_path))


def test_running_as_root_drops_privileges_or_says_why(toy_workspace, toy_course, sandbox):
    import os
    import sysconfig

    from grader.sandbox.supervisor import readable_by_others

    report_notes = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox).notes
    said_root = any("runs as root" in n for n in report_notes)
    if os.geteuid() != 0:
        assert not said_root
        return
    learner_file = toy_workspace.root / "exercises" / "01_toy" / "toy.py"
    can_drop = all(readable_by_others(str(p)) for p in (sysconfig.get_paths()["stdlib"], learner_file))
    assert said_root == (not can_drop)
