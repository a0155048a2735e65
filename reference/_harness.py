"""Load an exercise's harness.py, for references that let the harness drive a reference implementation.

The harness is the one place that says how a task is measured (a dataset, a simulated machine);
a reference that runs it on its own implementation measures exactly what the learner's run measures.
"""
from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

EXERCISES = Path(__file__).resolve().parent.parent / "exercises"


@functools.lru_cache(maxsize=None)
def load_harness(folder: str):
    """The module `exercises/<folder>/harness.py` (loaded once)."""
    path = EXERCISES / folder / "harness.py"
    spec = importlib.util.spec_from_file_location(f"_dlcert_reference_harness_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
