"""Moodle's quiz statistics, each formula checked on a small dataset worked out by hand.

Five learners, three items (1 = right):

    learner  i1 i2 i3  total
    L1        1  1  1    3
    L2        1  1  0    2
    L3        1  0  1    2
    L4        1  0  0    1
    L5        0  0  0    0

Item 1: mean .8 → facility 80; V = (4·.04 + .64)/4 = .2 → SD 100·√.2 = 44.721.
Items 2, 3: mean .4 → facility 40; V = (2·.36 + 3·.16)/4 = .3 → SD 54.772.
Totals 3,2,2,1,0: mean 1.6, V(T) = (1.96+.16+.16+.36+2.56)/4 = 1.3, SD(T) = 1.140175.
Alpha = 3/2 · (1 − (.2+.3+.3)/1.3) = .75/1.3 = .576923 → CIC 57.692.
Error ratio = 100·√(1 − .576923) = 65.044; standard error = √(.423077 · 1.3) = √.55 = .741620.
Item 1's rest X = 2,1,1,0,0 (mean .8, V .7); C(x, X) = .8/4 = .2; r = .2/√(.2·.7) = √(2/7) → D 53.452.
  Sorted pairing gives the same order, C_max = .2 → efficiency 100.
Item 2's rest X = 2,1,2,1,0 (mean 1.2, V .7); C = .6/4 = .15; r = .15/√(.3·.7) → D 32.733.
  Sorted x 0,0,0,1,1 with sorted X 0,1,1,2,2: C_max = 1.6/4 = .4 → efficiency 37.5. Item 3 is the same.
"""
from __future__ import annotations

import math

import pytest

from grader.classroom import itemstats

MATRIX = {
    "L1": {"i1": 1, "i2": 1, "i3": 1},
    "L2": {"i1": 1, "i2": 1, "i3": 0},
    "L3": {"i1": 1, "i2": 0, "i3": 1},
    "L4": {"i1": 1, "i2": 0, "i3": 0},
    "L5": {"i1": 0, "i2": 0, "i3": 0},
}


@pytest.fixture(scope="module")
def stats():
    return itemstats.test_stats(MATRIX)


def item(stats, name):
    return next(i for i in stats.item_stats if i.item == name)


def test_facility_index(stats):
    assert item(stats, "i1").facility == pytest.approx(80.0)
    assert item(stats, "i2").facility == pytest.approx(40.0)


def test_standard_deviation(stats):
    assert item(stats, "i1").sd == pytest.approx(44.7214, abs=1e-4)
    assert item(stats, "i2").sd == pytest.approx(54.7723, abs=1e-4)


def test_discrimination_index(stats):
    assert item(stats, "i1").discrimination == pytest.approx(100 * math.sqrt(2 / 7))
    assert item(stats, "i1").discrimination == pytest.approx(53.452, abs=1e-3)
    assert item(stats, "i2").discrimination == pytest.approx(32.733, abs=1e-3)
    assert item(stats, "i3").discrimination == pytest.approx(32.733, abs=1e-3)


def test_discriminative_efficiency(stats):
    assert item(stats, "i1").discriminative_efficiency == pytest.approx(100.0)
    assert item(stats, "i2").discriminative_efficiency == pytest.approx(37.5)


def test_test_statistics(stats):
    assert stats.mean == pytest.approx(1.6)
    assert stats.sd == pytest.approx(math.sqrt(1.3))
    assert stats.alpha == pytest.approx(57.6923, abs=1e-4)
    assert stats.error_ratio == pytest.approx(65.0444, abs=1e-4)
    assert stats.standard_error == pytest.approx(math.sqrt(0.55))


def test_flags():
    columns = {
        "easy": [1, 1, 1, 1, 1, 1],
        "hard": [0, 0, 0, 0, 0, 0],
        "good1": [1, 1, 1, 0, 0, 0],
        "good2": [1, 1, 0, 1, 0, 0],
        "good3": [1, 1, 1, 0, 0, 0],
        "odd": [0, 0, 0, 1, 1, 1],  # right exactly for the learners weakest on the rest
    }
    matrix = {f"L{n}": {q: marks[n] for q, marks in columns.items()} for n in range(6)}
    got = {i.item: i for i in itemstats.test_stats(matrix).item_stats}
    assert got["easy"].flags == ["too easy"] and got["easy"].discrimination is None  # no variance: undefined
    assert got["hard"].flags == ["too hard"]
    assert got["odd"].flags == ["negative discrimination"] and got["odd"].discrimination < 0
    assert got["good1"].flags == [] and got["good1"].discrimination > 0


def test_from_attempts_takes_first_answers_and_notes_gaps():
    attempts = []
    for learner, row in MATRIX.items():
        for q, mark in row.items():
            attempts.append({"learner_id": learner, "question_id": q, "correct": bool(mark), "answered_at": "2026-01-01T00:00:00"})
            attempts.append({"learner_id": learner, "question_id": q, "correct": True, "answered_at": "2026-01-02T00:00:00"})
    attempts.append({"learner_id": "L1", "question_id": "rare", "correct": True, "answered_at": "2026-01-01T00:00:00"})
    stats = itemstats.from_attempts(attempts)
    assert stats.alpha == pytest.approx(57.6923, abs=1e-4)  # the retries do not count
    assert [i.item for i in stats.item_stats] == ["i1", "i2", "i3"]
    assert any("self-reported" in n for n in stats.notes) and any("left out" in n for n in stats.notes)


def test_degenerate_inputs():
    assert itemstats.test_stats({}).alpha is None
    one = itemstats.test_stats({"A": {"q": 1}, "B": {"q": 0}})
    assert one.alpha is None and one.items == 1
