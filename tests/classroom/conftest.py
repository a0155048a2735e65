"""Fixtures of the classroom tests: the `dlcert class` command, and one hostile class graded once."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.classroom import classgen


def class_command() -> list[str]:
    """`dlcert class` from the installed console script, or the group itself until the main CLI adds it."""
    exe = Path(sys.executable).parent / "dlcert"
    if exe.exists():
        done = subprocess.run([str(exe), "class", "--help"], capture_output=True, text=True)
        if done.returncode == 0:
            return [str(exe), "class"]
    return [sys.executable, "-c", "from grader.classroom.cli import classroom; classroom()"]


@pytest.fixture(scope="session")
def class_cmd() -> list[str]:
    return class_command()


@dataclass
class GradedClass:
    folder: Path
    gradebook: Path
    expected: dict
    before: dict
    after: dict
    tmpdir: Path
    seconds: float
    output: str
    outcomes: dict


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, class_cmd) -> GradedClass:
    """The generated class, graded once from the command line with 2 jobs, in a private TMPDIR."""
    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    expected = classgen.make_class(folder)
    before = classgen.snapshot(folder)
    tmpdir = root / "tmp"
    tmpdir.mkdir()
    gradebook = root / "gradebook.sqlite"
    env = {**os.environ, "TMPDIR": str(tmpdir)}
    started = time.monotonic()
    done = subprocess.run([*class_cmd, "grade", str(folder), "--tasks", "neurons", "--tasks", "activations", "--jobs", "2",
                           "--gradebook", str(gradebook), "--out", str(root / "out")],
                          capture_output=True, text=True, env=env, cwd=root, timeout=300)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    outcomes = json.loads((root / "out" / "outcomes.json").read_text())
    return GradedClass(folder, gradebook, expected, before, classgen.snapshot(folder), tmpdir, seconds,
                       done.stdout + done.stderr, outcomes)
