"""Load an exercise's harness.py and judge.py, for references that measure a reference implementation
the way a learner's is measured.

The harness drives a task (builds a batch, trains a model, simulates a machine) and the judge turns
what it saw into the task's outputs; a reference that runs both on its own implementation measures
exactly what the learner's run measures.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"


def _load(folder: str, name: str):
    path = EXERCISES / folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_dlcert_reference_{name}_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def load_harness(folder: str):
    """The module `exercises/<folder>/harness.py` (loaded once)."""
    return _load(folder, "harness")


@functools.lru_cache(maxsize=None)
def load_judge(folder: str):
    """The module `exercises/<folder>/judge.py` (loaded once)."""
    return _load(folder, "judge")
