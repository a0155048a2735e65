"""Spaced review with FSRS: wrong answers come back soon, right ones later; state kept per question."""
from __future__ import annotations

import datetime as dt
import json

from grader.quiz.store import Store

from .conftest import answers_file


def _cards(db):
    with Store(db) as store:
        return {qid: due for qid, _card, due in store.cards()}


def test_review_schedules_with_fsrs(run, mini, tmp_path, data_dir):
    db = data_dir / "progress.sqlite"
    practice = run("--bank", mini, "practice", "--answers",
                   answers_file(tmp_path, {"t.single": "b", "t.tf": True}), "--json")
    assert practice.exit_code == 0, practice.stderr
    p = json.loads(practice.stdout)
    assert {i["question_id"]: i["correct"] for i in p["items"]} == {"t.single": False, "t.tf": True}
    wrong_fb = next(i for i in p["items"] if i["question_id"] == "t.single")["feedback"]
    assert wrong_fb == ["Not B."]

    cards = _cards(db)
    now = dt.datetime.now(dt.timezone.utc)
    assert cards["t.single"] - now < dt.timedelta(minutes=15)   # Again: relearn within minutes
    assert cards["t.tf"] > cards["t.single"]                     # Good: later

    # An hour later both are due (FSRS learning steps are 1 and 10 minutes); answer both right.
    later = now + dt.timedelta(hours=1)
    r = json.loads(run("--bank", mini, "review", "--now", later.isoformat(), "--json",
                       "--answers", answers_file(tmp_path, {"t.single": "a", "t.tf": "t"})).stdout)
    assert r["due"] == 2 and all(i["correct"] for i in r["items"])
    cards = _cards(db)
    assert cards["t.single"] - later < dt.timedelta(hours=1)   # still learning: one more step
    assert cards["t.tf"] - later >= dt.timedelta(days=1)       # graduated to review: days away

    # Two hours later only t.single is due; a script that answers nothing changes nothing.
    two = (now + dt.timedelta(hours=2)).isoformat()
    r = json.loads(run("--bank", mini, "review", "--now", two, "--json", "--answers", answers_file(tmp_path, {})).stdout)
    assert r["due"] == 0 and r["asked"] == 0
    r = json.loads(run("--bank", mini, "review", "--now", two, "--json",
                       "--answers", answers_file(tmp_path, {"t.single": "a", "t.tf": "t"})).stdout)
    assert [i["question_id"] for i in r["items"]] == ["t.single"]
    assert r["next_due"] is not None

    # Far in the future, both are due again.
    far = (now + dt.timedelta(days=400)).isoformat()
    r = json.loads(run("--bank", mini, "review", "--now", far, "--json",
                       "--answers", answers_file(tmp_path, {"t.single": "a", "t.tf": "t"})).stdout)
    assert r["due"] == 2


def test_review_bad_now_is_a_usage_error(run, mini):
    result = run("--bank", mini, "review", "--now", "yesterday")
    assert result.exit_code == 2 and "ISO 8601" in result.stderr
