"""Draw an exam like the real one: questions per domain in proportion to the blueprint's weights."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from grader.quiz.bank import Library
from grader.quiz.schema import Cert, NumericQuestion


@dataclass
class Coverage:
    """How much of a blueprint the bank can supply."""

    domains_total: int
    domains_covered: int
    weight_covered: float
    """Percent of the blueprint's weight whose domains have at least one question."""
    target: int
    """Questions the simulated exam should have."""
    drawn: int
    short: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Domain id -> (wanted, available) where the bank has too few questions."""

    @property
    def complete(self) -> bool:
        return self.domains_covered == self.domains_total and self.drawn >= self.target


def domain_weights(cert: Cert) -> dict[str, float]:
    """Each domain's share (sums to 1): the published weight, a range's midpoint, or equal shares."""
    if not cert.weighted:
        return {d.id: 1.0 / len(cert.domains) for d in cert.domains}
    mids = {d.id: sum(d.weight_range) / 2 for d in cert.domains}
    total = sum(mids.values())
    return {k: v / total for k, v in mids.items()}


def allocate(weights: dict[str, float], total: int) -> dict[str, int]:
    """Split `total` questions by weight with the largest-remainder method (ties in domain order)."""
    raw = {k: w * total for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    order = sorted(raw, key=lambda k: (-(raw[k] - counts[k]), list(weights).index(k)))
    for k in order[:left]:
        counts[k] += 1
    return counts


def build_plan(library: Library, cert: Cert, total: int, rng: np.random.Generator) -> tuple[list[dict], Coverage]:
    """A list of {question_id, domain, params} without repeats, and how well the bank covers the blueprint."""
    from grader.quiz import templates

    weights = domain_weights(cert)
    wanted = allocate(weights, total)
    pools = {d.id: [e.question.id for e in library.by_mapping(cert.id, d.id)] for d in cert.domains}
    used: set[str] = set()
    picks: dict[str, list[str]] = {d: [] for d in pools}
    short: dict[str, tuple[int, int]] = {}
    # Scarce domains pick first so a question mapped to two domains is not taken by the richer one.
    for domain in sorted(pools, key=lambda d: (len(pools[d]) - wanted[d], d)):
        pool = [q for q in pools[domain] if q not in used]
        rng.shuffle(pool)
        take = pool[: wanted[domain]]
        picks[domain] = take
        used.update(take)
        if len(take) < wanted[domain]:
            short[domain] = (wanted[domain], len(take))
    plan = []
    for domain in pools:  # blueprint order, shuffled within the whole exam below
        for qid in picks[domain]:
            question = library.questions[qid].question
            params = None
            if isinstance(question, NumericQuestion) and question.template is not None:
                params = templates.instantiate(question, rng).values
            plan.append({"question_id": qid, "domain": domain, "params": params})
    order = rng.permutation(len(plan))
    plan = [plan[i] for i in order]
    covered = [d for d in pools if pools[d]]
    coverage = Coverage(
        domains_total=len(pools),
        domains_covered=len(covered),
        weight_covered=round(100 * sum(weights[d] for d in covered), 1),
        target=total,
        drawn=len(plan),
        short=short,
    )
    return plan, coverage
