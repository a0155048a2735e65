"""One check, start to end: spec → cases → expected outputs → sandboxed learner run → compare →
diagnose → results.

The learner's file is read here, once, without following links (and size-capped); the sandbox gets
its text, never its path. Expected outputs are fetched (or computed) before learner code runs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from grader import sandbox as sandboxing
from grader import store, trusted
from grader.cases import Case
from grader.compare import compare, name_outputs, unchanged
from grader.course import Course, Exercise, Task, load_course
from grader.diagnose import CaseVerdict, diagnose
from grader.references import ReferenceError_, ReferenceRunner
from grader.results import Check, Diagnosis, Report, TaskResult
from grader.wire import Rejected
from grader.workspace import Workspace, WorkspaceError, find_workspace, open_workspace

MAX_MODULE_BYTES = 2**20


@dataclass(frozen=True)
class LearnerFile:
    """A learner's module as it will be graded: its name and text, or why it cannot be."""

    name: str
    text: str | None = None
    problem: str | None = None

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:16] if self.text is not None else "missing"


def read_learner_file(path: Path) -> LearnerFile:
    """Read a learner's module safely: a regular file (no link followed, no FIFO opened for long), at most 1 MiB."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return LearnerFile(path.name, problem=f"{path} does not exist")
    except OSError as exc:
        why = "is a symbolic link (dlcert grades regular files only)" if os.path.islink(path) else f"cannot be read ({exc.strerror})"
        return LearnerFile(path.name, problem=f"{path} {why}")
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return LearnerFile(path.name, problem=f"{path} is not a regular file")
        if info.st_size > MAX_MODULE_BYTES:
            return LearnerFile(path.name, problem=f"{path} is larger than {MAX_MODULE_BYTES // 2**20} MiB")
        data = os.read(fd, MAX_MODULE_BYTES + 1)
    finally:
        os.close(fd)
    return LearnerFile(path.name, data.decode("utf-8", "replace"))


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
    files = {t.exercise.folder: read_learner_file(ws.module_file(t.exercise.folder, t.exercise.module)) for t in tasks}
    report = grade(tasks, lambda e: files[e.folder], seed=seed, device=device, sandbox=sandbox)
    if record:
        record_report(ws, report, tasks, {t.id: files[t.exercise.folder].hash for t in tasks})
    return report


def record_report(ws: Workspace, report: Report, tasks: list[Task], hashes: dict[str, str] | None = None) -> None:
    """Record the attempt; `hashes` are the graded files' (else the files are read again for them)."""
    if hashes is None:
        hashes = {t.id: read_learner_file(ws.module_file(t.exercise.folder, t.exercise.module)).hash for t in tasks}
    rows = [(r.task, r.status, r.score, r.max_score, hashes[r.task], report.seed, r.duration) for r in report.results]
    store.record_attempts(ws.db_path, rows)


def grade(
    tasks: list[Task],
    module_file: Callable[[Exercise], Path | LearnerFile],
    *,
    seed: int,
    device: str = "auto",
    sandbox: sandboxing.Sandbox | None = None,
    references: ReferenceRunner | None = None,
) -> Report:
    """Grade `tasks`, with each exercise's learner code from `module_file(exercise)` (a path or its text)."""
    references = references or ReferenceRunner(device)
    own_sandbox = sandbox is None
    sandbox = sandbox or sandboxing.Sandbox()
    notes: list[str] = []
    try:
        modules = []
        for exercise, group in _by_exercise(tasks):
            learner = module_file(exercise)
            modules.append((exercise, group, read_learner_file(learner) if isinstance(learner, Path) else learner))
        by_task = {}
        for batch in _batches(modules):
            by_task.update(_grade_modules(batch, seed, sandbox, references, notes))
        results = [by_task[t.id] for _, group, _ in modules for t in group]
        notes[:0] = sandbox.confinement.notes()
    finally:
        if own_sandbox:
            sandbox.close()
    if references._device and references.device.note:
        notes.insert(0, references.device.note)
    return Report(results, seed=seed, device=references._device.name if references._device else "cache", notes=notes)


