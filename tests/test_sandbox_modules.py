"""Several modules of one learner in one sandbox job (`Sandbox.run_all`): each is graded as if alone."""
from __future__ import annotations

import pytest

from grader.sandbox import ModuleJob, TaskJob


def module(name: str, source: str, *tasks: str, track: str = "numpy") -> ModuleJob:
    return ModuleJob(module_name=name, file=f"{name}.py", source=source, track=track, memory_mb=512,
                     tasks=[TaskJob(task, 5.0, [("only", {"x": 2})]) for task in tasks])


def outputs(runs: dict, task: str):
    return [case.outputs for case in runs[task].cases]


def test_modules_sharing_a_task_name_get_their_own_results(sandbox):
    first = module("first", "def f(x):\n    return x + 1\n\ndef g(x):\n    return x - 1\n", "f", "g")
    second = module("second", "def f(x):\n    return x * 10\n", "f")
    runs = sandbox.run_all([first, second])
    assert (outputs(runs[0], "f"), outputs(runs[0], "g"), outputs(runs[1], "f")) == ([3], [1], [20])


def test_a_module_that_fails_to_import_costs_only_its_own_tasks(sandbox):
    broken = module("broken", "raise RuntimeError('at import')\n", "f", "g")
    fine = module("fine", "def f(x):\n    return x * 10\n", "f")
    runs = sandbox.run_all([broken, fine, broken])
    for failed in (runs[0], runs[2]):
        assert {failed[t].status for t in ("f", "g")} == {"error"} and "at import" in failed["f"].message
    assert runs[1]["f"].status == "ran" and outputs(runs[1], "f") == [20]


def test_a_task_that_kills_the_job_costs_only_itself(sandbox):
    dies = module("dies", "import os\n\ndef f(x):\n    os._exit(3)\n\ndef g(x):\n    return x - 1\n", "f", "g")
    after = module("after", "def f(x):\n    return x * 10\n", "f")
    runs = sandbox.run_all([dies, after])
    assert runs[0]["f"].status == "error"
    assert (outputs(runs[0], "g"), outputs(runs[1], "f")) == ([1], [20])


def test_only_modules_of_one_track_and_budget_share_a_job(sandbox):
    with pytest.raises(ValueError):
        sandbox.run_all([module("a", "", "f"), module("b", "", "f", track="torch")])
