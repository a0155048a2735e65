"""Run inside its own process by `benchmarks/run.py`: a real `WatchSession` on a real file watcher.

Usage: python benchmarks/watch_driver.py WORKSPACE SAVES

The main thread runs `WatchSession.run(file_changes(...))` exactly as `dlcert watch` does; a second
thread saves the learner's file (a known mistake in `activations.softmax`, so the verdict is a
diagnosis) and measures from just before the write to the end of `show()`, the verdict on screen.
Prints one JSON object: the latencies, and whether torch was loaded in the grader or the sandbox.
"""
from __future__ import annotations

import io
import json
import queue
import sys
import threading
import time
from pathlib import Path

from rich.console import Console

from grader.course import load_course
from grader.pipeline import check
from grader.watch import WatchSession, file_changes
from grader.workspace import open_workspace

WARMUP = 2
PAUSE = 0.25


def main() -> None:
    root, saves = Path(sys.argv[1]), int(sys.argv[2])
    ws = open_workspace(root)
    course = load_course()
    exercise = course.exercise("activations")
    target = ws.module_file(exercise.folder, exercise.module)
    text = target.read_text()
    check(["neurons"], workspace=root)  # the learner is on activations: neurons passed
    session = WatchSession(ws, course, Console(file=io.StringIO(), width=100))
    shown: queue.Queue[float] = queue.Queue()
    show = session.show

    def timed_show() -> None:
        show()
        shown.put(time.perf_counter())

    session.show = timed_show
    latencies: list[float] = []
    detected: list[float] = []  # when each change set reached the session
    started_at: list[float] = []
    extra_shows = 0
    supervisor_torch: list[bool] = []

    def saver() -> None:
        nonlocal extra_shows
        shown.get(timeout=120)  # the first check and show, before any save
        for i in range(WARMUP + saves):
            time.sleep(PAUSE)
            while not shown.empty():
                shown.get()
                extra_shows += 1
            started = time.perf_counter()
            started_at.append(started)
            target.write_text(text + f"\n# save {i}\n")
            latency = shown.get(timeout=120) - started
            if i >= WARMUP:
                latencies.append(latency)
            if i == WARMUP:  # the sandbox is still open here: did its supervisor load torch?
                proc = session.sandbox._supervisor.proc
                supervisor_torch.append("libtorch" in Path(f"/proc/{proc.pid}/maps").read_text())

    def changes():
        for changed in file_changes(root / "exercises", poll=False):
            detected.append(time.perf_counter())
            yield changed

    thread = threading.Thread(target=saver, daemon=True)
    thread.start()
    session.run(changes(), max_runs=WARMUP + saves)
    thread.join(timeout=60)
    verdict = session.last.get("activations.softmax")
    print(json.dumps({
        "latencies": latencies,
        "detect": [d - s for d, s in zip(detected[WARMUP:], started_at[WARMUP:])],
        "extra_shows": extra_shows,
        "verdict": verdict.status if verdict else None,
        "torch_in_grader": "torch" in sys.modules,
        "torch_in_sandbox": supervisor_torch[0] if supervisor_torch else None,
    }))


if __name__ == "__main__":
    main()