def _by_exercise(tasks: list[Task]) -> list[tuple[Exercise, list[Task]]]:
    groups: dict[str, tuple[Exercise, list[Task]]] = {}
    for task in tasks:
        groups.setdefault(task.exercise.folder, (task.exercise, []))[1].append(task)
    return list(groups.values())


def _batches(modules: list[tuple[Exercise, list[Task], LearnerFile]]) -> list[list]:
    """Consecutive modules that can share one sandbox job: the same track and memory budget."""
    batches: list[list] = []
    for module in modules:
        spec = module[0].spec
        if batches and (batches[-1][0][0].spec.track, batches[-1][0][0].spec.memory_mb) == (spec.track, spec.memory_mb):
            batches[-1].append(module)
        else:
            batches.append([module])
    return batches


def _grade_modules(
    modules: list[tuple[Exercise, list[Task], LearnerFile]], seed: int, sandbox: sandboxing.Sandbox,
    references: ReferenceRunner, notes: list[str],
) -> dict[str, TaskResult]:
    """Grade one learner's modules, those that can run in one sandbox job: one job for all of them."""
    results: dict[str, TaskResult] = {}
    jobs, graded = [], []
    for exercise, tasks, learner in modules:
        if learner.text is None:
            hint = f" (run `dlcert upgrade` or `dlcert reset {exercise.module}`)" if "does not exist" in (learner.problem or "") else ""
            results.update((t.id, _whole(t, "not_implemented", f"{learner.problem}{hint}")) for t in tasks)
            continue
        prepared = {t.name: references.for_seed(t, seed) for t in tasks}
        jobs.append(sandboxing.ModuleJob(
            module_name=exercise.module,
            file=learner.name,
            source=learner.text,
            track=exercise.spec.track,
            memory_mb=exercise.spec.memory_mb,
            harness=trusted.harness_source(exercise),
            tasks=[sandboxing.TaskJob(t.name, t.time_limit, [(c.name, trusted.child_args(t, c)) for c in prepared[t.name][0]])
                   for t in tasks],
        ))
        graded.append((tasks, learner, prepared))
    for runs, (tasks, learner, prepared) in zip(sandbox.run_all(jobs) if jobs else [], graded):
        for t in tasks:
            cases, wanted = prepared[t.name]
            results[t.id] = _task_result(t, cases, wanted, runs[t.name], learner.name)
            if results[t.id].passed and runs[t.name].output_bytes > sandboxing.OUTPUT_KEEP_BYTES * 2:
                notes.append(f"{t.id} printed {runs[t.name].output_bytes} bytes; only the first and last "
                             f"{sandboxing.OUTPUT_KEEP_BYTES} were kept")
    return results


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


def _task_result(task: Task, cases: list[Case], wanted: list, run: sandboxing.TaskRun, name: str) -> TaskResult:
    if run.status == "missing":
        return _whole(task, "not_implemented", f"`{task.name}` was not found in {name}")
    if run.status in ("timeout", "error"):
        return _whole(task, run.status, run.message or run.status, run.output)
    if not run.cases or run.cases[0].not_implemented:
        return _whole(task, "not_implemented", f"`{task.name}` still raises NotImplementedError")
    started = time.monotonic()
    verdicts = [evaluate_case(task, case, _judged(task, case, case_run), want)
                for case, case_run, want in zip(cases, run.cases, wanted)]
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


def _judged(task: Task, case: Case, case_run: sandboxing.CaseRun) -> sandboxing.CaseRun:
    """The case's run with its outputs decided here from the raw data the learner process sent."""
    if case_run.error or case_run.not_implemented:
        return case_run
    return dataclasses.replace(case_run, outputs=trusted.judged(task, case, case_run.outputs))


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
