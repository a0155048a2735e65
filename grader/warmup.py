"""Fill a new workspace's reference cache in the background, so its first check is as fast as the rest.

`dlcert init` calls `start`, which runs `warm` in a new Python process, detached (its own session, no
terminal, nice 19) and returns at once. The warm-up computes the references of every task for the
workspace's seed, module by module, each under the task's lock (`references.computing`), the
same lock a check takes on a miss: neither computes what the other is computing, and a check uses
whatever is ready and computes the rest. Only course code runs here, never learner code; cache
entries are written atomically, so a kill at any point leaves nothing half-written. One warm-up
per cache runs at a time, and it stops after `MAX_SECONDS`.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

MAX_SECONDS = 300
_BOOT = "import sys, json; sys.path[:0] = json.loads(sys.argv[1]); from grader.warmup import main; sys.exit(main(sys.argv[2:]))"
NO_WARMUP = "DLCERT_NO_WARMUP"
"""Set (to anything) to start no warm-up: the test suite and the benchmarks, which measure without one."""


def start(root: Path) -> subprocess.Popen | None:
    """Start the warm-up of workspace `root` in the background; None when $DLCERT_NO_WARMUP is set."""
    if os.environ.get(NO_WARMUP):
        return None
    env = dict(os.environ)
    for name in ("DLCERT_CACHE_DIR", "DLCERT_DATA_DIR"):  # it runs from /, so relative folders are made absolute
        if env.get(name):
            env[name] = os.path.abspath(env[name])
    from grader.sandbox import import_path

    try:  # isolated, from /, with the supervisor's import path: nothing in the learner's folders shadows the grader
        return subprocess.Popen([sys.executable, "-I", "-c", _BOOT, json.dumps(import_path()), str(root.resolve())], cwd="/", env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    except OSError:  # no warm-up: the first check computes what it needs, as without one
        return None


def lock_name() -> str:
    """The lock a warm-up holds: one per reference cache."""
    from grader.references import cache_dir

    return "warmup-" + hashlib.sha256(str(cache_dir().absolute()).encode()).hexdigest()[:16]


def warm(root: Path, deadline: float, course=None) -> int:
    """Compute every task's references (of `course`, default the installed one) for the workspace at
    `root`; how many tasks were done (0 when another warm-up of the same cache is running)."""
    from grader.course import load_course
    from grader.references import ReferenceRunner, computing
    from grader.workspace import open_workspace

    seed = open_workspace(root).seed
    done = 0
    with computing(lock_name(), wait=False) as alone:
        if not alone:
            return done
        runner = ReferenceRunner()
        runner.device  # import torch before taking any task's lock, so a check never waits for that
        for task in (course or load_course()).tasks:
            if time.monotonic() > deadline:
                break
            runner.for_seed(task, seed)
            done += 1
    return done


def main(argv: list[str]) -> int:
    os.nice(19)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CPU, (MAX_SECONDS, MAX_SECONDS))
    except (ImportError, OSError, ValueError):
        pass
    try:
        warm(Path(argv[0]), time.monotonic() + MAX_SECONDS)
    except Exception:  # nothing to report to: the first check computes whatever is missing
        return 1
    return 0
