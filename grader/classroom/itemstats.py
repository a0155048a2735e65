"""Quiz item statistics in Moodle's definitions (docs.moodle.org/dev/Quiz_statistics_calculations).

Each learner is one attempt; x_i(p) is learner p's mark on item i (0 or 1, so an item's mark range
is 1) and T(p) their total. Variances and covariances divide by S-1 (S attempts), as Moodle does.

- facility index  F_i  = 100 * mean(x_i)
- standard dev.   SD_i = 100 * sqrt(V(x_i))
- discrimination  D_i  = 100 * r(x_i, X_i), X_i = T - x_i (the rest of the test)
- discriminative efficiency DE_i = 100 * C(x_i, X_i) / C_max(x_i, X_i), C_max pairing both sorted
- Cronbach's alpha (coefficient of internal consistency) CIC = 100 * k/(k-1) * (1 - sum V(x_i) / V(T))
- error ratio     ER = 100 * sqrt(1 - CIC/100)
- standard error  SE = ER/100 * SD(T)
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

TOO_EASY_ABOVE = 89.0  # Moodle: 90-94 very easy, 95-100 extremely easy
TOO_HARD_BELOW = 10.0  # Moodle: 6-10 very difficult, 0-5 extremely difficult


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def covariance(xs: list[float], ys: list[float]) -> float | None:
    """Sample covariance (divides by S-1); None with fewer than two attempts."""
    if len(xs) < 2:
        return None
    mx, my = mean(xs), mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) - 1)


def variance(xs: list[float]) -> float | None:
    return covariance(xs, xs)


@dataclass
class ItemStats:
    item: str
    attempts: int
    facility: float
    sd: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    flags: list[str] = field(default_factory=list)


@dataclass
class TestStats:
    attempts: int
    items: int
    mean: float | None
    sd: float | None
    alpha: float | None
    """Cronbach's alpha as Moodle's CIC, in percent."""
    error_ratio: float | None
    standard_error: float | None
    item_stats: list[ItemStats] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def item_stats(item: str, x: list[float], totals: list[float]) -> ItemStats:
    """One item's statistics from its marks and the attempts' totals (same order)."""
    rest = [t - xi for xi, t in zip(x, totals)]
    v = variance(x)
    facility = 100 * mean(x)
    sd = 100 * math.sqrt(v) if v is not None else None
    c = covariance(x, rest)
    v_rest = variance(rest)
    discrimination = 100 * c / math.sqrt(v * v_rest) if c is not None and v and v_rest else None
    c_max = covariance(sorted(x), sorted(rest))
    efficiency = 100 * c / c_max if c is not None and c_max else None
    flags = []
    if facility > TOO_EASY_ABOVE:
        flags.append("too easy")
    if facility < TOO_HARD_BELOW:
        flags.append("too hard")
    if discrimination is not None and discrimination < 0:
        flags.append("negative discrimination")
    return ItemStats(item, len(x), facility, sd, discrimination, efficiency, flags)


def test_stats(matrix: dict[str, dict[str, float]], items: list[str] | None = None) -> TestStats:
    """Statistics of a learners × items matrix of marks in [0, 1] (every learner has every item)."""
    learners = sorted(matrix)
    items = items if items is not None else sorted({i for row in matrix.values() for i in row})
    columns = {i: [float(matrix[p].get(i, 0.0)) for p in learners] for i in items}
    totals = [sum(columns[i][n] for i in items) for n in range(len(learners))]
    if not learners or not items:
        return TestStats(len(learners), len(items), None, None, None, None, None)
    v_total = variance(totals)
    k = len(items)
    alpha = error_ratio = standard_error = None
    if v_total and k > 1:
        alpha = 100 * k / (k - 1) * (1 - sum(variance(columns[i]) for i in items) / v_total)
        if alpha <= 100:
            error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha / 100))
            standard_error = error_ratio / 100 * math.sqrt(v_total)
    return TestStats(
        attempts=len(learners),
        items=k,
        mean=mean(totals),
        sd=math.sqrt(v_total) if v_total is not None else None,
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
        item_stats=[item_stats(i, columns[i], totals) for i in items],
    )


def from_attempts(attempts: list[dict], min_coverage: float = 0.5) -> TestStats:
    """Moodle's statistics from imported attempts: each learner's first answer to each question.

    Moodle counts a question left unanswered in an attempt as 0; practice answers are sparse, so only
    questions that at least `min_coverage` of the learners answered count as the test, and an
    unanswered one among them scores 0.
    """
    first: dict[str, dict[str, float]] = {}
    for a in sorted(attempts, key=lambda a: (str(a["answered_at"]), a.get("id") or 0)):
        first.setdefault(a["learner_id"], {}).setdefault(a["question_id"], 1.0 if a["correct"] else 0.0)
    learners = len(first)
    counts: dict[str, int] = {}
    for row in first.values():
        for item in row:
            counts[item] = counts.get(item, 0) + 1
    items = sorted(i for i, n in counts.items() if learners and n / learners >= min_coverage)
    stats = test_stats(first, items)
    dropped = len(counts) - len(items)
    stats.notes.append("Answers are self-reported (imported from learners' own exports) and unproctored.")
    if dropped:
        stats.notes.append(f"{dropped} question(s) answered by fewer than {min_coverage:.0%} of learners are left out.")
    missing = sum(1 for row in first.values() for i in items if i not in row)
    if missing:
        stats.notes.append(f"{missing} unanswered learner × question cell(s) count as 0, as Moodle counts a blank answer.")
    return stats
