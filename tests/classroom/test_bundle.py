"""The Gradescope bundle: its run_autograder, run in a temporary root with this venv's Python, writes a
valid results.json for a good, a wrong and a broken submission, with each task's visibility and
within the hand-in's time budget; and (slow, `test_setup_and_run_in_a_clean_debian_root`) setup.sh
and run_autograder work in a fresh Debian root that has python3 but neither venv nor pip."""
from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.classroom.bundle import CPU_INDEX, torch_version, write_bundle
from tests.classroom import classgen
from tests.classroom.test_reports import assert_gradescope_format

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    write_bundle(out, targets=["neurons"], seed=4, visibility=["after_published", "neurons.perceptron=hidden"])
    return out


def test_the_bundle_holds_setup_run_and_the_wheel(bundle):
    with zipfile.ZipFile(bundle) as z:
        names = z.namelist()
        assert "setup.sh" in names and "run_autograder" in names
        wheel = next(n for n in names if n.startswith("dlcert-") and n.endswith(".whl"))
        assert (z.getinfo("run_autograder").external_attr >> 16) & 0o111
        setup = z.read("setup.sh").decode()
        assert wheel in setup
        assert f'"torch=={torch_version()}" --extra-index-url {CPU_INDEX}' in setup  # pinned, the CPU wheel
        assert "python3-venv python3-pip" in setup and "import ensurepip, venv" in setup
        run = z.read("run_autograder").decode()
        assert "DLCERT_AUTOGRADER_ROOT" in run and "--tasks neurons" in run and "--seed 4" in run
        assert "--budget 480" in run and "--visibility after_published --visibility neurons.perceptron=hidden" in run
        z.extract(wheel, bundle.parent)
    with zipfile.ZipFile(bundle.parent / wheel) as w:
        inside = w.namelist()
    assert "grader/classroom/templates/class.html.j2" in inside
    assert "exercises/01_neurons/exercise.yaml" in inside and "reference/neurons.py" in inside


def test_cuda_and_bad_visibility(tmp_path):
    from grader.classroom.bundle import BundleError, setup_script

    cuda = setup_script("dlcert.whl", cuda=True, version="2.13.0")
    assert '"torch==2.13.0"\n' in cuda and "--index-url" not in cuda.split("torch==")[1].splitlines()[0]
    with pytest.raises(BundleError, match="visibility must be one of"):
        write_bundle(tmp_path / "x.zip", targets=["neurons"], visibility=["neurons=sometimes"], wheel=Path(__file__))


def run_autograder(bundle, root, files: dict[str, str], timeout: int = 180) -> dict:
    source = root / "source"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(source)
    (source / "run_autograder").chmod(0o755)
    submission = root / "submission"
    classgen.write_folder(submission, files)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ann@example.org"}]}))
    env = {**os.environ, "DLCERT_AUTOGRADER_ROOT": str(root), "DLCERT_PYTHON": sys.executable}
    done = subprocess.run([str(source / "run_autograder")], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_run_autograder_grades_a_submission_with_each_tasks_visibility(bundle, tmp_path):
    result = run_autograder(bundle, tmp_path, {"neurons.py": classgen.with_task("neurons", "perceptron", "return None")})
    assert_gradescope_format(result)
    tests = {t["name"]: t for t in result["tests"]}
    assert set(tests) == {"neurons.perceptron", "neurons.dense_forward"}
    assert tests["neurons.dense_forward"]["status"] == "passed" and tests["neurons.perceptron"]["status"] == "failed"
    assert tests["neurons.perceptron"]["visibility"] == "hidden" and tests["neurons.dense_forward"]["visibility"] == "after_published"
    assert result["visibility"] == "after_published"
    assert result["score"] == pytest.approx(1.0)


def test_run_autograder_scores_a_broken_submission_zero(bundle, tmp_path):
    result = run_autograder(bundle, tmp_path, {"README.md": "I forgot my code"})
    assert_gradescope_format(result)
    assert result["score"] == 0 and "could not be graded" in result["output"]
    assert [t["status"] for t in result["tests"]] == ["failed", "failed"]


def test_the_time_budget_stops_between_modules(tmp_path):
    out = tmp_path / "budget.zip"
    write_bundle(out, targets=["neurons", "activations"], budget=0.5)
    slow = {classgen.rel("neurons"): classgen.with_task("neurons", "perceptron", "import time\ntime.sleep(0.6)\nreturn None"),
            classgen.rel("activations"): classgen.solution("activations")}
    started = time.monotonic()
    result = run_autograder(out, tmp_path / "root", slow)
    assert_gradescope_format(result)
    tests = {t["name"]: t for t in result["tests"]}
    assert tests["neurons.dense_forward"]["status"] == "passed"  # the first module is graded whole
    activations = [t for name, t in tests.items() if name.startswith("activations.")]
    assert activations and all(t["output"].startswith("timeout: not graded: this hand-in's time budget of 0.5 s was used up")
                               and t["score"] == 0 for t in activations)
    print(f"\nbudgeted hand-in: {time.monotonic() - started:.1f} s")


# --- the whole bundle in a clean Debian root ---------------------------------------------------


def _local_torch_wheel(dest: Path) -> Path:
    """This machine's torch wheel (pip's own configuration finds it, or downloads the CPU wheel)."""
    dest.mkdir()
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), f"torch=={torch_version()}"],
                          capture_output=True, text=True, timeout=900)
    wheels = list(dest.glob("torch-*.whl"))
    if done.returncode != 0 or not wheels:
        pytest.skip(f"no torch {torch_version()} wheel to install in the Debian root: {done.stderr[-300:]}")
    return wheels[0]


