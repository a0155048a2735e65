"""dlcert's grader: check learner code against PyTorch references, explain what is wrong.

`grader.check(...)` is the Python API (what `dlcert check` calls); it returns a `Report`. In a
notebook, `grader.check("activations.softmax", softmax)` grades a function or class defined there.
"""
from __future__ import annotations

__version__ = "0.1.0"


def check(*targets, **options):
    """Grade the tasks `targets` name (all when none); see `grader.pipeline.check` for options.

    `check(task, fn_or_class)` grades that object as the learner's `task` instead (its source, in
    the sandbox; see `grader.notebook.check_object`).
    """
    if len(targets) == 2 and isinstance(targets[0], str) and not isinstance(targets[1], str):
        from grader.notebook import check_object

        return check_object(*targets, **options)
    from grader.pipeline import check as _check

    return _check(targets, **options)


__all__ = ["__version__", "check"]
