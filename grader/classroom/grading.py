"""Grade one submission (`grade_submission`), and many of them on local processes or a Dask cluster.

`grade_submission` is the unit of work: copy the submission safely, read its module files into
memory and delete the copy, then run the same `grader.pipeline.grade` as `dlcert check` on the
texts. It returns plain data, so it crosses process and machine boundaries unchanged. Each worker
(process or Dask thread) keeps one warm `Sandbox` and one `ReferenceRunner`; the references'
on-disk cache is shared by all of them. A job asks for confinement: a worker whose sandbox
cannot confine learner code refuses it (unless the job allows that). A local worker that dies
costs only the hand-in it was grading.
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
from dataclasses import dataclass, field, fields
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


SECRET_VARIABLE = "DLCERT_CLASS_SECRET"


def class_secret(secret_file: Path | None) -> str | None:
    """The class secret: the first line of `secret_file`, else $DLCERT_CLASS_SECRET, else None.

    Never a command-line value: any user of the machine can read another's argv (ps, /proc).
    """
    if secret_file is not None:
        lines = secret_file.read_text().splitlines()
        return lines[0].strip() or None if lines else None
    return os.environ.get(SECRET_VARIABLE) or None


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
    allow_unconfined: bool = False
    """Grade even where learner code cannot be confined (`--allow-unconfined`)."""


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
        """Its fields as a dict (shallow: `results` are plain dicts already, and `asdict` would deep-copy them)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class _Warm(threading.local):
    """One sandbox and one reference runner per worker thread (per process in the local pool)."""

    sandbox = None
    references = None


_WARM = _Warm()
_ALL_SANDBOXES: list = []  # every warm sandbox of this process, so `close_all_warm` can stop them


def _warm(device: str):
    from grader.references import ReferenceRunner

    sandbox = _warm_sandbox()
    if _WARM.references is None or _WARM.references.requested != device:
        _WARM.references = ReferenceRunner(device)
    return sandbox, _WARM.references


def _warm_sandbox():
    """This worker's sandbox, started (not waited for) on first use, so its supervisor boots meanwhile."""
    from grader.sandbox import Sandbox

    if _WARM.sandbox is None:
        _WARM.sandbox = Sandbox().start()
        _ALL_SANDBOXES.append(_WARM.sandbox)
        try:
            import multiprocessing.util

            multiprocessing.util.Finalize(_WARM.sandbox, _WARM.sandbox.close, exitpriority=10)
        except Exception:  # pragma: no cover - only a best-effort cleanup hook
            pass
    return _WARM.sandbox


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

    def run(self, jobs: list[GradeJob], before: Callable[[], None] = lambda: None) -> Iterator[tuple[GradeJob, dict]]:
        """Grade `jobs`, after `before()` (the references' prewarm; the local executor boots its workers meanwhile)."""
        before()
        for job in jobs:
            yield job, grade_submission(job)


def grade_submission(job: GradeJob) -> dict:
    """Grade one submission in a private temporary copy; never raises (a failure is an outcome)."""
    started = time.monotonic()
    worker = f"{os.uname().nodename}:{os.getpid()}"
    try:
        outcome = _grade(job)
    except IntakeError as exc:
        outcome = Outcome(job.submission_id, exc.status, exc.message)
    except Exception as exc:  # a grader bug must not stop the class: this submission says why
        outcome = Outcome(job.submission_id, "crashed", f"the grader failed on this submission: {exc!r}\n{traceback.format_exc(limit=5)}")
    outcome.seconds = round(time.monotonic() - started, 3)
    outcome.worker = worker
    return outcome.to_dict()


