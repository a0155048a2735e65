"""`dlcert class gradescope-bundle`: the autograder zip Gradescope runs for every submission.

The zip holds `setup.sh` (installs CPU torch and the dlcert wheel into a venv), `run_autograder`
(grades `$DLCERT_AUTOGRADER_ROOT`, default `/autograder`) and the dlcert wheel itself, built from
this source tree with `pip wheel --no-deps`, since dlcert is not on a package index. A class
secret goes in as `secret`, a 0600 file that run_autograder passes by name (never by value).
"""
from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import grader

SOURCE_PARTS = ("pyproject.toml", "README.md", "grader", "reference", "exercises", "quizzes")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v python3 >/dev/null; then apt-get update && apt-get install -y python3 python3-venv python3-pip; fi
python3 -m venv /autograder/dlcert-venv
/autograder/dlcert-venv/bin/pip install --upgrade pip
/autograder/dlcert-venv/bin/pip install torch --index-url https://download.pytorch.org/whl/cpu
/autograder/dlcert-venv/bin/pip install ./{wheel}
if [ -f secret ]; then chmod 600 secret; fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; results land in $ROOT/results/results.json.
# DLCERT_AUTOGRADER_ROOT and DLCERT_PYTHON override the paths (for testing the bundle locally).
set -uo pipefail
ROOT="${{DLCERT_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{DLCERT_PYTHON:-/autograder/dlcert-venv/bin/python}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m grader.classroom.autograder --root "$ROOT" --seed {seed}{options} --tasks {tasks}
"""
SECRET_NAME = "secret"


class BundleError(Exception):
    """The wheel could not be built or found."""


def source_root() -> Path | None:
    """The source tree dlcert runs from, if it runs from one (an editable install or a checkout)."""
    root = Path(grader.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def build_wheel(dest: Path) -> Path:
    """`pip wheel --no-deps` of a clean copy of the source tree (the checkout itself is not touched)."""
    root = source_root()
    if root is None:
        raise BundleError("dlcert is not running from a source tree; pass --wheel PATH to a dlcert wheel")
    with tempfile.TemporaryDirectory(prefix="dlcert-wheel-") as tmp:
        copy = Path(tmp) / "src"
        copy.mkdir()
        for part in SOURCE_PARTS:
            src = root / part
            if src.is_dir():
                shutil.copytree(src, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
            elif src.is_file():
                shutil.copy2(src, copy / part)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dest), str(copy)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            command.remove("--no-build-isolation")
            done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise BundleError(f"pip wheel failed:\n{done.stderr[-2000:]}")
    wheels = sorted(dest.glob("dlcert-*.whl"))
    if not wheels:
        raise BundleError("pip wheel made no dlcert wheel")
    return wheels[-1]


def write_bundle(out: Path, *, targets: list[str], seed: int = 0, secret: str | None = None, wheel: Path | None = None,
                 allow_unconfined: bool = False) -> Path:
    with tempfile.TemporaryDirectory(prefix="dlcert-bundle-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        options = (f' --secret-file "$ROOT/source/{SECRET_NAME}"' if secret else "") + (" --allow-unconfined" if allow_unconfined else "")
        run = RUN_AUTOGRADER.format(seed=int(seed), options=options, tasks=" ".join(shlex.quote(t) for t in targets))
        out.parent.mkdir(parents=True, exist_ok=True)
        files = [("setup.sh", SETUP_SH.format(wheel=wheel.name), 0o755), ("run_autograder", run, 0o755)]
        files += [(SECRET_NAME, secret + "\n", 0o600)] if secret else []
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text, mode in files:
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
            bundle.write(wheel, wheel.name)
    return out
