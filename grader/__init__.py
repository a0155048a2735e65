"""dlcert's grader: check learner code against PyTorch references, explain what is wrong.

`grader.check(...)` is the Python API (what `dlcert check` calls); it returns a `Report`.
"""
from __future__ import annotations

__version__ = "0.1.0"


def check(*targets: str, **options):
    """Grade the tasks `targets` name (all when none); see `grader.pipeline.check` for options."""
    from grader.pipeline import check as _check

    return _check(targets, **options)


__all__ = ["__version__", "check"]
