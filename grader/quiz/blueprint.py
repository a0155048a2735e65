"""Compose exam papers like the real ones: the cert's item types, its domains in proportion to the
blueprint's weights, at least its share of multi-select questions, case-study questions together as
one block, and no repeats. The same drawing counts how many disjoint papers the banks supply."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

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
    multiples: tuple[int, int] = (0, 0)
    """(wanted, drawn) multi-select questions."""

    @property
    def complete(self) -> bool:
        return (self.domains_covered == self.domains_total and self.drawn >= self.target
                and self.multiples[1] >= self.multiples[0])


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


@dataclass(frozen=True)
class PaperSpec:
    """What one full paper of a cert needs."""

    size: int
    quotas: dict[str, int]
    """Domain id -> questions, by the blueprint's weights."""
    multiples: int
    """The least number of multi-select questions (`multiple_share` of the size, rounded up)."""
    types: frozenset[str] | None
    """The question types the real exam uses; None = any."""


def paper_spec(cert: Cert, size: int) -> PaperSpec:
    share = cert.multiple_share or 0.0
    return PaperSpec(size=size, quotas=allocate(domain_weights(cert), size),
                     multiples=math.ceil(share * size - 1e-9),
                     types=frozenset(cert.item_types) if cert.item_types else None)


@dataclass(frozen=True)
class Candidate:
    """A question a paper of one cert may draw."""

    id: str
    type: str
    domains: tuple[str, ...]
    """The cert's domains it maps to, in blueprint order."""
    block: str | None = None
    """Its case study (questions of one case study are drawn together)."""


def candidates(questions: Iterable[tuple[object, str | None]], cert: Cert, spec: PaperSpec) -> list[Candidate]:
    """The (question, case-study key) pairs a paper of `cert` may draw: mapped to it, of its item types."""
    order = [d.id for d in cert.domains]
    out = []
    for question, block in questions:
        if spec.types is not None and question.type not in spec.types:
            continue
        mapped = {m.split(":", 1)[1] for m in question.mappings if m.split(":", 1)[0] == cert.id}
        domains = tuple(d for d in order if d in mapped)
        if domains:
            out.append(Candidate(question.id, question.type, domains, block))
    return sorted(out, key=lambda c: c.id)


def library_candidates(library: Library, cert: Cert, spec: PaperSpec) -> list[Candidate]:
    return candidates(((e.question, e.block) for e in library.questions.values()), cert, spec)


@dataclass
class Paper:
    """One drawn paper: (question id, domain) in the order asked, and what it lacks."""

    picks: list[tuple[str, str]]
    short: dict[str, tuple[int, int]]
    """Domain id -> (wanted, drawn) where the pool ran out."""
    multiples: tuple[int, int]
    """(wanted, drawn) multi-select questions."""

    @property
    def full(self) -> bool:
        return not self.short and self.multiples[1] >= self.multiples[0]


DRAW_TRIES = 20
"""Random orders a paper is drawn in (a greedy draw in one order can spend a scarce question where
another would have done); the best paper of them is kept."""


def draw_paper(pool: list[Candidate], spec: PaperSpec, rng: np.random.Generator,
               seen: set[str] | frozenset[str] = frozenset()) -> Paper:
    """A paper from `pool`: domains filled to their quotas, at least `spec.multiples` multi-select
    questions, case-study blocks whole, questions not in `seen` first, otherwise in random order.

    Of up to DRAW_TRIES draws the best is kept: a full paper before a short one, then the fewest
    questions seen before, then the fewest multi-select beyond the share (so the next paper keeps
    them); a full paper of unseen questions with no extra multi-select ends the search."""

    def rank(paper: Paper) -> tuple:
        repeats = sum(qid in seen for qid, _ in paper.picks)
        return (paper.full, -repeats, -(paper.multiples[1] - paper.multiples[0]), len(paper.picks))

    best = None
    for _ in range(DRAW_TRIES):
        paper = _greedy_paper(pool, spec, rng, seen)
        if best is None or rank(paper) > rank(best):
            best = paper
        if best.full and rank(best)[1:3] == (0, 0):
            break
    return best


