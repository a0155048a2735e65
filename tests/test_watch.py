"""`dlcert watch` driven as a learner drives it: a real process in a terminal (pexpect), keys, saves,
a broken file, a deleted one, a hung run cancelled by the next save, focus, `q` and Ctrl-C.

No timed assertions: every step waits for what the screen says, with a generous timeout.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from grader.course import load_course

pexpect = pytest.importorskip("pexpect")

COURSE = load_course()
NEURONS = COURSE.exercise("neurons")
WAIT = 90


def watch(dlcert_exe, root: Path, *args: str):
    """A watch in a terminal (native file events: polling sees mtimes to the second, and these saves come faster)."""
    child = pexpect.spawn(dlcert_exe[0], [*dlcert_exe[1:], "watch", "--workspace", str(root), *args],
                          encoding="utf-8", timeout=WAIT, dimensions=(60, 200), env=dict(os.environ, TERM="xterm"))
    child.logfile_read = open(root.parent / "screen.txt", "w")  # what the learner saw, for a failure's post-mortem
    child.expect("q quit")  # the first screen is up: keys are read from now on
    return child


def save(path: Path, text: str) -> None:
    """As an editor saves: write a temporary file, then rename it over the module."""
    temp = path.with_name(f".{path.name}.new")
    temp.write_text(text)
    os.replace(temp, path)


def ended(child) -> tuple[int | None, str]:
    child.expect(pexpect.EOF)
    rest = child.before
    child.close()
    return child.exitstatus, rest


@pytest.fixture
def workspace(tmp_path, dlcert_exe):
    import subprocess

    root = tmp_path / "ws"
    subprocess.run([*dlcert_exe, "init", str(root)], check=True, capture_output=True)
    return root


def test_keys_saves_a_broken_file_a_hung_run_and_ctrl_c(workspace, dlcert_exe):
    neurons = workspace / "exercises" / NEURONS.folder / "neurons.py"
    child = watch(dlcert_exe, workspace)
    assert "Next: neurons.perceptron" in re.sub(r"\x1b\[[0-9;]*m", "", child.before)
    child.send("h")
    child.expect("Hint 1/")
    child.send("h")
    child.expect("Hint 2/")
    child.send("l")
    child.expect("dense_forward")
    child.expect("q quit")
    child.send("n")  # on to the next pending task
    child.expect("neurons.dense_forward")
    child.expect("q quit")

    save(neurons, "def perceptron(x, w, b:\n    return 0\n")
    child.expect("checking exercises/01_neurons/neurons.py")
    child.expect(r"line 1\)")  # the syntax error, with its line
    child.expect("Your current task stays neurons.dense_forward")

    save(neurons, "def perceptron(x, w, b):\n    while True:\n        pass\n")
    child.expect("checking exercises/01_neurons/neurons.py")
    shutil.copyfile(NEURONS.solution_path, neurons)  # saved while the hung run is still going
    child.expect("stopped the check still running")
    child.expect("✓ neurons.perceptron passed")
    assert "timeout" not in child.before
    child.expect("q quit")

    activations = workspace / "exercises" / "02_activations" / "activations.py"
    activations.unlink()
    child.expect("does not exist")
    child.expect("Your current task stays activations.sigmoid")
    child.expect("q quit")

    child.sendintr()
    status, rest = ended(child)
    assert status == 130
    assert "Interrupted" in rest and "Traceback" not in rest


def test_focus_names_other_modules_saved_and_q_quits(workspace, dlcert_exe):
    child = watch(dlcert_exe, workspace, "activations/softmax")
    assert "0/1 tasks of activations/softmax passed" in child.before
    shutil.copyfile(NEURONS.solution_path, workspace / "exercises" / NEURONS.folder / "neurons.py")
    child.expect("re-graded exercises/01_neurons/neurons.py: 2/2 tasks pass")
    child.expect("activations.softmax")  # the focus stays
    child.expect("q quit")
    child.send("q")
    status, rest = ended(child)
    assert status == 0 and "Traceback" not in rest


def test_a_focus_that_names_nothing_is_a_usage_error(workspace, dlcert_exe):
    import subprocess

    result = subprocess.run([*dlcert_exe, "watch", "activations.nosuch", "--workspace", str(workspace)],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "Traceback" not in result.stderr
