"""The quiz CLI: every command has help; bad input is a usage error (exit 2, stderr), never a traceback."""
from __future__ import annotations

import json

import pytest

from grader.quiz.cli import quiz


def test_every_command_has_help(run):
    for name, command in quiz.commands.items():
        assert command.help, name
        result = run(name, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["practice", "--cert", "nope"], "unknown cert"),
    (["practice", "--domain", "d1"], "--domain needs --cert"),
    (["practice", "--cert", "test-cert", "--domain", "zz"], "has no domain"),
    (["practice", "--answers", "/nonexistent.yaml"], "cannot read /nonexistent.yaml"),
    (["practice", "--topic", "astrology"], "astrology"),
    (["export", "--attempts", "--format", "csv"], "JSON only"),
])
def test_usage_errors(run, mini, args, fragment):
    result = run("--bank", mini, *args)
    assert result.exit_code == 2
    assert fragment in result.stderr and result.stdout == ""


def test_bad_answers_file_is_a_usage_error(run, mini, tmp_path):
    for content in (b"- just\n- a list\n", b"\x00\x01binary", b"a: [unclosed\n"):
        path = tmp_path / "answers.yaml"
        path.write_bytes(content)
        result = run("--bank", mini, "practice", "--answers", path)
        assert result.exit_code == 2 and "--answers" in result.stderr


def test_unreadable_answer_counts_wrong_with_a_message(run, mini, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"t.numeric": "four", "t.single": "A"}))
    r = json.loads(run("--bank", mini, "practice", "--answers", path, "--json").stdout)
    items = {i["question_id"]: i for i in r["items"]}
    assert items["t.numeric"]["correct"] is False and "number" in items["t.numeric"]["invalid"]
    assert items["t.single"]["correct"] is True  # keys are case-insensitive


def test_practice_filters_and_stdin_lines(run, mini):
    result = run("--bank", mini, "practice", "--cert", "test-cert", "--domain", "d2", "-n", "5", "--json", input="4\n")
    r = json.loads(result.stdout)
    assert r["status"] == "stopped"  # stdin ran out after one answer
    assert r["asked"] == 1 and r["items"][0]["domain"] is None and r["items"][0]["topic"] == "cnn"


def test_export_formats_and_attempts(run, mini, tmp_path):
    j = json.loads(run("--bank", mini, "export", "--format", "json").stdout)
    assert {q["id"] for q in j["questions"]} >= {"t.single", "t.order"}
    csv_text = run("--bank", mini, "export", "--format", "csv").stdout
    assert csv_text.splitlines()[0].startswith("id,type,topic")
    run("--bank", mini, "practice", "--answers", "-", "--json", input='{"t.single": "a"}')
    attempts = json.loads(run("export", "--attempts").stdout)
    assert attempts["self_reported"] is True and attempts["attempts"][0]["question_id"] == "t.single"


def test_certs_lists_status(run):
    data = json.loads(run("certs", "--json").stdout)["certs"]
    status = {c["id"]: c["status"] for c in data}
    assert status["aws-mls-c01"] == "retired" and status["tensorflow-developer"] == "retired"
    assert status["aws-mla-c01"] == "active"
