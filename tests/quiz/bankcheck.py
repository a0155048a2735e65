"""Checks of the question banks that do not need torch: schema, mappings, unique ids, formulas,
template draws. Used by test_banks.py and runnable by hand: python -m tests.quiz.bankcheck [FILES]."""
from __future__ import annotations

import random
import sys
from pathlib import Path

from grader.quiz.coverage import bank_paths, load_bank, load_catalog
from grader.quiz.formulas import FORMULAS, FormulaError, evaluate


def draw(spec, rng: random.Random):
    """One value for a ParamSpec, as docs/QUIZ_FORMAT.md describes."""
    kind = spec.kind
    if kind == "int":
        return rng.randint(*spec.int_range)
    if kind == "float":
        return round(rng.uniform(*spec.float_range), spec.decimals)
    if kind == "choice":
        return rng.choice(spec.choice)
    if kind == "floats":
        return [round(rng.uniform(spec.low, spec.high), spec.decimals) for _ in range(spec.floats)]
    return [rng.randint(int(spec.low), int(spec.high)) for _ in range(spec.ints)]


def draws(template, n: int, seed: int = 0):
    """Up to n valid (values, answer) pairs; raises if most draws fail."""
    rng = random.Random(seed)
    out, failed = [], 0
    while len(out) < n:
        values = {name: draw(spec, rng) for name, spec in template.params.items()}
        values.update(template.fixed)
        try:
            out.append((values, evaluate(template.formula, values)))
        except FormulaError:
            failed += 1
            if failed > 3 * n + 20:
                raise AssertionError(f"{template.formula}: most draws fail")
    return out


def problems(paths=None) -> list[str]:
    paths = [Path(p) for p in paths] if paths else bank_paths()
    catalog = load_catalog()
    domains = {f"{c.id}:{d.id}" for c in catalog.certs for d in c.domains}
    out, seen = [], {}
    for path in paths:
        try:
            bank = load_bank(path)
        except Exception as exc:  # noqa: BLE001
            out.append(f"{path}: {exc}")
            continue
        for q in bank.questions:
            if q.id in seen:
                out.append(f"{path}: {q.id} also in {seen[q.id]}")
            seen[q.id] = path
            if not q.id.startswith(q.topic + "."):
                out.append(f"{path}: {q.id} does not start with its topic {q.topic}")
            certs = [m.split(":")[0] for m in q.mappings]
            for m in q.mappings:
                if m not in domains:
                    out.append(f"{path}: {q.id}: unknown mapping {m}")
            if "banks" in Path(path).parts and len(set(certs)) != len(certs):
                out.append(f"{path}: {q.id}: maps to two domains of one cert")
            t = getattr(q, "template", None)
            if t is not None:
                f = FORMULAS.get(t.formula)
                if f is None:
                    out.append(f"{path}: {q.id}: unknown formula {t.formula}")
                    continue
                names = set(t.params) | set(t.fixed)
                if names != set(f.params):
                    out.append(f"{path}: {q.id}: parameters {sorted(names)} != formula's {list(f.params)}")
                    continue
                try:
                    draws(t, 30)
                except Exception as exc:  # noqa: BLE001
                    out.append(f"{path}: {q.id}: {exc}")
    return out


if __name__ == "__main__":
    found = problems(sys.argv[1:])
    print("\n".join(found) or "clean")
    sys.exit(1 if found else 0)
