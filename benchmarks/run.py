"""The speed targets of issues 10 and 18, each measured beside its naive baseline in the same run.

    python benchmarks/run.py                 every scenario (about 25 minutes on 2 cores)
    python benchmarks/run.py --quick         fewer repeats, and the class at scale up to 100 hand-ins only
    python benchmarks/run.py --only startup  one scenario: watch, check, startup, class (class includes memory),
                                             scale, first (the first check after init), confinement

Prints a table (median, min-max, target, baseline median, ratio, met?) and writes
benchmarks/results.json. Everything runs in a temporary folder with its own reference cache, so
"warm" and "empty" mean exactly that. Timings are wall clock, hyperfine-style: warm-up runs are
discarded, then N runs; CPU time (user+sys of the process tree) is recorded beside the wall time
because a shared machine makes wall time noisy.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(REPO), str(HERE)]

import naive  # noqa: E402  (benchmarks/naive.py)

PY = sys.executable
SCRIPT = Path(PY).with_name("dlcert")
DLCERT = [str(SCRIPT)] if SCRIPT.is_file() else [PY, "-m", "grader"]
NUMPY_MODULES = ["neurons", "activations", "losses", "backprop", "optimizers", "regularization", "cnn", "rnn", "transformers"]
TORCH_MODULES = ["gpu", "training"]
CLASS_SIZE = 30
SCALE_SIZES = (30, 300, 1000)
QUICK_SCALE_SIZES = (30, 100)
READING_SECONDS = 20
"""How long the learner reads the first stub between `init` and the first check (issue 16)."""
NAIVE_TASK_SAMPLE = 8
NAIVE_CLASS_SAMPLE = 4
GB = 2**30


# --- measuring ------------------------------------------------------------------------------------


def summary(samples: list[float], cpu: list[float] | None = None, **extra) -> dict:
    out = {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples),
           "samples": [round(s, 4) for s in samples]}
    if cpu:
        out["cpu_median"] = statistics.median(cpu)
    return {**out, **extra}


def run(cmd: list[str], env: dict, cwd: Path, ok=(0,), stdin: str | None = None) -> tuple[float, float, str]:
    """Run `cmd`; return (wall seconds, CPU seconds of its process tree, stdout). Fails loudly on an unexpected exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, input=stdin)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def repeat(cmd, env, cwd, runs: int, warmup: int = 1, ok=(0,), before_each=None) -> dict:
    walls, cpus = [], []
    for i in range(warmup + runs):
        if before_each:
            env = before_each(env)
        wall, cpu, _ = run(cmd, env, cwd, ok)
        if i >= warmup:
            walls.append(wall)
            cpus.append(cpu)
    return summary(walls, cpus)


