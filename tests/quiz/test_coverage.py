"""`dlcert quiz coverage`: the shipped banks meet every target, the table and JSON say so, and a
missed target fails."""
from __future__ import annotations

import json

from click.testing import CliRunner

from grader.quiz.coverage import (HANDS_ON_TARGET, TEMPLATE_TARGET, TOPIC_TARGET, TOTAL_TARGET,
                                  compute, coverage, domain_target, load_all, report)
from grader.quiz.schema import TOPICS


def test_shipped_banks_meet_every_target():
    cov = report()
    assert cov.missed == [], [f"{r.kind} {r.name}: {r.count} < {r.target}" for r in cov.missed]
    rows = {(r.kind, r.name): r for r in cov.rows}
    assert rows[("total", "questions")].count >= TOTAL_TARGET
    assert rows[("templates", "generated numeric templates")].count >= TEMPLATE_TARGET
    for topic in TOPICS:
        assert rows[("topic", topic)].count >= TOPIC_TARGET
    for cert_id in ("nvidia-dli-fdl", "tensorflow-developer"):
        assert rows[("cert", cert_id)].count >= HANDS_ON_TARGET


def test_targets_follow_the_catalog():
    questions, catalog = load_all()
    cov = compute(questions, catalog)
    rows = {(r.kind, r.name): r for r in cov.rows}
    mla = catalog.cert("aws-mla-c01")
    assert rows[("cert", "aws-mla-c01")].target == mla.questions.value
    assert rows[("domain", "aws-mla-c01:data-preparation")].target == domain_target(65, 28) == 19
    assert domain_target(50, (20, 25)) == 13   # the upper end of a published range
    assert rows[("domain", "azure-ai-900:generative-ai")].target == 13


def test_missed_target_is_reported():
    _, catalog = load_all()
    cov = compute([], catalog)
    assert not cov.ok
    assert any(r.kind == "topic" and r.name == "gpu" for r in cov.missed)


def test_cli_table_and_json():
    runner = CliRunner()
    table = runner.invoke(coverage, [])
    assert table.exit_code == 0, table.output
    assert "aws-mla-c01" in table.output and "topic gpu" in table.output
    data = json.loads(runner.invoke(coverage, ["--json"]).output)
    assert data["ok"] is True and data["missed"] == []
    kinds = {row["kind"] for row in data["rows"]}
    assert kinds == {"total", "templates", "topic", "cert", "domain"}


def test_issue_8_banks_alone_meet_every_target():
    """quizzes/banks/ (this issue's banks) meet the targets without any other bank."""
    from grader.quiz.coverage import QUIZZES, load_bank, load_catalog

    questions = []
    for path in sorted((QUIZZES / "banks").glob("*.yaml")):
        questions.extend(load_bank(path).questions)
    cov = compute(questions, load_catalog())
    assert cov.missed == [], [f"{r.kind} {r.name}: {r.count} < {r.target}" for r in cov.missed]
