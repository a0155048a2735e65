"""For the reference tests: run an exercise's yaml cases through its NumPy solution and its reference.

`mismatches(folder)` lists every (task, case, output) where the two disagree beyond the task's
tolerance, so a test can `assert not mismatches("07_cnn")`.
"""
from __future__ import annotations

import copy
import importlib
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import torch

from grader.cases import build_cases
from grader.course import load_exercise

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


def load_file(path: Path, name: str):
    """Import one .py file as a module without putting its folder on sys.path."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def to_torch(value: Any, device: str | torch.device = "cpu") -> Any:
    """Case values as the reference receives them: arrays become tensors, containers are walked."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy()).to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch(v, device) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v, device) for k, v in value.items()}
    return value


def to_numpy(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    return value


def named(result: Any, outputs: list[str]) -> dict[str, Any]:
    """A callable's return value keyed by output name (a dict as is, a tuple in order, else one)."""
    if isinstance(result, dict):
        return result
    if isinstance(result, tuple):
        return dict(zip(outputs, result))
    return {outputs[0]: result}


def run_reference(module: str, task_name: str, outputs: list[str], args: dict, device="cpu") -> dict:
    reference = importlib.import_module(f"reference.{module}")
    result = getattr(reference, task_name)(*to_torch(list(args.values()), device))
    return to_numpy(named(result, outputs))


def run_solution(exercise, task_name: str, outputs: list[str], args: dict) -> dict:
    """The solution's outputs on `args`: called directly, or through the harness's driver and the judge."""
    solution = load_file(exercise.solution_path, f"solution_{exercise.module}")
    harness = judge = None
    if exercise.harness_path.exists():
        harness = getattr(load_file(exercise.harness_path, f"harness_{exercise.module}"), task_name, None)
    if exercise.judge_path.exists():
        judges = load_file(exercise.judge_path, f"judge_{exercise.module}")
        judge, make_inputs = getattr(judges, task_name, None), getattr(judges, f"{task_name}_inputs", None)
    values = copy.deepcopy(list((make_inputs(*args.values()) if judge and make_inputs else args).values()))
    if harness is None:
        return named(getattr(solution, task_name)(*values), outputs)
    first = next(iter(inspect.signature(harness).parameters))
    impl = solution if first == "module" else getattr(solution, task_name)
    raw = harness(impl, *values)
    return judge(raw, *args.values()) if judge else raw


def _differ(got: Any, want: Any, tol) -> bool:
    """True when two outputs differ beyond `tol`; a list or tuple (of arrays) is compared item by item."""
    if isinstance(want, (list, tuple)):
        return not isinstance(got, (list, tuple)) or len(got) != len(want) or any(
            _differ(g, w, tol) for g, w in zip(got, want))
    w, g = np.asarray(want), np.asarray(got)
    return w.shape != g.shape or not np.allclose(g, w, rtol=tol.rtol, atol=tol.atol)


def mismatches(folder: str, seeds=(0, 1)) -> list[str]:
    """Every disagreement between solution and reference on the yaml's cases, in words."""
    exercise = load_exercise(EXERCISES / folder)
    problems = []
    for seed in seeds:
        for task in exercise.tasks:
            tol = task.spec.tolerance
            for case in build_cases(task, seed):
                want = run_reference(exercise.module, task.name, task.spec.outputs, case.args)
                got = run_solution(exercise, task.name, task.spec.outputs, case.args)
                for out in task.spec.outputs:
                    if task.spec.comparison(out) != "allclose":
                        continue
                    if _differ(got[out], want[out], tol):
                        problems.append(f"seed {seed} {task.id} case {case.name} output {out}")
    return problems


def device_mismatches(folder: str, device: str, seed: int = 0) -> list[str]:
    """Every yaml case where the reference on `device` disagrees with the reference on CPU."""
    exercise = load_exercise(EXERCISES / folder)
    problems = []
    for task in exercise.tasks:
        tol = task.spec.tolerance
        for case in build_cases(task, seed):
            cpu = run_reference(exercise.module, task.name, task.spec.outputs, case.args)
            dev = run_reference(exercise.module, task.name, task.spec.outputs, case.args, device)
            for out in cpu:
                if _differ(dev[out], cpu[out], tol):
                    problems.append(f"{task.id} case {case.name} output {out}")
    return problems