def _greedy_paper(pool: list[Candidate], spec: PaperSpec, rng: np.random.Generator,
                  seen: set[str] | frozenset[str]) -> Paper:
    units: dict[str, list[Candidate]] = {}
    for cand in pool:
        units.setdefault(cand.block or f"#{cand.id}", []).append(cand)
    keys = sorted(units)
    keys = [keys[i] for i in rng.permutation(len(keys))]
    keys.sort(key=lambda k: any(c.id in seen for c in units[k]))  # stable: unseen first, random within
    left = dict(spec.quotas)
    supply = {d: sum(d in c.domains for c in pool) for d in left}
    need = spec.multiples
    taken: dict[str, list[tuple[Candidate, str]]] = {}

    def place(unit: list[Candidate]) -> list[tuple[Candidate, str]] | None:
        room = dict(left)
        out = []
        for cand in unit:
            options = [d for d in cand.domains if room.get(d, 0) > 0]
            if not options:
                return None
            domain = min(options, key=lambda d: (supply[d] - left[d], cand.domains.index(d)))  # scarcest first
            room[domain] -= 1
            out.append((cand, domain))
        return out

    def take(key: str) -> None:
        nonlocal need
        placed = place(units[key])
        if placed is None:
            return
        taken[key] = placed
        for cand, domain in placed:
            left[domain] -= 1
            need -= cand.type == "multiple"

    singles_multiple = [k for k in keys if len(units[k]) == 1 and units[k][0].type == "multiple"]
    for key in singles_multiple:
        if need <= 0:
            break
        take(key)
    plain = [k for k in keys if k not in taken and all(c.type != "multiple" for c in units[k])]
    rest = [k for k in keys if k not in taken and k not in plain]
    for key in plain + rest:
        if sum(left.values()) == 0:
            break
        if key not in taken:
            take(key)
    chosen = sorted(taken)
    picks = [(cand.id, domain) for i in rng.permutation(len(chosen)) for cand, domain in taken[chosen[i]]]
    short = {d: (spec.quotas[d], spec.quotas[d] - n) for d, n in left.items() if n > 0}
    multiples = sum(cand.type == "multiple" for placed in taken.values() for cand, _ in placed)
    return Paper(picks, short, (spec.multiples, multiples))


def count_papers(pool: list[Candidate], spec: PaperSpec, limit: int = 20) -> int:
    """How many full papers without a question in common the pool supplies (up to `limit`),
    drawing them one after another as `draw_paper` does."""
    rng = np.random.default_rng(0)
    papers = 0
    while papers < limit:
        paper = draw_paper(pool, spec, rng)
        if not paper.full:
            break
        papers += 1
        used = {qid for qid, _ in paper.picks}
        pool = [c for c in pool if c.id not in used]
    return papers


def build_plan(library: Library, cert: Cert, total: int, rng: np.random.Generator,
               seen: set[str] | frozenset[str] = frozenset()) -> tuple[list[dict], Coverage]:
    """A list of {question_id, domain, params, shown, block} without repeats, and how well the bank
    covers the blueprint."""
    from grader.quiz import shuffle, templates

    spec = paper_spec(cert, total)
    pool = library_candidates(library, cert, spec)
    paper = draw_paper(pool, spec, rng, seen)
    plan = []
    for qid, domain in paper.picks:
        entry = library.questions[qid]
        question = entry.question
        params = None
        if isinstance(question, NumericQuestion) and question.template is not None:
            params = templates.instantiate(question, rng).values
        plan.append({"question_id": qid, "domain": domain, "params": params,
                     "shown": shuffle.draw(question, rng).to_json(), "block": entry.block})
    covered = [d.id for d in cert.domains if any(d.id in c.domains for c in pool)]
    weights = domain_weights(cert)
    coverage = Coverage(
        domains_total=len(cert.domains),
        domains_covered=len(covered),
        weight_covered=round(100 * sum(weights[d] for d in covered), 1),
        target=total,
        drawn=len(plan),
        short=paper.short,
        multiples=paper.multiples,
    )
    return plan, coverage