class TreeMemory:
    """Samples the memory of a process and all its descendants (RSS sum and PSS sum) from /proc."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            tree = self._tree()
            for pid in tree:
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        for line in handle:
                            if line.startswith("Rss:"):
                                rss += int(line.split()[1]) * 1024
                            elif line.startswith("Pss:"):
                                pss += int(line.split()[1]) * 1024
                except OSError:
                    continue
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, len(tree))
            self._stop.wait(self.interval)


def run_measuring_memory(cmd, env, cwd, ok=(0,)) -> tuple[float, TreeMemory, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with TreeMemory(proc.pid) as memory:
        out, err = proc.communicate()
    wall = time.perf_counter() - started
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{out[-2000:]}\n{err[-2000:]}")
    return wall, memory, out + err


# --- the setting --------------------------------------------------------------------------------


class Bench:
    """A temporary folder with a solved workspace, a warm reference cache and the generated baselines."""

    def __init__(self, root: Path, runs: int, heavy_runs: int):
        from grader.course import load_course

        self.root, self.runs, self.heavy_runs = root, runs, heavy_runs
        self.quick = heavy_runs < 5
        self.course = load_course()
        self.env = {**os.environ, "DLCERT_CACHE_DIR": str(root / "cache"), "DLCERT_DATA_DIR": str(root / "data"),
                    "NO_COLOR": "1", "COLUMNS": "120", "DLCERT_NO_WARMUP": "1"}  # no init warm-up but the one measured
        self.ws = root / "ws"
        run([*DLCERT, "init", str(self.ws)], self.env, root)
        for exercise in self.course.exercises:
            shutil.copyfile(exercise.solution_path, self.ws / "exercises" / exercise.folder / f"{exercise.module}.py")
        self.seed = json.loads((self.ws / ".dlcert" / "workspace.json").read_text())["seed"]
        print("warming the reference cache (every module, torch track included)...", flush=True)
        run([*DLCERT, "check"], self.env, self.ws)

    def fresh_cache(self, env: dict) -> dict:
        folder = Path(tempfile.mkdtemp(prefix="cache-", dir=self.root))
        return {**env, "DLCERT_CACHE_DIR": str(folder)}

    def tasks(self, modules: list[str]):
        return self.course.select(modules)


def row(scenario: str, measured: dict, target: str, met: bool | None, baseline: dict | None = None,
        ratio: float | None = None, unit: str = "s", notes: str = "") -> dict:
    return {"scenario": scenario, "measured": measured, "target": target, "met": met, "baseline": baseline,
            "ratio": ratio, "unit": unit, "notes": notes}


# --- (a) watch ------------------------------------------------------------------------------------


def scenario_watch(bench: Bench) -> list[dict]:
    from grader import trusted

    ws = bench.root / "ws-watch"
    shutil.copytree(bench.ws, ws)
    (ws / ".dlcert" / "progress.sqlite").unlink(missing_ok=True)
    activations = bench.course.exercise("activations")
    mistake = next(t for t in activations.spec.tasks if t.name == "softmax").mistakes[0].name
    (ws / "exercises" / activations.folder / "activations.py").write_text(trusted.mutant_source(activations, "softmax", mistake))
    saves = max(5, bench.runs)
    _, _, out = run([PY, str(HERE / "watch_driver.py"), str(ws), str(saves)], bench.env, bench.root)
    driven = json.loads(out.strip().splitlines()[-1])
    if driven["verdict"] != "failed":
        raise RuntimeError(f"watch did not show the softmax mistake: {driven}")
    baseline = repeat([*DLCERT, "check", "activations.softmax"], bench.env, ws, bench.runs, ok=(1,))
    detect = statistics.median(driven["detect"])
    measured = summary(driven["latencies"], detect_median=detect, extra_shows=driven["extra_shows"],
                       torch_in_grader=driven["torch_in_grader"], torch_in_sandbox=driven["torch_in_sandbox"])
    no_torch = not driven["torch_in_grader"] and driven["torch_in_sandbox"] is False
    return [row("watch: save -> verdict (activations.softmax)", measured, "<= 60 ms median, no torch",
                measured["median"] <= 0.060 and no_torch, baseline, baseline["median"] / measured["median"],
                notes=f"of which file-change detection (watchfiles) {detect * 1000:.0f} ms; "
                      f"torch in grader: {driven['torch_in_grader']}, in sandbox: {driven['torch_in_sandbox']}; "
                      "baseline: cold `dlcert check activations.softmax`")]


# --- (b) check ------------------------------------------------------------------------------------


def naive_per_task(bench: Bench, tasks, runs: int) -> dict:
    """One pytest process per task, sequentially; each run times a spread sample and extrapolates to all tasks."""
    folder = bench.root / "naive-check"
    files = [naive.write_test(folder / f"test_{t.id.replace('.', '_')}.py", [t],
                              lambda e: bench.ws / "exercises" / e.folder / f"{e.module}.py", bench.seed) for t in tasks]
    step = max(1, len(files) // NAIVE_TASK_SAMPLE)
    totals, sampled = [], 0
    for r in range(runs):
        sample = [files[(r + j * step) % len(files)] for j in range(NAIVE_TASK_SAMPLE)]
        walls = [run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(f)], bench.env, folder)[0] for f in sample]
        totals.append(statistics.mean(walls) * len(files))
        sampled += len(sample)
    return summary(totals, extrapolated=f"{NAIVE_TASK_SAMPLE} of {len(files)} tasks per run, mean x {len(files)}",
                   processes_run=sampled, per_task=[t / len(files) for t in totals])


def scenario_check(bench: Bench) -> list[dict]:
    rows = []
    warm = repeat([*DLCERT, "check", *NUMPY_MODULES], bench.env, bench.ws, bench.heavy_runs)
    module = repeat([*DLCERT, "check", "activations"], bench.env, bench.ws, bench.runs)
    baseline = naive_per_task(bench, bench.tasks(NUMPY_MODULES), bench.heavy_runs)
    ratio = baseline["median"] / warm["median"]
    rows.append(row("check 01-09, cold process, warm cache", warm, "<= 1 s (and >= 5x baseline)",
                    warm["median"] <= 1 and ratio >= 5, baseline, ratio,
                    notes=f"baseline: one pytest process per task (torch + reference), {baseline['extrapolated']}"))
    per_module = len(bench.tasks(["activations"]))
    module_base = summary([t * per_module for t in baseline["per_task"]], extrapolated=f"the same per-task mean x {per_module}")
    rows.append(row("check activations, cold process, warm cache", module, "<= 0.5 s", module["median"] <= 0.5,
                    module_base, module_base["median"] / module["median"],
                    notes=f"baseline: one pytest process per task of the module ({per_module}), from the 01-09 sample"))
    torch_track = repeat([*DLCERT, "check", *TORCH_MODULES], bench.env, bench.ws, bench.heavy_runs)
    rows.append(row("check 10-11 (torch track), warm cache", torch_track, "reported", None,
                    notes="learner code imports torch in the sandbox child"))
    empty = repeat([*DLCERT, "check", *NUMPY_MODULES], bench.env, bench.ws, bench.heavy_runs, before_each=bench.fresh_cache)
    rows.append(row("check 01-09, cold process, empty cache", empty, "reported", None, baseline,
                    baseline["median"] / empty["median"], notes="imports torch once and fills the cache"))
    return rows


# --- (c) startup ----------------------------------------------------------------------------------


STARTUP = {
    "list": ["list"],
    "hint": ["hint", "activations.softmax"],
    "progress": ["progress"],
    "quiz practice": ["quiz", "practice", "--answers", "{answers}"],
}


def scenario_startup(bench: Bench) -> list[dict]:
    answers = bench.root / "answers.yaml"
    answers.write_text("activations.starter-relu-grad-at-zero: a\n")
    commands = {name: [*DLCERT, *(a.format(answers=answers) for a in args)] for name, args in STARTUP.items()}
    poison = bench.root / "poison"
    (poison / "torch").mkdir(parents=True, exist_ok=True)
    (poison / "torch" / "__init__.py").write_text("raise ImportError('this command must not import torch')\n")
    poisoned = {**bench.env, "PYTHONPATH": os.pathsep.join([str(poison), str(REPO)])}
    for cmd in commands.values():  # proves "no torch import" on every one of these paths
        run(cmd, poisoned, bench.ws)
    numpy_cmd = [PY, "-c", "import numpy"]
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in [*commands, "numpy"]}
    runs = max(5, 2 * bench.runs)
    for i in range(1 + runs):  # interleaved, so every command sees the same machine load
        for name, cmd in [*commands.items(), ("numpy", numpy_cmd)]:
            wall, cpu, _ = run(cmd, bench.env, bench.ws)
            if i:
                samples[name].append((wall, cpu))
    base = summary([w for w, _ in samples["numpy"]], [c for _, c in samples["numpy"]])
    rows = []
    for name in commands:
        measured = summary([w for w, _ in samples[name]], [c for _, c in samples[name]])
        ratio = measured["median"] / base["median"]
        rows.append(row(f"startup: dlcert {name}", measured, "< 300 ms and < 3x numpy",
                        measured["median"] < 0.300 and ratio < 3, base, ratio,
                        notes="ratio = command / `python -c 'import numpy'` (lower is better); no torch (poisoned import)"))
    return rows


# --- (d, e) class grading and its memory ----------------------------------------------------------


def make_class(bench: Bench, size: int = CLASS_SIZE, name: str = "class") -> Path:
    """`size` learners' folders of modules 01-09: solutions, with a known mistake in about a quarter of the
    modules; every file ends with its learner's number, so no two hand-ins (or module files) are identical."""
    from grader import trusted

    folder = bench.root / name
    for i in range(size):
        for exercise in bench.course.exercises:
            if exercise.module not in NUMPY_MODULES:
                continue
            target = folder / f"learner{i:04d}" / "exercises" / exercise.folder / f"{exercise.module}.py"
            target.parent.mkdir(parents=True, exist_ok=True)
            if (i + exercise.number) % 4 == 0:
                task = exercise.spec.tasks[(i // 4) % len(exercise.spec.tasks)]
                code = trusted.mutant_source(exercise, task.name, task.mistakes[0].name)
            else:
                code = exercise.solution_path.read_text()
            target.write_text(f"{code}\n# learner {i}\n")
    return folder


def class_command(bench: Bench) -> list[str] | None:
    probe = subprocess.run([*DLCERT, "class", "--help"], env=bench.env, capture_output=True, text=True)
    if probe.returncode == 0:
        return [*DLCERT, "class"]
    try:
        import grader.classroom.cli  # noqa: F401
    except ImportError:
        return None
    return [PY, "-c", "from grader.classroom.cli import classroom; classroom()"]


def naive_class(bench: Bench, submissions: Path, runs: int) -> tuple[dict, dict]:
    """One pytest process per submission (torch, every reference recomputed), two at a time on 2 cores."""
    tasks = bench.tasks(NUMPY_MODULES)
    folder = bench.root / "naive-class"
    learners = sorted(p for p in submissions.iterdir() if p.is_dir())
    files = [naive.write_test(folder / f"test_{p.name}.py", tasks, lambda e, p=p: p / "exercises" / e.folder / f"{e.module}.py", 0)
             for p in learners]
    totals, peaks = [], []
    for r in range(runs):
        sample = [files[(r * NAIVE_CLASS_SAMPLE + j) % len(files)] for j in range(NAIVE_CLASS_SAMPLE)]
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda f: run_measuring_memory([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(f)],
                                                                   bench.env, folder, ok=(0, 1)), sample))
        elapsed = time.perf_counter() - started
        totals.append(elapsed * len(files) / len(sample))
        peaks.append(2 * max(m.peak_rss for _, m, _ in results) / GB)
    return (summary(totals, extrapolated=f"{NAIVE_CLASS_SAMPLE} of {len(files)} submissions per run, time x {len(files) / NAIVE_CLASS_SAMPLE:g}"),
            summary(peaks))


