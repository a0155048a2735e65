"""pipeline: stubs, solutions and known mistakes of the fixture course, end to end through the sandbox."""
import json

from grader.pipeline import check
from grader.results import Report
from grader.trusted import mutant_source

from tests.conftest import FIXTURE_COURSE


def write(ws, text):
    (ws.root / "exercises" / "01_toy" / "toy.py").write_text(text)


def test_stubs_are_not_implemented(toy_workspace, toy_course, sandbox):
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    assert [r.status for r in report.results] == ["not_implemented"] * 3
    assert report.score == 0 and report.max_score == 4


def test_model_solution_passes(toy_workspace, toy_course, sandbox):
    write(toy_workspace, (FIXTURE_COURSE / "01_toy" / "solution.py").read_text())
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    assert report.passed and report.score == 4


def test_every_known_mistake_is_rejected_and_named(toy_workspace, toy_course, sandbox):
    for task in toy_course.tasks:
        for mistake in task.spec.mistakes:
            write(toy_workspace, mutant_source(task.exercise, task.name, mistake.name))
            [result] = check([task.id], workspace=toy_workspace.root, course=toy_course, sandbox=sandbox).results
            assert result.status == "failed", (task.id, mistake.name)
            assert result.diagnosis.mistake == mistake.name
            assert mistake.explanation in result.diagnosis.text


def test_missing_function_is_not_implemented_with_a_message(toy_workspace, toy_course, sandbox):
    write(toy_workspace, "def double(x):\n    return 2 * x\n")
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    assert report["toy.double"].status == "passed"
    assert report["toy.split"].status == "not_implemented"
    assert "was not found" in report["toy.split"].checks[0].message


def test_partial_credit_and_diagnosis_of_the_smallest_failing_case(toy_workspace, toy_course, sandbox):
    write(toy_workspace, "import numpy as np\ndef softplus(x):\n    return np.log(1 + np.exp(x))\n")
    result = check(["toy.softplus"], workspace=toy_workspace.root, course=toy_course, sandbox=sandbox).results[0]
    assert result.status == "failed"
    assert result.score == 1.0  # one of two cases, on a 2-point task
    assert result.diagnosis.case == "large" and result.diagnosis.mistake == "naive"


def test_report_json_round_trips(toy_workspace, toy_course, sandbox):
    write(toy_workspace, "def double(x):\n    return 3 * x\n")
    report = check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data).to_dict() == report.to_dict()
    assert "toy.double" in repr(report.results[0])


def test_attempts_are_recorded(toy_workspace, toy_course, sandbox):
    import sqlite3

    check(workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    check(["toy.double"], workspace=toy_workspace.root, course=toy_course, sandbox=sandbox)
    rows = sqlite3.connect(toy_workspace.db_path).execute("SELECT task, status FROM attempts").fetchall()
    assert len(rows) == 3 and ("toy.double", "not_implemented") in rows  # the same code re-checked: no new attempt
