"""`dlcert class gradescope-bundle`: the autograder zip Gradescope runs for every submission.

The zip holds `setup.sh`, `run_autograder` (grades `$DLCERT_AUTOGRADER_ROOT`, default `/autograder`)
and the dlcert wheel itself, built from this source tree with `pip wheel --no-deps`, since dlcert is
not on a package index. `setup.sh` installs what a bare image lacks (`python3-venv`, `python3-pip`:
Debian and Ubuntu ship `python3` without them), then, in a venv, exactly the torch version this
bundle was built with (the CPU wheel unless asked for CUDA) and the wheel. Task visibility and the
time budget per hand-in are passed to the autograder on its command line. A class secret goes in as
`secret`, a 0600 file that run_autograder passes by name (never by value).
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

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
DEFAULT_BUDGET = 480.0
"""Seconds per hand-in: under Gradescope's default 10-minute limit, with room for start-up."""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built (as root).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
# Debian and Ubuntu ship python3 without venv and pip (python3-venv, python3-pip).
if ! command -v python3 >/dev/null || ! python3 -c "import ensurepip, venv" 2>/dev/null; then
  apt-get update -qq
  apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi
python3 -m venv /autograder/dlcert-venv
PIP=/autograder/dlcert-venv/bin/pip
"$PIP" install -q --upgrade pip
# The torch this bundle was built with: references computed here match the instructor's.
"$PIP" install -q "torch=={torch_version}"{torch_index}
"$PIP" install -q ./{wheel}
/autograder/dlcert-venv/bin/python -c "import torch, grader; assert torch.__version__.split('+')[0] == '{torch_version}', torch.__version__"
if [ -f secret ]; then chmod 600 secret; fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; results land in $ROOT/results/results.json.
# DLCERT_AUTOGRADER_ROOT and DLCERT_PYTHON override the paths (for testing the bundle locally).
set -uo pipefail
ROOT="${{DLCERT_AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{DLCERT_PYTHON:-/autograder/dlcert-venv/bin/python}}"
mkdir -p "$ROOT/results"
exec "$PYTHON" -m grader.classroom.autograder --root "$ROOT" --seed {seed}{secret} --tasks {tasks}{options}
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


def torch_version() -> str:
    """The public version of the torch running here (`2.13.0` for `2.13.0+cpu`)."""
    import torch

    return torch.__version__.split("+")[0]


def setup_script(wheel: str, *, cuda: bool = False, torch_index: str | None = None, version: str | None = None) -> str:
    """setup.sh: the CPU wheel by default, from PyTorch's CPU index beside PyPI (torch's dependencies come
    from PyPI, and `2.13.0+cpu` sorts above PyPI's `2.13.0`, so pip takes the CPU wheel); with `cuda`,
    PyPI's own (CUDA) build."""
    index = torch_index or (None if cuda else CPU_INDEX)
    return SETUP_SH.format(wheel=wheel, torch_version=version or torch_version(),
                           torch_index=f" --extra-index-url {shlex.quote(index)}" if index else "")


def write_bundle(out: Path, *, targets: list[str], seed: int = 0, secret: str | None = None, wheel: Path | None = None,
                 budget: float | None = DEFAULT_BUDGET, visibility: list[str] = (), cuda: bool = False,
                 torch_index: str | None = None, allow_unconfined: bool = False) -> Path:
    from grader.classroom.reports import parse_visibility

    try:
        parse_visibility(list(visibility))
    except ValueError as exc:
        raise BundleError(str(exc)) from exc
    options = (f" --budget {float(budget):g}" if budget else "") + "".join(f" --visibility {shlex.quote(v)}" for v in visibility)
    with tempfile.TemporaryDirectory(prefix="dlcert-bundle-") as tmp:
        wheel = wheel or build_wheel(Path(tmp))
        confinement = (f' --secret-file "$ROOT/source/{SECRET_NAME}"' if secret else "") + (" --allow-unconfined" if allow_unconfined else "")
        run = RUN_AUTOGRADER.format(seed=int(seed), secret=confinement, tasks=" ".join(shlex.quote(t) for t in targets), options=options)
        setup = setup_script(wheel.name, cuda=cuda, torch_index=torch_index)
        out.parent.mkdir(parents=True, exist_ok=True)
        files = [("setup.sh", setup, 0o755), ("run_autograder", run, 0o755)]
        files += [(SECRET_NAME, secret + "\n", 0o600)] if secret else []
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, text, mode in files:
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                bundle.writestr(info, text)
            bundle.write(wheel, wheel.name)
    return out
