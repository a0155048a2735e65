"""Quiz mode never imports torch, starts fast, and works in a real terminal."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, data_dir: Path) -> dict:
    poison = tmp_path / "poison"
    (poison / "torch").mkdir(parents=True)
    (poison / "torch" / "__init__.py").write_text("raise ImportError('quiz mode must not import torch')\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(poison), str(REPO)]), "DLCERT_DATA_DIR": str(data_dir)}


def test_no_torch_and_fast_start(tmp_path, data_dir):
    env = _env(tmp_path, data_dir)
    answers = tmp_path / "a.yaml"
    answers.write_text("activations.starter-relu-grad-at-zero: a\ncnn.starter-output-size-generated: 3\n")
    code = ("import sys; from grader.quiz.cli import quiz\n"
            "try:\n    quiz(sys.argv[1:])\n"
            "finally:\n    assert 'torch' not in sys.modules, 'torch was imported'\n")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "practice", "--answers", str(answers), "--json"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert {i["question_id"] for i in result["items"]} == {"activations.starter-relu-grad-at-zero",
                                                          "cnn.starter-output-size-generated"}
    assert elapsed < 10, f"quiz practice took {elapsed:.1f}s"


def test_lint_without_torch(tmp_path, data_dir):
    """Lint (templates, cue rules) runs without torch; whether the starter bank is clean is
    test_lint's question, so either verdict counts here, but never a crash."""
    proc = subprocess.run([sys.executable, "-c", "from grader.quiz.cli import quiz; quiz()", "lint",
                           "quizzes/starter.yaml", "quizzes/certs.yaml"],
                          env=_env(tmp_path, data_dir), cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stdout + proc.stderr
    assert "ok:" in proc.stderr or "problem(s)" in proc.stderr


def test_interactive_practice_in_a_terminal(tmp_path, data_dir, mini):
    pexpect = pytest.importorskip("pexpect")
    env = _env(tmp_path, data_dir)
    env["COLUMNS"] = "100"
    env["NO_COLOR"] = "1"
    child = pexpect.spawn(sys.executable, ["-c", "from grader.quiz.cli import quiz; quiz()", "--bank", str(mini),
                                           "practice", "--topic", "activations", "-n", "1", "--seed", "1"],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30)
    child.expect("Question 1/1")
    child.expect("answer")
    text = child.before
    if "Pick a and c" in text:
        bad, good = "z", "a,c"
    elif "Pick a" in text:
        bad, good = "z", "a"
    else:
        bad, good = "maybe", "t"
    child.sendline(bad)                # unreadable: asked again, nothing recorded
    child.expect("answer")
    child.sendline(good)
    child.expect("right")               # immediate feedback
    child.expect(pexpect.EOF)
    assert "right" in child.before        # the summary line
    child.close()
    assert child.exitstatus == 0
