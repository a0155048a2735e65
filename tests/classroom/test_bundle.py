"""The Gradescope bundle: its run_autograder, run in a temporary root with this venv's Python,
writes a valid results.json for a good, a wrong and a broken submission."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from grader.classroom.bundle import write_bundle
from tests.classroom import classgen
from tests.classroom.test_reports import assert_gradescope_format

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    write_bundle(out, targets=["neurons"], seed=4)
    return out


def test_the_bundle_holds_setup_run_and_the_wheel(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert "setup.sh" in names and "run_autograder" in names
        wheel = next(n for n in names if n.startswith("dlcert-") and n.endswith(".whl"))
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
        assert wheel in z.read("setup.sh").decode()
        run = z.read("run_autograder").decode()
        assert "DLCERT_AUTOGRADER_ROOT" in run and "--tasks neurons" in run and "--seed 4" in run
        z.extract(wheel, bundle.parent)
    with zipfile.ZipFile(bundle.parent / wheel) as w:
        inside = w.namelist()
    assert "grader/classroom/templates/report.html.j2" in inside
    assert "exercises/01_neurons/exercise.yaml" in inside and "reference/neurons.py" in inside


def run_autograder(bundle, root, files: dict[str, str]) -> dict:
    source = root / "source"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(source)
    (source / "run_autograder").chmod(0o755)
    submission = root / "submission"
    classgen.write_folder(submission, files)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ann@example.org"}]}))
    env = {**os.environ, "DLCERT_AUTOGRADER_ROOT": str(root), "DLCERT_PYTHON": sys.executable}
    done = subprocess.run([str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_a_submission(bundle, tmp_path):
    result = run_autograder(bundle, tmp_path, {"neurons.py": classgen.with_task("neurons", "perceptron", "return None")})
    assert_gradescope_format(result)
    tests = {t["name"]: t for t in result["tests"]}
    assert set(tests) == {"neurons.perceptron", "neurons.dense_forward"}
    assert tests["neurons.dense_forward"]["status"] == "passed" and tests["neurons.perceptron"]["status"] == "failed"
    assert result["score"] == pytest.approx(1.0)


def test_run_autograder_scores_a_broken_submission_zero(bundle, tmp_path):
    result = run_autograder(bundle, tmp_path, {"README.md": "I forgot my code"})
    assert_gradescope_format(result)
    assert result["score"] == 0 and "could not be graded" in result["output"]
    assert [t["status"] for t in result["tests"]] == ["failed", "failed"]
