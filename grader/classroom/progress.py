"""The rich progress bar of `class grade`: done, failed, rate, ETA (on stderr)."""
from __future__ import annotations

import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class ClassProgress:
    """A context manager whose `update` is `grade_class`'s progress callback."""

    def __init__(self, console):
        self.progress = Progress(
            TextColumn("[bold]grading[/]"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("failed {task.fields[failed]}"),
            TextColumn("{task.fields[rate]}/min"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None
        self.failed = 0
        self.done = 0
        self.started = time.monotonic()

    def __enter__(self) -> "ClassProgress":
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def update(self, event: str, data: dict) -> None:
        if event == "start":
            self.started = time.monotonic()
            self.task = self.progress.add_task("grading", total=data["total"], failed=0, rate="-")
            return
        self.done += 1
        self.failed += data.get("status") != "graded"
        minutes = max(time.monotonic() - self.started, 1e-6) / 60
        self.progress.update(self.task, advance=1, failed=self.failed, rate=f"{self.done / minutes:.0f}")
