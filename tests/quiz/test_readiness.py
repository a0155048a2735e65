"""Readiness per domain: recent answers weigh more; exercise modules join through the domain's topics."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from grader.quiz.bank import load_library
from grader.quiz.readiness import readiness
from grader.quiz.store import Store

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.timezone.utc)
MODULES = {"activations": ["activations.sigmoid", "activations.relu"], "cnn": ["cnn.conv2d_forward"]}


def _answer(store, qid, correct, days_ago):
    store.record(question_id=qid, mode="practice", given="x", correct=correct, when=NOW - dt.timedelta(days=days_ago))


def test_recent_answers_weigh_more_and_exercises_count(mini, tmp_path):
    db = tmp_path / "r.sqlite"
    library = load_library([mini], check_templates=False)
    with Store(db) as store:
        for _ in range(5):
            _answer(store, "t.single", True, 0)     # d1: right today
            _answer(store, "t.numeric", False, 0)   # d2: wrong today ...
            _answer(store, "t.numeric", True, 60)   # ... right two months ago
    r = readiness("test-cert", ["activations.sigmoid"], db_path=db, library=library, now=NOW, modules=MODULES)
    d1, d2 = r.domains
    assert (d1.id, d2.id) == ("d1", "d2")
    assert d1.answers == 5 and d1.recent_accuracy == 1.0
    assert d1.quiz_score == pytest.approx(5 / 8)                 # 5 right / (5 + 3 prior wrong)
    assert d1.exercise_passed == 1 and d1.exercise_total == 2 and d1.modules_to_do == ["activations"]
    assert d1.readiness == pytest.approx(0.7 * 5 / 8 + 0.3 * 0.5, abs=1e-4)
    w_old = 0.5 ** (60 / 14)
    assert d2.recent_accuracy == pytest.approx(5 * w_old / (5 + 5 * w_old), abs=1e-4)  # old right answers fade
    assert d2.readiness < d1.readiness
    assert r.overall == pytest.approx(0.6 * d1.readiness + 0.4 * d2.readiness, abs=1e-3)
    assert "Domain two" in r.next_step and "--domain d2" in r.next_step
    json.dumps(r.to_dict())


def test_unknown_cert(mini, tmp_path):
    with pytest.raises(KeyError):
        readiness("nope", db_path=tmp_path / "x.sqlite", library=load_library([mini], check_templates=False))


def test_readiness_command(run, mini):
    result = run("--bank", mini, "readiness", "--cert", "test-cert", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)["readiness"][0]
    assert data["cert"] == "test-cert" and data["overall"] == 0
    assert run("--bank", mini, "readiness", "--cert", "nope").exit_code == 2


def test_render_readiness_for_progress(tmp_path):
    from rich.console import Console

    from grader.quiz.readiness import render_readiness

    db = tmp_path / "p.sqlite"
    out = Console(record=True, width=120)
    render_readiness(out, db, set())
    assert "no quiz answers yet" in out.export_text()
    with Store(db) as store:
        _answer(store, "activations.starter-relu-grad-at-zero", True, 0)
    out = Console(record=True, width=120)
    render_readiness(out, db, {"activations.softmax"}, now=NOW)
    text = out.export_text()
    assert "Readiness: NVIDIA-Certified Associate" in text and "Next:" in text
    assert "TensorFlow" not in text  # retired certs are not shown
