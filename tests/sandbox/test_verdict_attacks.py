"""Rebinding the harness: a driver runs beside learner code and can be rebound to say anything, so it
only returns data; the verdicts (x restored, trained, held-back accuracy, ...) are the grader's."""
from __future__ import annotations

import pytest

from grader.pipeline import check
from grader.workspace import init_workspace
from tests.sandbox.conftest import render


def graded(tmp_path, sandbox, folder, module, hostile):
    ws = init_workspace(tmp_path / "ws")
    (ws.root / "exercises" / folder / f"{module}.py").write_text(render(hostile))
    return {r.task.split(".")[1]: r for r in check([module], workspace=ws.root, sandbox=sandbox).results}


def test_a_driver_rebound_to_claim_x_restored_gets_no_credit(tmp_path, sandbox):
    results = graded(tmp_path, sandbox, "04_backprop", "backprop", "rebind_backprop.py")
    gradient = results["numerical_gradient"]
    assert gradient.score == 0 and all(not c.passed for c in gradient.checks), gradient.checks
    assert all("x_restored" in c.message for c in gradient.checks[1:]), gradient.checks  # forged from case 2 on


@pytest.mark.slow
def test_drivers_rebound_to_claim_training_get_no_credit(tmp_path, sandbox):
    results = graded(tmp_path, sandbox, "11_training", "training", "rebind_training.py")
    for task in ("build_model", "train"):
        result = results[task]
        assert result.score == 0 and result.status == "failed", result.checks  # the forged drivers ran, and lost
        assert not any("raised" in c.message for c in result.checks), result.checks
