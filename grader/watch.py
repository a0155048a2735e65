"""`dlcert watch`: re-check a module whenever its file is saved and show where the learner stands.

One warm sandbox and one reference runner live for the whole session, so a re-check after a save
costs a fork and a cache read, not a Python start and a torch import.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rich.console import Console

from grader import render
from grader.course import Course, Exercise
from grader.pipeline import grade, record_report
from grader.progress import current_task, states
from grader.references import ReferenceRunner
from grader.results import TaskResult
from grader.sandbox import Sandbox
from grader.workspace import Workspace

POLL_DELAY_MS = 300
STEP_MS = 20
"""A save is reported once no further change came for this long (watchfiles' default, 50 ms, was a third
of the save-to-verdict time); an editor's write-and-rename lands well within it."""


def file_changes(folder: Path, poll: bool) -> Iterable[set[Path]]:
    """Sets of changed `.py` files under `folder`; `poll` uses stat polling (WSL2, network drives)."""
    from watchfiles import watch

    for changes in watch(folder, force_polling=poll, poll_delay_ms=POLL_DELAY_MS, step=STEP_MS, rust_timeout=0,
                         yield_on_timeout=False):
        changed = {Path(p) for _, p in changes if p.endswith(".py")}
        if changed:
            yield changed


class WatchSession:
    """Check what changed, then show the current task: its diagnosis, or where to go next."""

    def __init__(self, ws: Workspace, course: Course, console: Console, seed: int | None = None, device: str = "auto"):
        self.ws, self.course, self.console = ws, course, console
        self.seed = ws.seed if seed is None else seed
        self.sandbox = Sandbox()
        self.references = ReferenceRunner(device)
        self.last: dict[str, TaskResult] = {}

    def exercise_of(self, path: Path) -> Exercise | None:
        for exercise in self.course.exercises:
            if self.ws.module_file(exercise.folder, exercise.module).resolve() == path.resolve():
                return exercise
        return None

    def check(self, exercise: Exercise) -> None:
        tasks = exercise.tasks
        report = grade(tasks, lambda e: self.ws.module_file(e.folder, e.module), seed=self.seed,
                       sandbox=self.sandbox, references=self.references)
        record_report(self.ws, report, tasks)
        self.last.update({r.task: r for r in report.results})

    def show(self) -> None:
        if self.console.is_terminal:
            self.console.clear()
        all_states = states(self.course, self.ws)
        done = sum(s.done for s in all_states)
        self.console.print(f"[bold]dlcert watch[/]  {done}/{len(all_states)} tasks passed   [dim]Ctrl-C to quit[/]")
        current = current_task(all_states)
        if current is None:
            self.console.print("[bold green]Every task passed. Well done![/] Try `dlcert quiz practice`.")
            return
        task = current.task
        path = self.ws.module_file(task.exercise.folder, task.exercise.module)
        result = self.last.get(task.id)
        if result is None or result.status == "not_implemented":
            self.console.print(f"Next: [bold]{task.id}[/] in {path.relative_to(self.ws.root)} "
                               f"(save the file to check it; `dlcert hint {task.id}` if stuck)")
            return
        self.console.print(render.diagnosis_panel(result))

    def run(self, changes: Iterable[set[Path]], max_runs: int | None = None) -> None:
        """Check the current task's module once, then again on every change, until Ctrl-C."""
        try:
            current = current_task(states(self.course, self.ws))
            if current is not None:
                self.check(current.task.exercise)
            self.show()
            runs = 0
            for changed in changes:
                exercises = {e.folder: e for e in filter(None, map(self.exercise_of, changed))}
                for exercise in exercises.values():
                    self.check(exercise)
                if exercises:
                    self.show()
                    runs += 1
                    if max_runs is not None and runs >= max_runs:
                        return
        except KeyboardInterrupt:
            self.console.print("\n[dim]Stopped watching. Your progress is saved.[/]")
        finally:
            self.sandbox.close()
