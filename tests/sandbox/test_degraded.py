"""Where confinement cannot be had (here: namespaces and Landlock refused, as on an old kernel or in
an old container), `class grade` and the Gradescope autograder refuse to grade unless
--allow-unconfined, and a learner's own `check` grades and says what is missing."""
from __future__ import annotations

import json
import sys

from tests.classroom import classgen
from tests.sandbox.conftest import CONTAINED, dlcert

NOTHING = (*CONTAINED, "--no-landlock")


def test_class_grade_refuses_without_confinement_unless_allowed(world, tmp_path):
    subs = tmp_path / "subs"
    classgen.write_folder(subs / "ann", {classgen.rel("neurons"): classgen.solution("neurons")})
    args = ("class", "grade", str(subs), "--tasks", "neurons", "--jobs", "1", "--gradebook", str(tmp_path / "book.sqlite"))
    refused = dlcert(*args, env=world.env, prefix=NOTHING)
    assert refused.returncode == 1 and "cannot be confined here" in refused.stderr and "--allow-unconfined" in refused.stderr
    assert "filesystem" in refused.stderr and not (tmp_path / "book.sqlite").exists()  # refused before anything
    allowed = dlcert(*args, "--allow-unconfined", env=world.env, prefix=NOTHING)
    assert allowed.returncode == 0 and "1 graded" in allowed.stderr, allowed.stderr


def test_the_autograder_refuses_without_confinement(world, tmp_path):
    import subprocess

    root = tmp_path / "autograder"
    classgen.write_folder(root / "submission", {"neurons.py": classgen.solution("neurons")})
    command = [*NOTHING, sys.executable, "-m", "grader.classroom.autograder", "--root", str(root), "--tasks", "neurons"]
    done = subprocess.run(command, env=world.env, capture_output=True, text=True, timeout=300)
    results = json.loads((root / "results" / "results.json").read_text())
    assert done.returncode == 1 and results["score"] == 0 and "cannot be confined here" in results["output"]


def test_check_still_grades_and_says_what_is_missing(world, tmp_path):
    from grader.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws")
    (ws.root / "exercises" / "01_neurons" / "neurons.py").write_text(classgen.solution("neurons"))
    done = dlcert("check", "neurons", "--json", "--workspace", str(ws.root), env=world.env, prefix=NOTHING)
    report = json.loads(done.stdout)
    assert done.returncode == 0 and report["score"] == report["max_score"]
    [note] = [n for n in report["notes"] if n.startswith("confinement not in force")]
    assert "filesystem" in note and "Landlock is not available" in note
