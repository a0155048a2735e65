"""Grade one submission (`grade_submission`), and many of them on local processes or a Dask cluster.

`grade_submission` is the unit of work: copy the submission safely, find its module files, and run
the same `grader.pipeline.grade` as `dlcert check`. It returns plain data, so it crosses process and
machine boundaries unchanged. Each worker (process or Dask thread) keeps one warm `Sandbox` and one
`ReferenceRunner`; the references' on-disk cache is shared by all of them.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import tempfile
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from grader.classroom.intake import IntakeError, Limits, Submission, extract, locate_modules
from grader.course import Course, Task, load_course

FINAL_INTAKE_STATUSES = ("rejected", "corrupt", "empty")
"""Submission statuses that depend only on the hand-in: a rerun does not try again."""


def task_hash(task: Task) -> str:
    """Changes when anything that decides the task's verdict changes: spec, reference, harness, limits."""
    from grader.references import source_hash

    h = hashlib.sha256(source_hash(task).encode())
    h.update(task.exercise.harness_path.read_bytes() if task.exercise.harness_path.is_file() else b"-")
    h.update(f"{task.exercise.spec.track}|{task.exercise.spec.memory_mb}|{task.time_limit}".encode())
    return h.hexdigest()[:24]


def derive_seed(secret: str | None, learner: str, default: int = 0) -> int:
    """The learner's case seed: HMAC-SHA256(secret, learner id) folded to 31 bits; `default` without a secret."""
    if not secret:
        return default
    digest = hmac.new(secret.encode(), learner.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % 2**31


@dataclass
class GradeJob:
    """Everything a worker needs to grade one submission (picklable, no open handles)."""

    submission_id: int
    learner: str
    path: str
    kind: str
    tasks: list[str]
    seed: int
    device: str = "auto"
    course_root: str | None = None
    limits: Limits = field(default_factory=Limits)
    members: tuple[tuple[str, str], ...] = ()
    """For a hand-in of several loose files (kind `files`): see `intake.Submission.members`."""
    budget: float | None = None
    """Seconds this hand-in may take in all: once spent, the modules not yet graded are not started."""


@dataclass
class Outcome:
    """What grading one submission gave: its status, and each task's result as a dict."""

    submission_id: int
    status: str
    """`graded`, or why not: `rejected`, `corrupt`, `empty`, `crashed`."""
    message: str = ""
    results: list[dict] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)
    """Exercise folder → the path of its file inside the submission."""
    seconds: float = 0.0
    worker: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class _Warm(threading.local):
    """One sandbox and one reference runner per worker thread (per process in the local pool)."""

    sandbox = None
    references = None


_WARM = _Warm()
_ALL_SANDBOXES: list = []  # every warm sandbox of this process, so `close_all_warm` can stop them


def _warm(device: str):
    from grader.references import ReferenceRunner
    from grader.sandbox import Sandbox

    if _WARM.sandbox is None:
        _WARM.sandbox = Sandbox()
        _ALL_SANDBOXES.append(_WARM.sandbox)
        try:
            import multiprocessing.util

            multiprocessing.util.Finalize(_WARM.sandbox, _WARM.sandbox.close, exitpriority=10)
        except Exception:  # pragma: no cover - only a best-effort cleanup hook
            pass
    if _WARM.references is None or _WARM.references.requested != device:
        _WARM.references = ReferenceRunner(device)
    return _WARM.sandbox, _WARM.references


def close_warm() -> None:
    """Stop this worker's sandbox (the pool and Dask plugins call it when a worker ends)."""
    if _WARM.sandbox is not None:
        _WARM.sandbox.close()
        _WARM.sandbox = None


def close_all_warm() -> None:
    """Stop every warm sandbox of this process (threads of an in-process Dask cluster included)."""
    while _ALL_SANDBOXES:
        _ALL_SANDBOXES.pop().close()
    _WARM.sandbox = None


class InlineExecutor:
    """Grades in this process, one submission after another (tests, debugging, tiny classes)."""

    name = "inline"
    jobs = 1

    def run(self, jobs: list[GradeJob]) -> Iterator[tuple[GradeJob, dict]]:
        for job in jobs:
            yield job, grade_submission(job)


