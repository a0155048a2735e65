"""`dlcert quiz coverage`: the shipped banks meet every target, the table and JSON say so, and a
missed target fails."""
from __future__ import annotations

import json

from click.testing import CliRunner

from grader.quiz.blueprint import allocate, domain_weights
from grader.quiz.coverage import (HANDS_ON_TARGET, PAPERS_TARGET, TEMPLATE_TARGET, TOPIC_TARGET, TOTAL_TARGET,
                                  compute, coverage, load_all, report)
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
    questions, catalog, blocks = load_all()
    cov = compute(questions, catalog, blocks)
    rows = {(r.kind, r.name): r for r in cov.rows}
    mla = catalog.cert("aws-mla-c01")
    assert rows[("papers", "aws-mla-c01")].target == PAPERS_TARGET == 2
    assert rows[("cert", "aws-mla-c01")].target == 2 * mla.questions.value
    quota = allocate(domain_weights(mla), mla.questions.value)["data-preparation"]
    assert rows[("domain", "aws-mla-c01:data-preparation")].target == 2 * quota == 36
    assert ("papers", "azure-ai-900") not in rows                          # retired: no paper to supply
    assert rows[("domain", "azure-ai-900:generative-ai")].target == 0
    assert rows[("cert", "nvidia-dli-fdl")].target == HANDS_ON_TARGET       # hands-on: a knowledge check


def test_missed_target_is_reported():
    _, catalog, _ = load_all()
    cov = compute([], catalog)
    assert not cov.ok
    assert any(r.kind == "topic" and r.name == "gpu" for r in cov.missed)
    assert any(r.kind == "papers" and r.count == 0 for r in cov.missed)


def test_papers_count_disjoint_full_papers(formats):
    from tests.quiz.conftest import FORMATS_BANK

    questions, catalog, blocks = load_all(formats)
    papers = {r.name: r for r in compute(questions, catalog, blocks).rows if r.kind == "papers"}
    assert papers["fmt-cert"].count == 1 and not papers["fmt-cert"].ok
    assert papers["fmt-cert"].note == "6 questions; matching, multiple, ordering, single, yes_no; >= 2 multi-select"
    twin = FORMATS_BANK.replace("id: mlops.", "id: mlops.twin-").replace("id: foundations.", "id: foundations.twin-")
    (formats / "twin.yaml").write_text(twin)
    questions, catalog, blocks = load_all(formats)
    papers = {r.name: r for r in compute(questions, catalog, blocks).rows if r.kind == "papers"}
    assert papers["fmt-cert"].count == 2 and papers["fmt-cert"].ok
    result = CliRunner().invoke(coverage, ["--dir", str(formats), "--json"])
    rows = [r for r in json.loads(result.output)["rows"] if r["kind"] == "papers"]
    assert rows == [{"kind": "papers", "name": "fmt-cert", "count": 2, "target": 2, "ok": True,
                     "note": papers["fmt-cert"].note}]


def test_cli_table_and_json():
    runner = CliRunner()
    table = runner.invoke(coverage, [])
    assert table.exit_code == 0, table.output
    assert "aws-mla-c01" in table.output and "topic gpu" in table.output
    data = json.loads(runner.invoke(coverage, ["--json"]).output)
    assert data["ok"] is True and data["missed"] == []
    kinds = {row["kind"] for row in data["rows"]}
    assert kinds == {"total", "templates", "topic", "papers", "cert", "domain"}


def test_issue_8_banks_alone_meet_every_target():
    """quizzes/banks/ (this issue's banks) meet the targets without any other bank."""
    from grader.quiz.coverage import QUIZZES, load_bank, load_catalog

    questions = []
    for path in sorted((QUIZZES / "banks").glob("*.yaml")):
        questions.extend(load_bank(path).questions)
    cov = compute(questions, load_catalog())
    assert cov.missed == [], [f"{r.kind} {r.name}: {r.count} < {r.target}" for r in cov.missed]