def class_grade(bench: Bench, command: list[str], submissions: Path, env: dict, book: str, extra=()) -> tuple[float, TreeMemory]:
    """One `class grade` of modules 01-09 into a new gradebook; fails unless every hand-in was graded."""
    size = sum(1 for p in submissions.iterdir() if p.is_dir())
    targets = [a for m in NUMPY_MODULES for a in ("-t", m)]
    cmd = [*command, "grade", str(submissions), *targets, "-g", str(bench.root / f"{book}.sqlite"), *extra]
    wall, memory, out = run_measuring_memory(cmd, env, bench.root)
    if f"{size} graded" not in " ".join(out.split()):
        raise RuntimeError(f"class grading did not grade every submission:\n{out[-2000:]}")
    return wall, memory


def scenario_class(bench: Bench) -> list[dict]:
    command = class_command(bench)
    submissions = make_class(bench)
    if command is None:
        pending = {"median": float("nan"), "min": float("nan"), "max": float("nan"), "runs": 0}
        return [row("class: 30 submissions, 01-09, 2 cores", pending, ">= 25x naive throughput", None, notes="pending: no instructor mode"),
                row("class: peak memory (grader + children)", pending, "< 1 GB", None, unit="GB", notes="pending")]
    class_grade(bench, command, submissions, bench.env, "gradebook-warming", ["--jobs", "2"])  # the cache for seed 0
    runs = {"warm": ([], [], [], []), "empty": ([], [], [], [])}
    for r in range(bench.heavy_runs):  # interleaved, so both see the same load
        for kind, (walls, rss, pss, procs) in runs.items():
            env = bench.env if kind == "warm" else bench.fresh_cache(bench.env)
            wall, memory = class_grade(bench, command, submissions, env, f"gradebook-{kind}-{r}", ["--jobs", "2"])
            walls.append(wall)
            rss.append(memory.peak_rss / GB)
            pss.append(memory.peak_pss / GB)
            procs.append(memory.peak_processes)
    baseline, naive_memory = naive_class(bench, submissions, bench.heavy_runs)
    rows = []
    for kind, target, limit, ratio_target in (("warm", "<= 4.5 s and >= 25x naive", 4.5, 25), ("empty", "reported", None, None)):
        walls = runs[kind][0]
        measured = summary(walls, per_submission=statistics.median(walls) / CLASS_SIZE)
        ratio = baseline["median"] / measured["median"]
        rows.append(row(f"class: {CLASS_SIZE} submissions, 01-09, 2 workers, {kind} cache", measured, target,
                        measured["median"] <= limit and ratio >= ratio_target if limit else None, baseline, ratio,
                        notes=f"{measured['per_submission']:.3f} s a hand-in; baseline: one pytest per submission, 2 at a time; "
                              f"{baseline['extrapolated']}"))
    _, rss, pss, procs = runs["warm"]
    memory = summary(rss, pss_median=statistics.median(pss), pss_max=max(pss), processes=max(procs))
    rows.append(row("class: peak memory, grader + all children (warm)", memory, "< 1 GB", memory["max"] < 1,
                    naive_memory, None, unit="GB", notes="RSS summed over the process tree (shared pages counted in every process: "
                    f"an upper bound); PSS (fair share) max {max(pss):.2f} GB; baseline: 2 x the peak of one naive pytest process"))
    return rows


