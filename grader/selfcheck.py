"""The course self-check (`python -m grader.selfcheck [MODULE...]`): proves every exercise is sound.

For each task, in-process and without the sandbox: the stub raises NotImplementedError, the model
solution passes every case against the PyTorch reference, and every known mistake fails at least
one case and is named by the diagnosis. Authors run it after every edit; the tests run it too.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field

from grader import trusted
from grader.cases import build_cases, validate_recipes
from grader.course import COURSE_ROOT, FOLDER_PATTERN, Course, CourseError, Task, load_course, load_exercise
from grader.diagnose import diagnose
from grader.pipeline import evaluate_case
from grader.references import ReferenceRunner
from grader.sandbox import CaseRun

SEEDS = (0, 1)


@dataclass
class TaskAudit:
    task: str
    problems: list[str] = field(default_factory=list)
    mistakes_named: dict[str, str | None] = field(default_factory=dict)


def _case_run(case, outcome, args_after) -> CaseRun:
    return CaseRun(
        case=case.name,
        outputs=outcome.outputs,
        inputs_after=args_after,
        error=f"{type(outcome.error).__name__}: {outcome.error}" if outcome.error else None,
        not_implemented=outcome.not_implemented,
        warnings=outcome.warnings,
    )


def _run(task: Task, case, mistake: str | None):
    outcome = trusted.run(task, case, mistake)
    return _case_run(case, outcome, outcome.inputs_after)


def audit_task(task: Task, references: ReferenceRunner) -> TaskAudit:
    audit = TaskAudit(task.id)
    for spec in task.spec.cases:
        audit.problems += validate_recipes(spec)
    if audit.problems:
        return audit
    for seed in SEEDS:
        cases = build_cases(task, seed)
        wanted = references.outputs(task, cases)
        for case, want in zip(cases, wanted):
            verdict = evaluate_case(task, case, _run(task, case, None), want)
            if not verdict.passed:
                audit.problems.append(f"solution fails case {case.name} (seed {seed}): {verdict.problems[0]}")
        if seed != SEEDS[0]:
            continue
        for mistake in task.spec.mistakes:
            verdicts = [evaluate_case(task, c, _run(task, c, mistake.name), w) for c, w in zip(cases, wanted)]
            failing = next((v for v in verdicts if not v.passed), None)
            if failing is None:
                audit.problems.append(f"mistake {mistake.name} passes every case: no case can reject it")
                continue
            named = diagnose(task, failing).mistake
            audit.mistakes_named[mistake.name] = named
            if named != mistake.name:
                audit.problems.append(
                    f"mistake {mistake.name} is rejected (case {failing.case.name}) but named {named!r}"
                )
    return audit


def audit_stub(task: Task) -> list[str]:
    namespace: dict = {}
    try:
        exec(compile(task.exercise.stub_path.read_text(), str(task.exercise.stub_path), "exec"), namespace)
    except Exception as exc:  # a broken stub is exactly what this reports
        return [f"stub does not import: {exc}"]
    if task.name not in namespace:
        return [f"stub has no {task.name}"]
    return []


def audit(course: Course, modules: list[str]) -> list[TaskAudit]:
    references = ReferenceRunner("cpu", use_cache=False)
    tasks = course.select(modules)
    audits = []
    for task in tasks:
        result = TaskAudit(task.id, audit_stub(task))
        if not result.problems:
            try:
                found = audit_task(task, references)
                result.problems, result.mistakes_named = found.problems, found.mistakes_named
            except Exception as exc:  # report any crash of the course's own code as a problem
                result.problems.append(f"self-check crashed: {type(exc).__name__}: {exc}")
        audits.append(result)
    return audits


def _course_of(modules: list[str]) -> Course:
    """The whole course, or only the named modules (so one can be checked while others are drafts)."""
    if not modules:
        return load_course()
    folders = [p for p in sorted(COURSE_ROOT.iterdir()) if FOLDER_PATTERN.match(p.name)]
    chosen = [p for p in folders if p.name[3:] in {m.partition(".")[0] for m in modules}]
    return Course([load_exercise(p) for p in chosen])


def main(argv: list[str]) -> int:
    try:
        audits = audit(_course_of(argv), argv)
    except CourseError as exc:
        print(exc)
        return 1
    bad = 0
    for a in audits:
        mark = "ok " if not a.problems else "BAD"
        named = ", ".join(f"{m}" for m in a.mistakes_named)
        print(f"{mark} {a.task}  mistakes: {named}")
        for p in a.problems:
            print(f"      - {p}")
        bad += bool(a.problems)
    print(f"{len(audits) - bad}/{len(audits)} tasks sound")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
