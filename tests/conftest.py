"""Shared fixtures: one reference cache for the whole run, the tiny fixture course, workspaces."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# One reference cache for every test (and every sandboxed `dlcert` subprocess they start).
os.environ.setdefault("DLCERT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "dlcert-test-cache"))
os.environ.setdefault("DLCERT_DATA_DIR", tempfile.mkdtemp(prefix="dlcert-test-data-"))
# No background warm-up after `dlcert init` (tests/test_warmup.py starts its own).
os.environ.setdefault("DLCERT_NO_WARMUP", "1")

FIXTURE_COURSE = Path(__file__).parent / "fixtures" / "course" / "exercises"


def pytest_collection_modifyitems(config, items):
    """Tests marked `gpu` run only where CUDA is available."""
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs CUDA")
    for item in items:
        if item.get_closest_marker("gpu") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def toy_course():
    from grader.course import load_course

    return load_course(FIXTURE_COURSE)


@pytest.fixture
def toy_workspace(tmp_path, toy_course):
    """A fresh workspace of the fixture course (stubs only)."""
    from grader.workspace import init_workspace

    return init_workspace(tmp_path / "ws", course=toy_course)


@pytest.fixture(scope="session")
def sandbox():
    """One warm sandbox shared by the tests that grade many files."""
    from grader.sandbox import Sandbox

    with Sandbox() as box:
        yield box


@pytest.fixture(scope="session")
def dlcert_exe() -> list[str]:
    """The installed `dlcert` console script (falls back to `python -m grader`)."""
    exe = Path(sys.executable).parent / "dlcert"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "grader"]
