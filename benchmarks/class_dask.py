"""`dlcert class grade` on one local worker against a real Dask scheduler with two workers.

    python benchmarks/class_dask.py [--learners 16] [--workers 2]

Writes a class of generated hand-ins (correct ones and known mistakes, 14 tasks each), warms the
reference cache once, then grades it into fresh gradebooks: `--jobs 1` (the baseline), `--jobs N`,
and `--scheduler` against `dask scheduler` and N `dask worker` processes (one thread each) started
on this machine; all must give the same verdicts. Prints the times and the speed-ups (with the load
average: on a shared machine other work takes the cores the workers would use).
Everything it starts is stopped at the end; all files live in a temporary folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.classroom import classgen  # noqa: E402  (the test suite's generated hand-ins)

BIN = Path(sys.executable).parent
DLCERT = [str(BIN / "dlcert")] if (BIN / "dlcert").exists() else [sys.executable, "-m", "grader"]
DASK = [str(BIN / "dask")] if (BIN / "dask").exists() else [sys.executable, "-m", "dask"]  # `dask scheduler`, `dask worker`


def make_class(folder: Path, learners: int) -> None:
    from grader.trusted import mutant_source

    course = classgen.course()
    neurons = course.exercise("neurons")
    mistakes = [m.name for m in next(t for t in neurons.tasks if t.name == "perceptron").spec.mistakes]
    for i in range(learners):
        code = classgen.solution("neurons") if i % 2 == 0 else mutant_source(neurons, "perceptron", mistakes[i % len(mistakes)])
        code += f"\n# learner {i}\n"  # distinct content: no result is shared between hand-ins
        classgen.write_folder(folder / f"learner{i:02d}", {classgen.rel("neurons"): code,
                                                         classgen.rel("activations"): classgen.solution("activations") + f"\n# {i}\n"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def grade(folder: Path, book: Path, extra: list[str]) -> float:
    started = time.monotonic()
    done = subprocess.run([*DLCERT, "class", "grade", str(folder), "-t", "neurons", "-t", "activations", "-g", str(book), *extra],
                          capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"class grade failed:\n{done.stderr[-3000:]}")
    return time.monotonic() - started


def verdicts(book: Path) -> dict:
    with sqlite3.connect(book) as conn:
        rows = conn.execute("SELECT s.learner_id, r.task, r.status FROM results r JOIN submissions s ON s.id = r.submission_id")
        return {(learner, task): status for learner, task, status in rows}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if subprocess.run([*DASK, "scheduler", "--help"], capture_output=True).returncode != 0:
        sys.exit("needs Dask's `dask` command (pip install 'dlcert[class]')")
    tmp = Path(tempfile.mkdtemp(prefix="dlcert-dask-bench-"))
    env = {**os.environ, "DLCERT_CACHE_DIR": str(tmp / "cache")}
    os.environ.update(env)
    started: list[subprocess.Popen] = []
    try:
        make_class(tmp / "class", args.learners)
        grade(tmp / "class", tmp / "warm.sqlite", ["-j", "1"])  # fills the reference cache both runs share
        local = grade(tmp / "class", tmp / "local.sqlite", ["-j", "1"])
        local_n = grade(tmp / "class", tmp / "local-n.sqlite", ["-j", str(args.workers)])
        address = f"tcp://127.0.0.1:{free_port()}"
        started.append(subprocess.Popen([*DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                         "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))
        started.append(subprocess.Popen([*DASK, "worker", address, "--nworkers", str(args.workers), "--nthreads", "1",
                                         "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))
        time.sleep(5)  # the workers register with the scheduler
        dask = grade(tmp / "class", tmp / "dask.sqlite", ["--scheduler", address])
        same = verdicts(tmp / "local.sqlite") == verdicts(tmp / "local-n.sqlite") == verdicts(tmp / "dask.sqlite")
        result = {"learners": args.learners, "tasks_each": 14, "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
                  "local_1_worker_s": round(local, 1), f"local_{args.workers}_workers_s": round(local_n, 1),
                  f"dask_{args.workers}_workers_s": round(dask, 1), "dask_speedup_over_1_worker": round(local / dask, 2),
                  "local_speedup_over_1_worker": round(local / local_n, 2), "same_verdicts": same}
        print(json.dumps(result, indent=2))
        return 0 if same else 1
    finally:
        for proc in reversed(started):
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
