"""Turn a task's case recipes into concrete, seeded inputs."""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.course import CaseSpec, Task

DTYPES = {"float64": np.float64, "int64": np.int64, "int8": np.int8, "bool": np.bool_}


class CaseError(ValueError):
    """A case recipe that names no known generator or has bad parameters."""


@dataclass(frozen=True)
class Case:
    """One concrete input of a task: arguments in call order (a multi-call case's `calls` last), and
    whether it must be warning-free."""

    name: str
    args: dict[str, Any]
    stable: bool = False


def build_cases(task: Task, seed: int) -> list[Case]:
    """All cases of `task`, drawn from a generator seeded by (seed, task id, case name, draw)."""
    cases = []
    for spec in task.spec.cases:
        for draw in range(spec.repeat):
            name = spec.name if spec.repeat == 1 else f"{spec.name}_{draw + 1}"
            rng = np.random.default_rng([seed, _crc(task.id), _crc(spec.name), draw])
            args = {k: build_value(v, rng) for k, v in spec.args.items()}
            if spec.calls:
                args["calls"] = [{k: build_value(v, rng) for k, v in call.items()} for call in spec.calls]
            cases.append(Case(name, args, spec.stable))
    return cases


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def _shape(value: Any) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(int(v) for v in value)


def build_value(recipe: Any, rng: np.random.Generator) -> Any:
    """One value from its recipe (docs/EXERCISE_FORMAT.md, "Case values")."""
    if recipe is None or isinstance(recipe, (bool, int, float, str)):
        return recipe
    if isinstance(recipe, list):
        return np.array(recipe, dtype=np.float64)
    if not isinstance(recipe, dict) or not recipe:
        raise CaseError(f"cannot build a value from {recipe!r}")
    kind = next(iter(recipe))
    params = {k: v for k, v in recipe.items() if k != kind}
    maker = _GENERATORS.get(kind)
    if maker is None:
        raise CaseError(f"unknown case value {kind!r}; known: {', '.join(sorted(_GENERATORS))}")
    try:
        return maker(recipe[kind], rng, **params)
    except TypeError as exc:
        raise CaseError(f"bad parameters for {kind!r}: {exc}") from exc


def _array(values, rng, dtype="float64"):
    return np.array(values, dtype=DTYPES[dtype])


def _normal(shape, rng, scale=1.0, mean=0.0):
    return rng.normal(mean, scale, _shape(shape))


def _uniform(shape, rng, low=0.0, high=1.0):
    return rng.uniform(low, high, _shape(shape))


def _integers(shape, rng, low=0, high=2):
    return rng.integers(low, high, _shape(shape), dtype=np.int64)


def _bernoulli(shape, rng, p=0.5):
    return (rng.random(_shape(shape)) < p).astype(np.float64)


def _mask(shape, rng, p=0.5):
    return rng.random(_shape(shape)) < p


def _probs(shape, rng):
    logits = rng.normal(0.0, 1.0, _shape(shape))
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _onehot(shape, rng):
    n, k = _shape(shape)
    out = np.zeros((n, k))
    out[np.arange(n), rng.integers(0, k, n)] = 1.0
    return out


def _causal(size, rng):
    return np.tril(np.ones((int(size), int(size)), dtype=bool))


def _list(items, rng):
    return [build_value(v, rng) for v in items]


def _dict(items, rng):
    return {str(k): build_value(v, rng) for k, v in items.items()}


def _choice(options, rng):
    return build_value(options[int(rng.integers(0, len(options)))], rng)


_GENERATORS = {
    "array": _array,
    "normal": _normal,
    "uniform": _uniform,
    "integers": _integers,
    "bernoulli": _bernoulli,
    "mask": _mask,
    "probs": _probs,
    "onehot": _onehot,
    "causal": _causal,
    "list": _list,
    "dict": _dict,
    "choice": _choice,
}


def validate_recipes(spec: CaseSpec) -> list[str]:
    """Problems in a case's recipes, found by building them once (used by the course self-check)."""
    problems = []
    recipes = list(spec.args.items())
    recipes += [(f"calls[{i}].{arg}", r) for i, call in enumerate(spec.calls) for arg, r in call.items()]
    for arg, recipe in recipes:
        try:
            build_value(recipe, np.random.default_rng(0))
        except (CaseError, KeyError, ValueError) as exc:
            problems.append(f"case {spec.name}, arg {arg}: {exc}")
    return problems
