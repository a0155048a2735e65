"""One check, start to end: spec → cases → sandboxed learner run → compare → diagnose → results."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterable

from grader import sandbox as sandboxing
from grader import store, trusted
from grader.cases import Case, build_cases
from grader.compare import compare, name_outputs, unchanged
from grader.course import Course, Exercise, Task, load_course
from grader.diagnose import CaseVerdict, diagnose
from grader.references import ReferenceError_, ReferenceRunner
from grader.results import Check, Diagnosis, Report, TaskResult
from grader.wire import Rejected
from grader.workspace import Workspace, WorkspaceError, find_workspace, open_workspace

RAM_FOLDER = Path("/dev/shm")
RAM_FOLDER_MIN_FREE = 2**30


def check(
    targets: Iterable[str] = (),
    *,
    workspace: Path | str | None = None,
    seed: int | None = None,
    device: str = "auto",
    sandbox: sandboxing.Sandbox | None = None,
    record: bool = True,
    course: Course | None = None,
) -> Report:
    """Grade a workspace's tasks (all, or the modules/tasks `targets` name) and record the attempt."""
    root = Path(workspace) if workspace else find_workspace()
    if root is None:
        raise WorkspaceError("not inside a dlcert workspace; pass --workspace DIR or run `dlcert init DIR` first")
    ws = open_workspace(root)
    tasks = (course or load_course()).select(list(targets))
    seed = ws.seed if seed is None else seed
    report = grade(tasks, lambda e: ws.module_file(e.folder, e.module), seed=seed, device=device, sandbox=sandbox)
    if record:
        record_report(ws, report, tasks)
    return report


def record_report(ws: Workspace, report: Report, tasks: list[Task]) -> None:
    hashes = {t.id: code_hash(ws.module_file(t.exercise.folder, t.exercise.module)) for t in tasks}
    rows = [(r.task, r.status, r.score, r.max_score, hashes[r.task], report.seed, r.duration) for r in report.results]
    store.record_attempts(ws.db_path, rows)


def code_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


def grade(
    tasks: list[Task],
    module_file: Callable[[Exercise], Path],
    *,
    seed: int,
    device: str = "auto",
    sandbox: sandboxing.Sandbox | None = None,
    references: ReferenceRunner | None = None,
) -> Report:
    """Grade `tasks`, reading each exercise's learner code from `module_file(exercise)`."""
    references = references or ReferenceRunner(device)
    own_sandbox = sandbox is None
    sandbox = sandbox or sandboxing.Sandbox()
    results: list[TaskResult] = []
    try:
        for exercise, group in _by_exercise(tasks):
            results += _grade_exercise(exercise, group, module_file(exercise), seed, sandbox, references)
    finally:
        if own_sandbox:
            sandbox.close()
    notes = [references.device.note] if references._device and references.device.note else []
    notes += sorted(sandbox.notes)
    return Report(results, seed=seed, device=references._device.name if references._device else "cache", notes=notes)


def _by_exercise(tasks: list[Task]) -> list[tuple[Exercise, list[Task]]]:
    groups: dict[str, tuple[Exercise, list[Task]]] = {}
    for task in tasks:
        groups.setdefault(task.exercise.folder, (task.exercise, []))[1].append(task)
    return list(groups.values())


def _grade_exercise(
    exercise: Exercise, tasks: list[Task], path: Path, seed: int, sandbox: sandboxing.Sandbox, references: ReferenceRunner
) -> list[TaskResult]:
    if not path.is_file():
        return [_whole(t, "not_implemented", f"{path} does not exist (run `dlcert upgrade` or `dlcert reset {exercise.module}`)") for t in tasks]
    cases = {t.name: build_cases(t, seed) for t in tasks}
    exchange = Path(tempfile.mkdtemp(prefix="dlcert-", dir=exchange_root()))
    exchange.chmod(0o777)
    try:
        job = sandboxing.ModuleJob(
            module_file=path,
            module_name=exercise.module,
            track=exercise.spec.track,
            memory_mb=exercise.spec.memory_mb,
            harness_file=exercise.harness_path if exercise.harness_path.is_file() else None,
            exchange_dir=exchange,
            tasks=[
                sandboxing.TaskJob(
                    t.name,
                    t.time_limit,
                    [
                        {"name": c.name, "args": sandboxing.encode_args(c.args, exchange, f"in.{t.name}.{i}."), "stable": c.stable}
                        for i, c in enumerate(cases[t.name])
                    ],
                )
                for t in tasks
            ],
        )
        runs = sandbox.run(job)
        return [_task_result(t, cases[t.name], runs[t.name], path, references) for t in tasks]
    finally:
        shutil.rmtree(exchange, ignore_errors=True)


