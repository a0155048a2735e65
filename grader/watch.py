"""`dlcert watch`: re-check a module whenever its file is saved, and let the learner drive with keys.

One warm sandbox and one reference runner live for the whole session, so a re-check after a save
costs a fork and a cache read, not a Python start and a torch import. Saves, keys and verdicts
arrive on one queue, read by the main thread; grading runs in a worker thread so that a new save
can cancel a run still going (the sandbox kills the job) and start again at once.
"""
from __future__ import annotations

import dataclasses
import os
import queue
import select
import sys
import threading
from pathlib import Path
from typing import Iterable

from rich.console import Console
from rich.panel import Panel

from grader import render
from grader.course import Course, Exercise, Task
from grader.pipeline import LearnerFile, grade, read_learner_file, record_report
from grader.progress import TaskState, next_hint_level, states
from grader.references import ReferenceRunner
from grader.results import Report, TaskResult
from grader.sandbox import Cancelled, Sandbox
from grader.store import record_hint
from grader.workspace import Workspace

POLL_DELAY_MS = 300
STEP_MS = 20
"""A save is reported once no further change came for this long (watchfiles' default, 50 ms, was a third
of the save-to-verdict time); an editor's write-and-rename lands well within it."""
KEYS = "h hint · l list · n next task · c check all · r re-run · q quit"
MAX_PASS_LINES = 6
"""More tasks passed by one check than this are one line ("✓ 12 tasks passed")."""
CANCEL_EVERY = 0.1
"""While a cancelled run winds down, the cancel is repeated this often (a cancel that lands between
two sandbox runs is forgotten by the next one)."""


def file_changes(folder: Path, poll: bool, stop: threading.Event | None = None) -> Iterable[set[Path]]:
    """Sets of changed `.py` files under `folder` until `stop` is set; `poll` uses stat polling (WSL2, network drives)."""
    from watchfiles import watch

    for changes in watch(folder, force_polling=poll, poll_delay_ms=POLL_DELAY_MS, step=STEP_MS, rust_timeout=0,
                         yield_on_timeout=False, stop_event=stop, raise_interrupt=False):
        changed = {Path(p) for _, p in changes if p.endswith(".py")}
        if changed:
            yield changed


class KeyReader:
    """Single keys from a terminal in cbreak mode (Ctrl-C still interrupts), put on `events` as ("key", char)."""

    def __init__(self, stream, events: queue.Queue) -> None:
        import termios
        import tty

        self.fd, self.events = stream.fileno(), events
        self.saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                data = os.read(self.fd, 32)
                if not data:
                    return
                for char in data.decode("utf-8", "replace"):
                    self.events.put(("key", char.lower()))

    def close(self) -> None:
        import termios

        self.stop.set()
        self.thread.join()
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)


