"""Where a learner stands: each task's state, the current task, and per-module summaries.

Reads only the course metadata and the progress database (no torch, no sandbox), so `list`,
`hint` and `progress` start fast.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.course import Course, Task
from grader.store import task_history
from grader.workspace import Workspace

SESSION_GAP_SECONDS = 600
"""Attempts further apart than this are separate sittings when estimating time spent."""


@dataclass(frozen=True)
class TaskState:
    task: Task
    status: str | None
    """The latest attempt's status, or None when never checked."""
    passed_ever: bool
    attempts: int
    hints: int
    skipped: bool
    times: tuple[float, ...]
    """When it was checked (one entry per attempt)."""

    @property
    def seconds(self) -> float:
        return time_spent(list(self.times))

    @property
    def done(self) -> bool:
        return self.status == "passed"

    @property
    def label(self) -> str:
        if self.skipped and not self.done:
            return "skipped"
        return self.status or "pending"


def time_spent(times: list[float]) -> float:
    """Seconds between consecutive attempts, counting only gaps shorter than a sitting break."""
    return sum(b - a for a, b in zip(times, times[1:]) if b - a < SESSION_GAP_SECONDS)


def states(course: Course, ws: Workspace) -> list[TaskState]:
    history = task_history(ws.db_path)
    out = []
    for task in course.tasks:
        h = history.get(task.id, {})
        out.append(
            TaskState(
                task=task,
                status=h.get("status"),
                passed_ever=h.get("passed_ever", False),
                attempts=h.get("attempts", 0),
                hints=h.get("hints", 0),
                skipped=h.get("skipped", False),
                times=tuple(h.get("times", [])),
            )
        )
    return out


def passed_tasks(all_states: list[TaskState]) -> set[str]:
    """The ids of the tasks whose latest check passed: what readiness counts as done."""
    return {s.task.id for s in all_states if s.done}


def workspace_passed_tasks(start=None) -> set[str]:
    """`passed_tasks` of the workspace at or above `start` (default: the current folder); empty outside one."""
    from grader.course import load_course
    from grader.workspace import find_workspace, open_workspace

    root = find_workspace(start)
    return passed_tasks(states(load_course(), open_workspace(root))) if root else set()


def next_hint_level(state: TaskState) -> int:
    """The hint a plain `hint` shows: one deeper than the deepest seen, the last one again at the end."""
    return min(min(state.hints, len(state.task.spec.hints)) + 1, len(state.task.spec.hints))


def current_task(all_states: list[TaskState]) -> TaskState | None:
    """The first task that has not passed and is not skipped (rustlings' "current exercise")."""
    return next((s for s in all_states if not s.done and not s.skipped), None)


@dataclass(frozen=True)
class ModuleSummary:
    folder: str
    title: str
    tasks: int
    passed: int
    points: float
    max_points: float
    attempts: int
    hints: int
    seconds: float
    next_task: str | None

    @property
    def percent(self) -> float:
        return 100.0 * self.points / self.max_points if self.max_points else 0.0


def summaries(course: Course, all_states: list[TaskState]) -> list[ModuleSummary]:
    out = []
    for exercise in course.exercises:
        mine = [s for s in all_states if s.task.exercise.folder == exercise.folder]
        pending = current_task(mine)
        out.append(
            ModuleSummary(
                folder=exercise.folder,
                title=exercise.spec.title,
                tasks=len(mine),
                passed=sum(s.done for s in mine),
                points=sum(s.task.spec.points for s in mine if s.done),
                max_points=sum(s.task.spec.points for s in mine),
                attempts=sum(s.attempts for s in mine),
                hints=sum(s.hints for s in mine),
                seconds=time_spent(sorted({t for s in mine for t in s.times})),
                next_task=pending.task.id if pending else None,
            )
        )
    return out