def scenario_scale(bench: Bench) -> list[dict]:
    """The class at scale: generated hand-ins on local workers and on a Dask LocalCluster (2 workers each), warm cache."""
    from distributed import LocalCluster

    command = class_command(bench)
    sizes = QUICK_SCALE_SIZES if bench.quick else SCALE_SIZES
    classes = {n: make_class(bench, n, f"scale-{n}") for n in sizes}
    class_grade(bench, command, classes[sizes[0]], bench.env, "scale-warming", ["--jobs", "2"])
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in bench.env.items() if k.startswith("DLCERT_")})  # the cluster's workers inherit these
    try:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            executors = {"local": ["--jobs", "2"], "dask": ["--scheduler", cluster.scheduler_address]}
            times = {name: {} for name in executors}
            for n in sizes:
                for name, extra in executors.items():
                    times[name][n] = class_grade(bench, command, classes[n], bench.env, f"scale-{name}-{n}", extra)[0]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    rows = []
    for name, by_size in times.items():
        per = {n: t / n for n, t in by_size.items()}
        largest = max(by_size)
        # Growth, not spread: the smallest class also pays the fixed start-up (workers, sandboxes, prewarm) over
        # few hand-ins, so its per-hand-in time is higher; what must not happen is the time rising with the class.
        flat = per[largest] / min(v for n, v in per.items() if n < largest) if len(per) > 1 else 1.0
        measured = {"median": per[largest], "min": min(per.values()), "max": max(per.values()), "runs": len(per),
                    "per_submission": {str(n): round(v, 4) for n, v in per.items()}, "seconds": {str(n): round(v, 2) for n, v in by_size.items()}}
        rows.append(row(f"class at scale, {name} (2 workers): time per hand-in at {largest}", measured,
                        "flat: per-hand-in time at the largest class <= 1.25x the best smaller one", flat <= 1.25, None, flat,
                        notes="per hand-in " + ", ".join(f"{n}: {v * 1000:.0f} ms" for n, v in per.items())
                              + f"; ratio column = per-hand-in time at {largest} / the best smaller class" + ("" if largest >= 1000 else
                              f"; only up to {largest} hand-ins in --quick mode")))
    return rows