def read_submission(job: GradeJob, exercises) -> dict:
    """The submission's module files, by exercise folder: (path inside it, `LearnerFile`). The copy made to
    find them lives only while this runs, so no hand-in is left on disk, even if the worker is killed later."""
    from grader.pipeline import read_learner_file

    scratch = Path(tempfile.mkdtemp(prefix="dlcert-class-"))
    try:
        copy = scratch / "submission"
        extract(Submission(job.learner, Path(job.path), job.kind, tuple(map(tuple, job.members))), copy, job.limits)
        found = locate_modules(copy, exercises)
        return {folder: (str(path.relative_to(copy)), read_learner_file(path)) for folder, path in found.items()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _grade(job: GradeJob) -> Outcome:
    from grader.pipeline import LearnerFile, grade

    started = time.monotonic()
    course = load_course(Path(job.course_root) if job.course_root else None)
    tasks = course.select(job.tasks)
    exercises = [e for e in course.exercises if any(t.exercise.folder == e.folder for t in tasks)]
    found = read_submission(job, exercises)
    if not found:
        wanted = ", ".join(f"{e.folder}/{e.module}.py" for e in exercises)
        raise IntakeError("empty", f"no module file found (looked for {wanted})")
    sandbox, references = _warm(job.device)
    confinement = sandbox.confinement
    if not confinement.sufficient and not job.allow_unconfined:
        return Outcome(job.submission_id, "crashed", f"{refusal(confinement)} (on {os.uname().nodename})")
    by_task: dict[str, dict] = {}
    notes: list[str] = []
    by_task.update((t.id, _not_handed_in(t)) for t in tasks if t.exercise.folder not in found)
    handed_in = [e for e in exercises if e.folder in found]
    # All modules in one call (their sandbox job is shared); with a time budget, a module at a time, so it can stop between them.
    for batch in [handed_in] if job.budget is None else [[e] for e in handed_in]:
        group = [t for t in tasks if t.exercise.folder in {e.folder for e in batch}]
        if job.budget is not None and time.monotonic() - started > job.budget:
            by_task.update((t.id, _over_budget(t, job.budget)) for t in group)
            continue
        report = grade(group, lambda e: found[e.folder][1], seed=job.seed, device=job.device, sandbox=sandbox,
                       references=references)
        by_task.update((r.task, r.to_dict()) for r in report.results)
        notes += [n for n in report.notes if n not in notes]
    return Outcome(
        job.submission_id,
        "graded",
        message="; ".join(notes),
        results=[by_task[t.id] for t in tasks],
        modules={folder: rel for folder, (rel, _) in found.items()},
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


def refusal(confinement) -> str:
    """Why grading is refused where learner code cannot be confined, and what to do."""
    missing = "; ".join(f"{m.name}: {m.by}" for m in confinement.mechanisms if not m.in_force)
    return (f"learner code cannot be confined here ({missing}), so a hand-in could read other hand-ins or forge its "
            f"grade; run where Linux namespaces or Landlock work (see `dlcert info`), or pass --allow-unconfined")


def prewarm_references(course: Course, task_ids: list[str], seeds: set[int], device: str) -> None:
    """Compute (or confirm cached) every reference output once, before the workers start."""
    from grader.references import ReferenceRunner

    runner = ReferenceRunner(device)
    for task in course.select(task_ids):
        for seed in sorted(seeds):
            runner.for_seed(task, seed)


# --- executors ------------------------------------------------------------------------------------


class LocalExecutor:
    """Worker processes on this machine (spawned, so the parent's threads and state stay put).

    Each worker grades one submission at a time, so when one dies (killed, out of memory) the
    executor knows which hand-in it was grading: that one is tried once more on a fresh worker and
    then marked `crashed`; every other hand-in is graded as usual.
    """

    name = "local"
    TRIES = 2
    STOP_SECONDS = 5.0
    """How long an idle worker gets to close its sandbox and exit before it is terminated."""

    def __init__(self, jobs: int | None = None):
        self.jobs = max(1, jobs or os.cpu_count() or 1)

    def run(self, jobs: list[GradeJob], before: Callable[[], None] = lambda: None) -> Iterator[tuple[GradeJob, dict]]:
        import multiprocessing
        from collections import deque
        from multiprocessing.connection import wait as wait_for

        context = multiprocessing.get_context("spawn")
        pending, tries = deque(jobs), {id(job): 0 for job in jobs}
        workers: dict = {}  # connection -> [process, the job it grades or None]

        def hire():
            ours, theirs = context.Pipe()
            process = context.Process(target=_worker_loop, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            workers[ours] = [process, None]

        try:
            for _ in range(min(self.jobs, len(pending))):
                hire()
            before()  # while the workers boot
            while pending or any(job is not None for _, job in workers.values()):
                for conn, slot in workers.items():
                    if slot[1] is None and pending:
                        slot[1] = pending.popleft()
                        conn.send(slot[1])
                ready = wait_for([*workers, *(process.sentinel for process, _ in workers.values())])
                for conn in [c for c in workers if c in ready or workers[c][0].sentinel in ready]:
                    process, job = workers[conn]
                    try:
                        outcome = conn.recv() if conn in ready else None
                    except (EOFError, OSError):
                        outcome = None
                    if outcome is not None:
                        workers[conn][1] = None
                        yield job, outcome
                        continue
                    del workers[conn]  # the worker died: its hand-in alone pays
                    process.join()
                    if job is not None:
                        tries[id(job)] += 1
                        if tries[id(job)] < self.TRIES:
                            pending.appendleft(job)
                        else:
                            yield job, Outcome(job.submission_id, "crashed", "the grading worker died while grading this "
                                                                             f"hand-in, {self.TRIES} times").to_dict()
                    if pending and len(workers) < self.jobs:
                        hire()
        finally:  # done, Ctrl-C or the consumer stopped: finished results are already recorded
            for conn, (process, job) in workers.items():
                try:
                    if job is None:
                        conn.send(None)  # an idle worker closes its sandbox and exits
                    else:
                        process.terminate()
                except OSError:
                    process.terminate()
            for conn, (process, _) in workers.items():
                process.join(self.STOP_SECONDS)
                if process.is_alive():
                    process.terminate()
                    process.join()
                conn.close()


def _worker_loop(conn) -> None:
    """A local worker: grade each job sent, until told to stop or the parent is gone."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _warm_sandbox()  # its supervisor boots, and the grader loads, while the parent prewarms the references
    import grader.pipeline  # noqa: F401
    try:
        while True:
            job = conn.recv()
            if job is None:
                return
            conn.send(grade_submission(job))
    except (EOFError, OSError):
        return
    finally:
        close_warm()


class DaskExecutor:
    """The same `grade_submission`, on a Dask distributed cluster (paths must be visible to its workers)."""

    name = "dask"

    def __init__(self, scheduler: str | object):
        self.scheduler = scheduler
        self.jobs = None

    def run(self, jobs: list[GradeJob], before: Callable[[], None] = lambda: None) -> Iterator[tuple[GradeJob, dict]]:
        from distributed import Client, as_completed

        before()
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