def grade_submission(job: GradeJob) -> dict:
    """Grade one submission in a private temporary copy; never raises (a failure is an outcome)."""
    started = time.monotonic()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    scratch = Path(tempfile.mkdtemp(prefix="dlcert-class-"))
    try:
        outcome = _grade_in(job, scratch / "submission")
    except IntakeError as exc:
        outcome = Outcome(job.submission_id, exc.status, exc.message)
    except Exception as exc:  # a grader bug must not stop the class: this submission says why
        outcome = Outcome(job.submission_id, "crashed", f"the grader failed on this submission: {exc!r}\n{traceback.format_exc(limit=5)}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outcome.seconds = round(time.monotonic() - started, 3)
    outcome.worker = worker
    return outcome.to_dict()


def _grade_in(job: GradeJob, copy: Path) -> Outcome:
    from grader.pipeline import grade

    started = time.monotonic()
    course = load_course(Path(job.course_root) if job.course_root else None)
    tasks = course.select(job.tasks)
    extract(Submission(job.learner, Path(job.path), job.kind, tuple(map(tuple, job.members))), copy, job.limits)
    exercises = [e for e in course.exercises if any(t.exercise.folder == e.folder for t in tasks)]
    found = locate_modules(copy, exercises)
    if not found:
        wanted = ", ".join(f"{e.folder}/{e.module}.py" for e in exercises)
        raise IntakeError("empty", f"no module file found (looked for {wanted})")
    sandbox, references = _warm(job.device)
    by_task: dict[str, dict] = {}
    for exercise in exercises:  # a module at a time, so a time budget can stop between modules
        group = [t for t in tasks if t.exercise.folder == exercise.folder]
        if exercise.folder not in found:
            by_task.update((t.id, _not_handed_in(t)) for t in group)
        elif job.budget is not None and time.monotonic() - started > job.budget:
            by_task.update((t.id, _over_budget(t, job.budget)) for t in group)
        else:
            report = grade(group, lambda e: found[e.folder], seed=job.seed, device=job.device, sandbox=sandbox, references=references)
            by_task.update((r.task, r.to_dict()) for r in report.results)
    return Outcome(
        job.submission_id,
        "graded",
        results=[by_task[t.id] for t in tasks],
        modules={folder: str(path.relative_to(copy)) for folder, path in found.items()},
    )


def _not_handed_in(task: Task) -> dict:
    """A task whose module file is not in the hand-in (said without temporary paths or workspace advice)."""
    from grader.results import Check, TaskResult

    e = task.exercise
    message = f"no {e.module}.py in this hand-in (looked for exercises/{e.folder}/{e.module}.py, {e.folder}/{e.module}.py or {e.module}.py)"
    return TaskResult(task.id, "not_implemented", 0.0, task.spec.points, [Check("run", False, message)]).to_dict()


def _over_budget(task: Task, budget: float) -> dict:
    from grader.results import Check, TaskResult

    message = f"not graded: this hand-in's time budget of {budget:g} s was used up by the modules before it"
    return TaskResult(task.id, "timeout", 0.0, task.spec.points, [Check("run", False, message)]).to_dict()


def prewarm_references(course: Course, task_ids: list[str], seeds: set[int], device: str) -> None:
    """Compute (or confirm cached) every reference output once, before the workers start."""
    from grader.cases import build_cases
    from grader.references import ReferenceRunner

    runner = ReferenceRunner(device)
    for task in course.select(task_ids):
        for seed in sorted(seeds):
            runner.outputs(task, build_cases(task, seed))


# --- executors ------------------------------------------------------------------------------------


def _pool_initializer() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


class LocalExecutor:
    """Worker processes on this machine (spawned, so the parent's threads and state stay put)."""

    name = "local"

    def __init__(self, jobs: int | None = None):
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    def run(self, jobs: list[GradeJob]) -> Iterator[tuple[GradeJob, dict]]:
        import multiprocessing

        pending = list(jobs)
        restarts = 0
        while pending:
            context = multiprocessing.get_context("spawn")
            pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(pending)), mp_context=context, initializer=_pool_initializer)
            futures: dict[Future, GradeJob] = {pool.submit(grade_submission, job): job for job in pending}
            broken = interrupted = False
            try:
                not_done = set(futures)
                while not_done:
                    done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                    for future in done:
                        job = futures[future]
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        except Exception as exc:
                            outcome = Outcome(job.submission_id, "crashed", f"the worker failed: {exc!r}").to_dict()
                        pending.remove(job)
                        yield job, outcome
                    if broken:
                        break
            except BaseException:  # Ctrl-C or the consumer stopped: finished results are already recorded
                interrupted = True
                raise
            finally:
                if interrupted:  # do not wait for in-flight submissions (a hang takes its whole time limit)
                    for process in list((getattr(pool, "_processes", None) or {}).values()):
                        process.terminate()
                pool.shutdown(wait=not (broken or interrupted), cancel_futures=True)
            if broken:
                restarts += 1
                if restarts > 3:
                    for job in pending:
                        yield job, Outcome(job.submission_id, "crashed", "a grading worker died repeatedly").to_dict()
                    return


class DaskExecutor:
    """The same `grade_submission`, on a Dask distributed cluster (paths must be visible to its workers)."""

    name = "dask"

    def __init__(self, scheduler: str | object):
        self.scheduler = scheduler
        self.jobs = None

    def run(self, jobs: list[GradeJob]) -> Iterator[tuple[GradeJob, dict]]:
        from distributed import Client, as_completed

        client = self.scheduler if isinstance(self.scheduler, Client) else Client(self.scheduler)
        try:
            futures = client.map(grade_submission, jobs, pure=False, key=[f"dlcert-grade-{j.submission_id}-{os.getpid()}-{time.time_ns()}" for j in jobs])
            by_key = {f.key: job for f, job in zip(futures, jobs)}
            for future in as_completed(futures):
                job = by_key[future.key]
                try:
                    outcome = future.result()
                except Exception as exc:
                    outcome = Outcome(job.submission_id, "crashed", f"the Dask task failed: {exc!r}").to_dict()
                yield job, outcome
        finally:
            if client is not self.scheduler:
                client.close()


ProgressCallback = Callable[[GradeJob, dict], None]