def scenario_first(bench: Bench) -> list[dict]:
    """`init`, READING_SECONDS of reading, then the first `dlcert check activations`, with a new empty cache each
    time: with the init warm-up, and without it (the baseline)."""
    runs = max(2, bench.heavy_runs // 2)
    samples: dict[str, list[float]] = {"warm-up": [], "none": []}
    for r in range(runs):
        for kind in samples:
            env = bench.fresh_cache(bench.env)
            if kind == "warm-up":
                env.pop("DLCERT_NO_WARMUP")
            ws = bench.root / f"first-{kind}-{r}"
            run([*DLCERT, "init", str(ws)], env, bench.root)
            time.sleep(READING_SECONDS)
            samples[kind].append(run([*DLCERT, "check", "activations"], env, ws, ok=(1,))[0])
    measured, baseline = summary(samples["warm-up"]), summary(samples["none"])
    return [row(f"first check after init (+{READING_SECONDS} s of reading), activations", measured, "< 2 s",
                measured["median"] < 2, baseline, baseline["median"] / measured["median"],
                notes="a new empty reference cache each run; baseline: the same without the init warm-up (DLCERT_NO_WARMUP)")]


# --- (f) confinement (issue 13) ------------------------------------------------------------------


def scenario_confinement(bench: Bench) -> list[dict]:
    """One module re-checked as `watch` does (grade + record, warm sandbox, warm cache), confined vs plain forks."""
    import io

    from rich.console import Console

    from grader.sandbox import Sandbox
    from grader.watch import WatchSession
    from grader.workspace import open_workspace

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in bench.env.items() if k.startswith("DLCERT_")})
    try:
        ws = open_workspace(bench.ws)
        exercise = bench.course.exercise("activations")
        sessions = {}
        for name, confine in (("confined", True), ("plain", False)):
            session = WatchSession(ws, bench.course, Console(file=io.StringIO()))
            session.sandbox = Sandbox(confine=confine)
            session.check(exercise)  # warm: the supervisor and its probe, the references in memory
            sessions[name] = session
        runs = max(20, 4 * bench.runs)
        samples: dict[str, list[float]] = {name: [] for name in sessions}
        for _ in range(runs):  # interleaved, so both see the same load
            for name, session in sessions.items():
                started = time.perf_counter()
                session.check(exercise)
                samples[name].append(time.perf_counter() - started)
        caps = sessions["confined"].sandbox.confinement.caps
        for session in sessions.values():
            session.sandbox.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    confined, plain = summary(samples["confined"]), summary(samples["plain"])
    added = confined["median"] - plain["median"]
    in_force = "namespaces" if caps.namespaces else "no namespaces"
    return [row("confinement: watch re-check of activations (12 tasks), confined", {**confined, "added_median": added},
                "<= 10 ms more than plain forks", added <= 0.010, plain, confined["median"] / plain["median"],
                notes=f"added {added * 1000:.1f} ms per module run (median of {runs}, interleaved); {in_force}, "
                      f"Landlock ABI {caps.landlock}, seccomp {caps.seccomp}, fresh uid {caps.job_uid}; "
                      "baseline: the same sandbox with confinement off (plain forks with rlimits)")]