def exchange_root() -> str | None:
    """Where exchange folders go: $TMPDIR when set, else /dev/shm when it is RAM with room, else the default.

    A module's check writes and deletes hundreds of small `.npy` files; on a journaling disk that
    costs more kernel time than the grading itself (strace: ~4,000 openat per check of modules 01-09).
    """
    if os.environ.get("TMPDIR") or not os.access(RAM_FOLDER, os.W_OK | os.X_OK):
        return None
    try:
        stats = os.statvfs(RAM_FOLDER)
    except OSError:
        return None
    return str(RAM_FOLDER) if stats.f_bavail * stats.f_frsize >= RAM_FOLDER_MIN_FREE else None


def _whole(task: Task, status: str, message: str, output: str = "") -> TaskResult:
    """A task that got no per-case verdicts: missing, timed out, crashed, or not implemented."""
    return TaskResult(
        task=task.id,
        status=status,
        score=0.0,
        max_score=task.spec.points,
        checks=[Check(name="run", passed=False, message=message)],
        diagnosis=None if status == "not_implemented" else Diagnosis(None, None, None, None, message),
        output=output,
    )


def _task_result(task: Task, cases: list[Case], run: sandboxing.TaskRun, path: Path, references: ReferenceRunner) -> TaskResult:
    if run.status == "missing":
        return _whole(task, "not_implemented", f"`{task.name}` was not found in {path.name}")
    if run.status in ("timeout", "error"):
        return _whole(task, run.status, run.message or run.status, run.output)
    if not run.cases or run.cases[0].not_implemented:
        return _whole(task, "not_implemented", f"`{task.name}` still raises NotImplementedError")
    started = time.monotonic()
    wanted = references.outputs(task, cases[: len(run.cases)])
    verdicts = [evaluate_case(task, case, case_run, want) for case, case_run, want in zip(cases, run.cases, wanted)]
    verdicts += [CaseVerdict(case, problems=["was not run"]) for case in cases[len(run.cases):]]
    checks = [Check(v.case.name, v.passed, "ok" if v.passed else v.problems[0]) for v in verdicts]
    passed_weight = sum(c.weight for c in checks if c.passed)
    score = round(task.spec.points * passed_weight / sum(c.weight for c in checks), 6)
    failing = next((v for v in verdicts if not v.passed), None)
    status = "passed" if failing is None else "error" if any(v.errored for v in verdicts) else "failed"
    return TaskResult(
        task=task.id,
        status=status,
        score=score,
        max_score=task.spec.points,
        checks=checks,
        diagnosis=diagnose(task, failing) if failing else None,
        duration=round(sum(c.seconds for c in run.cases) + time.monotonic() - started, 4),
        output=run.output if failing else "",
    )


def evaluate_case(task: Task, case: Case, case_run: sandboxing.CaseRun, reference: object) -> CaseVerdict:
    """Compare one case's run with the reference: outputs, stability and inputs left untouched."""
    verdict = CaseVerdict(case, warnings=case_run.warnings)
    if case_run.error:
        verdict.errored = True
        verdict.problems.append(f"raised {case_run.error}")
        return verdict
    if case_run.not_implemented:
        verdict.errored = True
        verdict.problems.append("raised NotImplementedError on this case")
        return verdict
    names = task.spec.outputs
    want = name_outputs(reference, names)
    if isinstance(want, Rejected):
        raise ReferenceError_(f"the reference of {task.id} returned {want.what}")
    verdict.want = want
    got = name_outputs(case_run.outputs, names)
    verdict.got = got
    if isinstance(got, Rejected):
        verdict.problems.append(f"returned {got.what}")
    else:
        for name in names:
            found = compare(got.get(name, Rejected("nothing")), want.get(name), task.spec.comparison(name), task.spec.tolerance, name)
            verdict.mismatches += found
            verdict.problems += [f"{m.path}: {m.problem}" if len(names) > 1 else m.problem for m in found]
    if case.stable and case_run.warnings:
        verdict.problems.append(f"raised a warning on a stability case ({case_run.warnings[0]})")
    if trusted.harness_driver(task) is None:
        verdict.note_modified(case_run.inputs_after)
    return verdict
