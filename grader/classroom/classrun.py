"""Grade a class: find the submissions, skip what the gradebook already has, grade the rest, record."""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from grader import __version__
from grader.classroom.gradebook import Gradebook
from grader.classroom.grading import (
    FINAL_INTAKE_STATUSES,
    GradeJob,
    LocalExecutor,
    derive_seed,
    prewarm_references,
    task_hash,
)
from grader.classroom.intake import Limits, Submission, content_hash, discover
from grader.classroom.roster import Roster
from grader.course import load_course
from grader.results import TaskResult

COMMIT_EVERY_SECONDS = 0.5
"""Graded hand-ins are committed together at most this often: one transaction (and fsync) per batch, not per hand-in."""


@dataclass
class ClassRun:
    """What one `class grade` did."""

    run_id: int
    submissions: int
    graded: int
    """Submissions sent to a worker this run."""
    skipped: int
    """Submissions the gradebook already had every result of."""
    failed: int
    """Submissions that could not be graded (rejected, corrupt, empty, crashed)."""
    seconds: float
    tasks: list[str]
    outcomes: list[dict] = field(default_factory=list)
    not_graded: list[tuple[str, str, str]] = field(default_factory=list)
    """(learner, hand-in file name, why) for each hand-in that could not be graded this run."""


class ClassRunError(Exception):
    """The run would give results that do not belong with the gradebook's (said before anything is graded)."""


Progress = Callable[[str, dict], None]
"""Called with ("start", {"total": n}) once, then ("done", outcome) per graded submission."""


def grade_class(
    paths: Iterable[Path],
    *,
    gradebook: Gradebook,
    targets: Iterable[str] = (),
    roster: Roster | None = None,
    secret: str | None = None,
    seed: int = 0,
    regrade: bool = False,
    executor=None,
    device: str = "auto",
    course_root: Path | None = None,
    limits: Limits = Limits(),
    progress: Progress | None = None,
    layout: str = "auto",
    allow_unconfined: bool = False,
) -> ClassRun:
    started = time.monotonic()
    if not secret and gradebook.keyed():
        raise ClassRunError(
            f"{gradebook.path} was graded with a secret (per-learner seeds); grading it without one would regrade everyone "
            f"with seed {seed} and change their reports. Give the same secret again (DLCERT_CLASS_SECRET), or use another --gradebook.")
    course = load_course(course_root)
    tasks = course.select(list(targets))
    task_ids = [t.id for t in tasks]
    hashes = {t.id: task_hash(t) for t in tasks}
    executor = executor or LocalExecutor()
    run_id = gradebook.start_run(executor.name, getattr(executor, "jobs", None), task_ids, __version__, keyed=bool(secret))
    if roster:
        for learner in roster.learners:
            gradebook.add_learner(learner.id, learner.name, learner.email, on_roster=True)

    jobs: dict[int, GradeJob] = {}
    submissions = discover(paths, [e.module for e in course.exercises], layout)
    skipped = 0
    names: dict[int, str] = {}
    for sub in submissions:
        matched = roster.match(sub.learner, sub.name, sub.aliases) if roster else None
        learner = matched.id if matched else sub.learner
        if sub.name and not matched:
            gradebook.add_learner(learner, sub.name)
        learner_seed = derive_seed(secret, learner, seed)
        row = gradebook.submission(learner, content_hash(sub), learner_seed, source=str(sub.path), kind=sub.kind,
                                   received_at=_received(sub), layout=sub.layout, note=sub.note)
        todo = _todo(gradebook, row, hashes, regrade)
        if not todo or row.id in jobs:
            skipped += row.id not in jobs
            continue
        names[row.id] = sub.path.name
        jobs[row.id] = GradeJob(row.id, learner, str(sub.path), sub.kind, todo, learner_seed, device,
                                str(course_root) if course_root else None, limits, sub.members,
                                allow_unconfined=allow_unconfined)

    seeds = {j.seed for j in jobs.values()}

    def prewarm() -> None:  # run by the executor while its workers boot
        if jobs and len(seeds) <= 2:
            prewarm_references(course, sorted({t for j in jobs.values() for t in j.tasks}), seeds, device)
        if progress:
            progress("start", {"total": len(jobs), "skipped": skipped})

    outcomes, failed, not_graded = [], 0, []
    pending: list[tuple[int, list[TaskResult]]] = []
    flushed = time.monotonic()
    try:
        for job, outcome in executor.run(list(jobs.values()), before=prewarm):
            if outcome["status"] == "graded":
                pending.append((job.submission_id, [TaskResult.from_dict(r) for r in outcome["results"]]))
            else:
                failed += 1
                not_graded.append((job.learner, names[job.submission_id], f"{outcome['status']}: {outcome['message'].splitlines()[0]}"
                                   if outcome["message"] else outcome["status"]))
                gradebook.finish_submission(job.submission_id, outcome["status"], outcome["message"])
            if pending and time.monotonic() - flushed >= COMMIT_EVERY_SECONDS:
                gradebook.record_many(pending, hashes, __version__, run_id)
                pending, flushed = [], time.monotonic()
            outcomes.append(outcome)
            if progress:
                progress("done", outcome)
    finally:  # Ctrl-C or an error keeps what was graded; only a SIGKILL loses the last window, which a rerun redoes
        if pending:
            gradebook.record_many(pending, hashes, __version__, run_id)
    gradebook.finish_run(run_id, len(submissions), len(jobs), skipped)
    return ClassRun(run_id, len(submissions), len(jobs), skipped, failed, round(time.monotonic() - started, 3), task_ids, outcomes,
                    sorted(not_graded))


def _todo(gradebook: Gradebook, row, hashes: dict[str, str], regrade: bool) -> list[str]:
    """The task ids this submission still needs; results of identical hand-ins are copied, not regraded."""
    if regrade:
        return list(hashes)
    if row.status in FINAL_INTAKE_STATUSES:
        return []
    done = gradebook.done_tasks(row.id, hashes, __version__)
    missing = [t for t in hashes if t not in done]
    if missing:
        cached = gradebook.cached_results(row.content_hash, row.seed, hashes, __version__)
        reuse = [cached[t] for t in missing if t in cached]
        if reuse:
            gradebook.record_results(row.id, reuse, hashes, __version__)
            missing = [t for t in missing if t not in cached]
    return missing


def _received(sub: Submission) -> str:
    """When it was handed in, as far as the files tell: their modification time (the newest member's)."""
    paths = [sub.path / source for source, _ in sub.members] or [sub.path]
    try:
        stamp = max(p.lstat().st_mtime for p in paths)
    except OSError:
        stamp = time.time()
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc).isoformat(timespec="microseconds")