# --- report ---------------------------------------------------------------------------------------


SCENARIOS = {"watch": scenario_watch, "check": scenario_check, "startup": scenario_startup, "class": scenario_class,
             "scale": scenario_scale, "first": scenario_first, "confinement": scenario_confinement}


def fmt(value: float | None, unit: str) -> str:
    if value is None or value != value:
        return "-"
    if unit == "GB":
        return f"{value:.2f} GB"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="dlcert benchmarks (issues 10 and 18)", header_style="bold")
    for column in ("scenario", "measured median (min-max, n)", "cpu", "target", "baseline median", "ratio", "met?"):
        table.add_column(column, justify="right" if column in ("ratio", "cpu") else "left")
    for r in rows:
        m, b, unit = r["measured"], r["baseline"], r["unit"]
        measured = f"{fmt(m['median'], unit)} ({fmt(m['min'], unit)}-{fmt(m['max'], unit)}, {m['runs']})"
        base_unit = "GB" if unit == "GB" else "s"
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[r["met"]]
        cpu = fmt(m.get("cpu_median"), unit) if m.get("cpu_median") is not None else "-"
        table.add_row(r["scenario"], measured, cpu, r["target"], fmt(b["median"], base_unit) if b else "-",
                      f"{r['ratio']:.1f}x" if r["ratio"] else "-", met)
    console = Console(width=160, highlight=False)
    console.print(table)
    for r in rows:
        if r["notes"]:
            console.print(f"[dim]{r['scenario']}: {r['notes']}[/]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (2 for the heavy scenarios, 5 otherwise)")
    parser.add_argument("--only", choices=[*SCENARIOS, "memory"], action="append", help="run only this scenario (repeatable)")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    chosen = [("class" if s == "memory" else s) for s in (args.only or SCENARIOS)]
    root = Path(tempfile.mkdtemp(prefix="dlcert-bench-"))
    load_before = os.getloadavg()
    started = time.time()
    rows: list[dict] = []
    try:
        bench = Bench(root, runs=5 if args.quick else 10, heavy_runs=2 if args.quick else 5)
        for name in SCENARIOS:
            if name in chosen:
                print(f"running {name}...", flush=True)
                rows += SCENARIOS[name](bench)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print_table(rows)
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
        "mode": "quick" if args.quick else "full",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "rows": rows,
    }
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"wrote {args.out} ({result['seconds']:.0f} s; load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
