"""progress: what is passed, read from the workspace; `quiz readiness` inside it agrees with `progress`."""
import json
import shutil

from click.testing import CliRunner

from grader.cli import main
from grader.course import load_course
from grader.progress import workspace_passed_tasks
from grader.quiz.store import Store
from grader.workspace import init_workspace

COURSE = load_course()
CERT = "nvidia-dli-fdl"  # its "mechanics" domain covers the neurons module


def test_quiz_readiness_in_a_workspace_counts_its_passed_tasks_like_progress(tmp_path, monkeypatch):
    ws = init_workspace(tmp_path / "ws")
    neurons = COURSE.exercise("neurons")
    shutil.copyfile(neurons.solution_path, ws.module_file(neurons.folder, neurons.module))
    runner = CliRunner()
    assert runner.invoke(main, ["check", "neurons", "--workspace", str(ws.root)]).exit_code == 0
    with Store(ws.db_path) as store:
        store.record(question_id="activations.gelu-generated", mode="practice", given="x", correct=True)
    monkeypatch.chdir(ws.root / "exercises")
    assert workspace_passed_tasks() == {"neurons.perceptron", "neurons.dense_forward"}

    result = runner.invoke(main, ["quiz", "--db", str(ws.db_path), "readiness", "--cert", CERT, "--json"])
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)["readiness"]
    mechanics = next(d for d in report["domains"] if "neurons" in d["modules"])
    assert mechanics["exercise_passed"] == 2

    shown = " ".join(runner.invoke(main, ["progress", "--workspace", str(ws.root)]).output.split())
    assert f"Readiness: {report['name']} — {round(100 * report['overall'])}% overall" in shown


def test_outside_a_workspace_nothing_is_passed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert workspace_passed_tasks() == set()
