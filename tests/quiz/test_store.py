"""The quiz store: old databases gain the new columns; answers and review state under renamed ids
move to the new ids in one transaction, once."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from grader.quiz.bank import load_library
from grader.quiz.store import Store

from .conftest import MINI_BANK, MINI_CERTS, answers_file

OLD_SCHEMA = """
CREATE TABLE quiz_sessions (id INTEGER PRIMARY KEY, mode TEXT NOT NULL, cert TEXT, seed INTEGER,
    started_at TEXT NOT NULL, time_limit_s REAL, plan TEXT NOT NULL, meta TEXT NOT NULL DEFAULT '{}', finished_at TEXT);
CREATE TABLE quiz_attempts (id INTEGER PRIMARY KEY, session_id INTEGER, position INTEGER, question_id TEXT NOT NULL,
    mode TEXT NOT NULL, given TEXT, correct INTEGER NOT NULL, params TEXT, answered_at TEXT NOT NULL, seconds REAL);
CREATE TABLE quiz_cards (question_id TEXT PRIMARY KEY, card TEXT NOT NULL, due TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO quiz_attempts (question_id, mode, given, correct, answered_at) VALUES ('t.single', 'practice', '"a"', 1, '2026-01-01T00:00:00+00:00');
"""


def test_an_old_database_gains_the_new_columns(tmp_path):
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(OLD_SCHEMA)
    with Store(db) as store:
        [attempt] = store.attempts()
        assert attempt["credit"] == 1.0 and attempt["shown"] is None
        sid = store.start_session("exam", cert="c", seed=1, plan=[])
        assert store.session(sid)["used_s"] == 0
    with Store(db) as store:  # opening again changes nothing
        assert len(store.attempts()) == 1


def _renamed(folder):
    bank = MINI_BANK.replace("  - id: t.single\n", "  - id: t.first-choice\n    renamed_from: [t.single]\n")
    (folder / "bank.yaml").write_text(bank)
    return load_library([folder], check_templates=False)


def test_renamed_ids_carry_attempts_cards_and_plans(run, mini, tmp_path, data_dir):
    run("--bank", mini, "practice", "--answers", answers_file(tmp_path, {"t.single": "b"}), "--json")
    run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 7, "--json", input="q\n")  # paused, plan names t.single
    db = data_dir / "progress.sqlite"
    library = _renamed(mini)
    assert library.renames == {"t.single": "t.first-choice"}
    with Store(db) as store:
        due_before = {q: d for q, _, d in store.cards()}["t.single"]
        assert store.migrate_renamed(library.renames) > 0
        assert {a["question_id"] for a in store.attempts()} == {"t.first-choice"}
        assert {q: d for q, _, d in store.cards()} == {"t.first-choice": due_before}
        plan = store.unfinished("exam")[0]["plan"]
        assert "t.first-choice" in [e["question_id"] for e in plan] and "t.single" not in json.dumps(plan)
        assert store.migrate_renamed(library.renames) == 0  # idempotent
    # the CLI migrates on open: review finds the card under its new id
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    r = json.loads(run("--bank", mini, "review", "--now", later, "--json",
                       "--answers", answers_file(tmp_path, {"t.first-choice": "a"})).stdout)
    assert [i["question_id"] for i in r["items"]] == ["t.first-choice"]


def test_a_card_under_both_ids_keeps_the_newer(tmp_path):
    with Store(tmp_path / "c.sqlite") as store:
        old = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
        store.record(question_id="t.old", mode="practice", given="a", correct=True, when=old,
                     card_json="old-card", card_due=old)
        store.record(question_id="t.new", mode="practice", given="a", correct=False, when=old + dt.timedelta(days=1),
                     card_json="new-card", card_due=old)
        store.migrate_renamed({"t.old": "t.new"})
        assert [(q, c) for q, c, _ in store.cards()] == [("t.new", "new-card")]
        assert len(store.attempts(["t.new"])) == 2


def test_migration_is_one_transaction(tmp_path):
    db = tmp_path / "t.sqlite"
    with Store(db) as store:
        store.record(question_id="t.old", mode="practice", given="a", correct=True, card_json="c")
        store.start_session("exam", cert="c", seed=1, plan=[{"question_id": "t.old"}])
        real = store.conn

        class Failing:
            def execute(self, sql, *args):
                if sql.startswith("UPDATE quiz_sessions"):
                    raise sqlite3.OperationalError("disk I/O error")
                return real.execute(sql, *args)

        store.conn = Failing()
        with pytest.raises(sqlite3.OperationalError):
            store.migrate_renamed({"t.old": "t.new"})
        store.conn = real
        assert {a["question_id"] for a in store.attempts()} == {"t.old"}  # rolled back
        assert [q for q, _, _ in store.cards()] == ["t.old"]


def test_lint_refuses_an_old_id_in_use_or_claimed_twice(run, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "certs.yaml").write_text(MINI_CERTS)
    bank = MINI_BANK.replace("  - id: t.multiple\n", "  - id: t.multiple\n    renamed_from: [t.tf]\n") \
        .replace("  - id: t.numeric\n", "  - id: t.numeric\n    renamed_from: [t.gone]\n") \
        .replace("  - id: t.generated\n", "  - id: t.generated\n    renamed_from: [t.gone]\n")
    (folder / "bank.yaml").write_text(bank)
    result = run("lint", folder)
    assert result.exit_code == 1
    assert "renamed_from: 't.tf' is still the id of a question" in result.stdout
    assert "renamed_from: 't.gone' is also claimed by t.numeric" in result.stdout
    assert load_library([folder], check_templates=False).renames == {}