class WatchSession:
    """Lead the learner through `focus` (default: every task): check what changed, show the current task.

    The current task changes only when it passes or the learner presses `n`: a broken or deleted
    file keeps it and says what is wrong with the file.
    """

    def __init__(self, ws: Workspace, course: Course, console: Console, seed: int | None = None,
                 device: str = "auto", focus: list[Task] | None = None, focus_name: str | None = None):
        self.ws, self.course, self.console = ws, course, console
        self.seed = ws.seed if seed is None else seed
        self.focus = focus or course.tasks
        self.focus_name = focus_name
        self.sandbox = Sandbox()
        self.references = ReferenceRunner(device)
        self.events: queue.Queue = queue.Queue()
        self.last: dict[str, TaskResult] = {}
        self.problems: dict[str, str] = {}
        """Per module folder: what is wrong with its file (it does not exist, does not import)."""
        self.lines: list[str] = []
        """What happened since the last check started (✓ lines, other modules re-graded)."""
        self.extra = None
        """A hint or the task list, shown under the current task until the next check."""
        self.notes_shown: set[str] = set()
        self.worker: threading.Thread | None = None
        self.cancelled = threading.Event()
        self.keys = False
        self.current = self._pending_after(None)

    # --- where the learner is ---

    def _states(self) -> dict[str, TaskState]:
        return {s.task.id: s for s in states(self.course, self.ws)}

    def _pending_after(self, task: Task | None) -> Task | None:
        """The first focus task after `task` (wrapping round, `task` itself last) not passed nor skipped."""
        now = self._states()
        ids = [t.id for t in self.focus]
        start = ids.index(task.id) + 1 if task is not None and task.id in ids else 0
        rotated = self.focus[start:] + self.focus[:start]
        return next((t for t in rotated if not now[t.id].done and not now[t.id].skipped), None)

    def path_of(self, exercise: Exercise) -> Path:
        return self.ws.module_file(exercise.folder, exercise.module)

    def exercise_of(self, path: Path) -> Exercise | None:
        for exercise in self.course.exercises:
            if self.path_of(exercise).resolve() == path.resolve():
                return exercise
        return None

    def _shown(self, exercise: Exercise) -> str:
        return str(self.path_of(exercise).relative_to(self.ws.root))

    # --- grading, in the worker thread ---

    def start(self, exercises: list[Exercise], why: str = "checking") -> None:
        """Cancel a run still going, say at once what is checked, and check `exercises` in the worker."""
        if self.stop_worker():
            self.console.print("[yellow]a new save: stopped the check still running[/]")
        self.lines, self.extra = [], None
        named = ", ".join(self._shown(e) for e in exercises) if len(exercises) <= 2 else f"{len(exercises)} modules"
        self.console.print(f"[dim]{why} {named}…[/]")
        self.cancelled.clear()
        self.worker = threading.Thread(target=self._grade, args=(exercises,), daemon=True)
        self.worker.start()

    def stop_worker(self) -> bool:
        """Cancel the run in progress, if any, and wait for its thread; whether there was one."""
        worker, self.worker = self.worker, None
        if worker is None or not worker.is_alive():
            return False
        self.cancelled.set()
        while worker.is_alive():
            self.sandbox.cancel()
            worker.join(CANCEL_EVERY)
        return True

    def check(self, *exercises: Exercise) -> None:
        """Check `exercises` now, in this thread, and take in what was found."""
        found = self.grade_now(list(exercises))
        if found is not None:
            self.take(list(exercises), *found)

    def grade_now(self, exercises: list[Exercise]) -> tuple[dict[str, LearnerFile], Report] | None:
        """Grade and record `exercises`; None when the run was cancelled."""
        files = {e.folder: read_learner_file(self.path_of(e)) for e in exercises}
        tasks = [t for e in exercises for t in e.tasks]
        try:
            report = grade(tasks, lambda e: files[e.folder], seed=self.seed, sandbox=self.sandbox,
                           references=self.references)
        except Cancelled:
            return None
        if self.cancelled.is_set():
            return None
        hashes = {t.id: files[t.exercise.folder].hash for t in tasks if files[t.exercise.folder].text is not None}
        graded = dataclasses.replace(report, results=[r for r in report.results if r.task in hashes])
        record_report(self.ws, graded, [], hashes)  # a deleted file is no attempt
        return files, report

    def _grade(self, exercises: list[Exercise]) -> None:
        try:
            found = self.grade_now(exercises)
            if found is not None:
                self.events.put(("graded", (exercises, *found)))
        except BaseException as exc:  # shown by the main thread, through the command's error boundary
            self.events.put(("crashed", exc))

    # --- the main loop ---

    def run(self, changes: Iterable[set[Path]], max_runs: int | None = None, keys: bool = False) -> None:
        """Check the current task's module, then again on every save, and answer keys, until `q` or Ctrl-C."""
        threading.Thread(target=self._feed, args=(changes,), daemon=True).start()
        reader = KeyReader(sys.stdin, self.events) if keys else None
        self.keys = keys
        ended, runs = False, 0
        try:
            if self.current is not None:
                self.start([self.current.exercise])
            else:
                self.show()
            while not (ended and self.worker is None):
                kind, value = self.events.get()
                if kind == "end":
                    ended = True
                    if self.worker is not None and not self.worker.is_alive():
                        self.worker = None
                elif kind == "saved":
                    exercises = {e.folder: e for e in filter(None, map(self.exercise_of, value))}
                    if exercises:
                        self.start(list(exercises.values()))
                        runs += 1
                elif kind == "crashed":
                    raise value
                elif kind == "graded":
                    self.worker = None
                    self.take(*value)
                    self.show()
                    if max_runs is not None and runs >= max_runs:
                        return
                elif kind == "key" and self.on_key(value):
                    return
        finally:
            self.stop_worker()
            if reader is not None:
                reader.close()
            self.sandbox.close()

    def _feed(self, changes: Iterable[set[Path]]) -> None:
        for changed in changes:
            self.events.put(("saved", changed))
        self.events.put(("end", None))

    def take(self, exercises: list[Exercise], files: dict[str, LearnerFile], report: Report) -> None:
        """Note what a finished check found, and move the current task on if it passed."""
        before = dict(self.last)
        self.last.update({r.task: r for r in report.results})
        current = self.current.exercise.folder if self.current else None
        passes: list[str] = []
        for exercise in exercises:
            results = [r for r in report.results if r.task.startswith(exercise.module + ".")]
            problem = files[exercise.folder].problem or _import_problem(results)
            if problem:
                self.problems[exercise.folder] = problem
            else:
                self.problems.pop(exercise.folder, None)
            passes += [r.task for r in results if r.passed and not (r.task in before and before[r.task].passed)]
            if exercise.folder != current:
                passed = sum(r.passed for r in results)
                self.lines.append(f"re-graded {self._shown(exercise)}: {passed}/{len(results)} tasks pass"
                                  + (" (the file has a problem)" if problem else ""))
        shown = passes if len(passes) <= MAX_PASS_LINES else [f"{len(passes)} tasks"]
        self.lines[:0] = [f"[green]✓ {p} passed[/]" for p in shown]
        self.lines += [f"[dim]note: {n}[/]" for n in report.notes if n not in self.notes_shown]
        self.notes_shown.update(report.notes)
        if self.current is not None and self.current.id in self.last and self.last[self.current.id].passed:
            self.current = self._pending_after(self.current)

    # --- keys ---

    def on_key(self, key: str) -> bool:
        """Act on one key; True to quit."""
        if key == "q":
            return True
        if key in "rn" and self.current is None:
            self.extra = "[green]Nothing is pending here.[/]"
        elif key == "r":
            self.start([self.current.exercise], "re-running")
            return False
        elif key == "n":
            self.current, self.extra = self._pending_after(self.current), None
            if self.current is not None and self.current.id not in self.last:
                self.start([self.current.exercise])
                return False
        elif key == "c":
            self.start(sorted({t.exercise.folder: t.exercise for t in self.focus}.values(), key=lambda e: e.folder),
                       "checking every module:")
            return False
        elif key == "h":
            self.extra = self.hint()
        elif key == "l":
            self.extra = render.task_list_table(states(self.course, self.ws), self.current.id if self.current else None)
        else:
            return False
        self.show()
        return False

    def hint(self) -> str:
        if self.current is None:
            return "Every task here has passed: no hint needed."
        state = self._states()[self.current.id]
        hints = self.current.spec.hints
        level = next_hint_level(state)
        if level > state.hints:
            record_hint(self.ws.db_path, self.current.id, level)
        last = " [dim](the last one)[/]" if level == len(hints) else ""
        return f"[bold]Hint {level}/{len(hints)}[/] for {self.current.id}{last}:\n{hints[level - 1]}"

    # --- the screen ---

    def show(self) -> None:
        if self.console.is_terminal:
            self.console.clear()
        now = self._states()
        done = sum(now[t.id].done for t in self.focus)
        where = f" of {self.focus_name}" if self.focus_name else ""
        self.console.print(f"[bold]dlcert watch[/]  {done}/{len(self.focus)} tasks{where} passed")
        for line in self.lines:
            self.console.print(line)
        self.console.print(self._current_view())
        if self.extra is not None:
            self.console.print(self.extra)
        self.console.print(f"[dim]{KEYS if self.keys else 'Ctrl-C to quit'}[/]")

    def _current_view(self):
        task = self.current
        if task is None:
            return f"[bold green]Every task{' of ' + self.focus_name if self.focus_name else ''} passed. Well done![/] Try `dlcert quiz practice`."
        path = self._shown(task.exercise)
        problem = self.problems.get(task.exercise.folder)
        if problem:
            return Panel(f"{problem}\n[dim]Your current task stays {task.id}; fix the file and save it.[/]",
                         title=f"{path}: cannot be graded", border_style="magenta", title_align="left")
        result = self.last.get(task.id)
        if result is None or result.status == "not_implemented":
            return (f"Next: [bold]{task.id}[/] in {path} "
                    f"(save the file to check it; `dlcert hint {task.id}` or `h` if stuck)")
        picture = render.pictures(self.console)
        return render.diagnosis_panel(result, picture, self.console.width, self.console.color_system is not None)


def _import_problem(results: list[TaskResult]) -> str | None:
    """The one message of a module that could not run at all (e.g. a syntax error, with its line), else None."""
    messages = {r.checks[0].message for r in results if r.status == "error" and len(r.checks) == 1 and r.checks[0].name == "run"}
    if len(messages) == 1 and len(results) == sum(r.status == "error" for r in results):
        return messages.pop()
    return None
