"""The real course: every stub is not_implemented, every model solution passes, every known mistake
is rejected and named — in-process (the self-check) and through the sandbox, as a learner gets it."""
import shutil

import pytest

from grader import selfcheck
from grader.course import load_course
from grader.pipeline import check
from grader.references import ReferenceRunner
from grader.trusted import mutant_source
from grader.workspace import init_workspace

COURSE = load_course()
MODULES = [e.module for e in COURSE.exercises]


@pytest.fixture(scope="module")
def solved_workspace(tmp_path_factory):
    """A workspace whose every module is the model solution."""
    ws = init_workspace(tmp_path_factory.mktemp("solved") / "ws")
    for exercise in COURSE.exercises:
        shutil.copyfile(exercise.solution_path, ws.module_file(exercise.folder, exercise.module))
    return ws


@pytest.mark.parametrize("module", MODULES)
def test_self_check(module):
    """Solutions pass on two seeds; each mistake fails some case and is named by the diagnosis."""
    references = ReferenceRunner("cpu")
    problems = []
    for task in COURSE.exercise(module).tasks:
        problems += [f"{task.id}: {p}" for p in selfcheck.audit_stub(task) + selfcheck.audit_task(task, references).problems]
    assert not problems, "\n".join(problems)


def test_a_fresh_workspace_is_all_not_implemented(tmp_path, sandbox):
    ws = init_workspace(tmp_path / "ws")
    report = check(workspace=ws.root, sandbox=sandbox, record=False)
    assert {r.status for r in report.results} == {"not_implemented"}
    assert len(report.results) == len(COURSE.tasks)


def test_the_model_solutions_score_full_marks(solved_workspace, sandbox):
    report = check(workspace=solved_workspace.root, sandbox=sandbox)
    failing = [(r.task, r.status, r.diagnosis and r.diagnosis.text) for r in report.results if not r.passed]
    assert not failing
    assert report.score == report.max_score


@pytest.mark.parametrize("module", MODULES)
def test_every_known_mistake_is_rejected_and_named_in_the_sandbox(module, solved_workspace, sandbox):
    exercise = COURSE.exercise(module)
    target = solved_workspace.module_file(exercise.folder, exercise.module)
    wrong = []
    try:
        for task in exercise.tasks:
            for mistake in task.spec.mistakes:
                target.write_text(mutant_source(exercise, task.name, mistake.name))
                [result] = check([task.id], workspace=solved_workspace.root, sandbox=sandbox, record=False).results
                named = result.diagnosis.mistake if result.diagnosis else None
                if result.status == "passed" or named != mistake.name:
                    wrong.append(f"{task.id} {mistake.name}: {result.status}, named {named}")
    finally:
        shutil.copyfile(exercise.solution_path, target)
    assert not wrong, "\n".join(wrong)


@pytest.mark.gpu
def test_the_model_solutions_score_full_marks_against_cuda_references(solved_workspace, sandbox):
    """Every reference computed on CUDA (not read from the CPU cache) agrees with the model solutions."""
    report = check(workspace=solved_workspace.root, sandbox=sandbox, device="cuda", record=False)
    assert report.device == "cuda"
    failing = [(r.task, r.status, r.diagnosis and r.diagnosis.text) for r in report.results if not r.passed]
    assert not failing