def _in_root(root: Path, command: str, env: dict[str, str], timeout: int) -> subprocess.CompletedProcess:
    """`command` as root inside `root`, with /proc and /dev mounted in a private mount namespace (gone after)."""
    exports = " ".join(f"{k}={v}" for k, v in env.items())
    script = (f"mount -t proc proc {root}/proc && mount --rbind /dev {root}/dev && "
              f"exec chroot {root} /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "
              f"{exports} /bin/bash -c {json.dumps(command)}")
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("debootstrap") or not shutil.which("unshare"),
                    reason="needs root, debootstrap and unshare")
def test_setup_and_run_in_a_clean_debian_root(tmp_path):
    timings = {}
    started = time.monotonic()
    root = tmp_path / "debian"
    try:
        done = subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,ca-certificates", "bookworm", str(root)],
                              capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            pytest.skip(f"debootstrap could not make a Debian root (no mirror?): {done.stderr[-300:]}")
        timings["debootstrap"] = time.monotonic() - started
        assert subprocess.run(["chroot", str(root), "python3", "-c", "import ensurepip"], capture_output=True).returncode != 0
        wheels = root / "wheels"  # the torch wheel only, where pip looks first (PyPI gives the rest)
        wheels.mkdir()
        shutil.copy(_local_torch_wheel(tmp_path / "wheel"), wheels)
        bundle = tmp_path / "autograder.zip"
        write_bundle(bundle, targets=["neurons"], seed=3)
        source = root / "autograder" / "source"
        with zipfile.ZipFile(bundle) as z:
            z.extractall(source)
        for name in ("setup.sh", "run_autograder"):
            (source / name).chmod(0o755)
        shutil.copy("/etc/resolv.conf", root / "etc" / "resolv.conf")
        shutil.copy(os.environ.get("PIP_CERT") or ssl.get_default_verify_paths().cafile, root / "host-ca.pem")  # this network's CAs
        step = time.monotonic()
        setup = _in_root(root, "bash /autograder/source/setup.sh", {"PIP_FIND_LINKS": "/wheels", "PIP_CERT": "/host-ca.pem",
                                                                    "PIP_RETRIES": "1", "PIP_DEFAULT_TIMEOUT": "20"}, timeout=1500)
        timings["setup.sh"] = time.monotonic() - step
        assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-3000:]
        assert (root / "autograder" / "dlcert-venv" / "bin" / "python").exists()

        shutil.copy(source / "run_autograder", root / "autograder" / "run_autograder")  # where Gradescope puts it
        classgen.write_folder(root / "autograder" / "submission", {
            "lab1/neurons.py": classgen.with_task("neurons", "perceptron", "return None")})
        (root / "autograder" / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ann@example.org"}]}))
        step = time.monotonic()
        run = _in_root(root, "/autograder/run_autograder", {}, timeout=600)
        timings["run_autograder"] = time.monotonic() - step
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        result = json.loads((root / "autograder" / "results" / "results.json").read_text())
        assert_gradescope_format(result)
        tests = {t["name"]: t for t in result["tests"]}
        assert tests["neurons.dense_forward"]["status"] == "passed" and tests["neurons.perceptron"]["status"] == "failed"
        assert result["score"] == pytest.approx(1.0)
    finally:
        shutil.rmtree(root, ignore_errors=True)  # about 1.5 GB with torch: cache nothing
    timings["total"] = time.monotonic() - started
    print("\nclean Debian root: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
