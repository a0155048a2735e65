"""`dlcert class`: every command has help, usage errors exit 2, roster ids, quiz imports, submit zips."""
from __future__ import annotations

import json
import re
import subprocess

import pytest
from click.testing import CliRunner

from grader.classroom.cli import classroom
from grader.classroom.gradebook import Gradebook
from tests.classroom import classgen


@pytest.fixture
def runner():
    return CliRunner()


def test_every_command_has_help(runner):
    for name, command in classroom.commands.items():
        assert command.help and len(command.help) > 20, name
        result = runner.invoke(classroom, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output and "Example" in result.output, name


def test_usage_errors_exit_2(runner, tmp_path):
    (tmp_path / "a").mkdir()
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--executor", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.output
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--tasks", "nosuchmodule", "-g", str(tmp_path / "g.sqlite")])
    assert result.exit_code == 2 and "unknown module" in result.output
    result = runner.invoke(classroom, ["report", "-g", str(tmp_path / "missing.sqlite")])
    assert result.exit_code == 2 and "does not exist" in result.output
    (tmp_path / "r.csv").write_text("name\nann\n")
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--roster", str(tmp_path / "r.csv")])
    assert result.exit_code == 2 and "no id column" in result.output


def test_quiz_export_imports_and_feeds_item_statistics(runner, tmp_path):
    from grader.quiz.export import attempts_json
    from grader.quiz.store import Store

    marks = {"L1": [1, 1, 1], "L2": [1, 1, 0], "L3": [1, 0, 1], "L4": [1, 0, 0], "L5": [0, 0, 0]}  # test_itemstats' data
    files = []
    for learner, row in marks.items():
        with Store(tmp_path / f"{learner}.sqlite") as store:
            for n, mark in enumerate(row):
                store.record(question_id=f"q{n + 1}", mode="practice", given="a", correct=bool(mark))
            path = tmp_path / f"{learner}.json"
            path.write_text(attempts_json(store))
            files.append(str(path))
    book = str(tmp_path / "g.sqlite")
    result = runner.invoke(classroom, ["import-quiz", *files, "-g", book])
    assert result.exit_code == 0, result.output
    assert "3 new attempts for L1" in result.output and "self-reported" in result.output
    again = runner.invoke(classroom, ["import-quiz", files[0], "-g", book])
    assert "0 new attempts" in again.output
    items = runner.invoke(classroom, ["report", "--format", "items", "-g", book])
    stats = json.loads(items.output)
    assert stats["alpha"] == pytest.approx(57.6923, abs=1e-4) and stats["attempts"] == 5
    (tmp_path / "bad.json").write_text('{"format_version": 1}')
    bad = runner.invoke(classroom, ["import-quiz", str(tmp_path / "bad.json"), "-g", book])
    assert bad.exit_code == 2 and "not a quiz attempts export" in bad.output
    shown = runner.invoke(classroom, ["show", "L2", "-g", book, "--json"])
    assert json.loads(shown.output)["quiz"] == {"attempts": 3, "correct": 2, "self_reported": True}


@pytest.mark.slow
def test_roster_ids_and_a_real_submit_zip(tmp_path, dlcert_exe, class_cmd):
    ws = tmp_path / "ws"
    subprocess.run([*dlcert_exe, "init", str(ws)], check=True, capture_output=True)
    (ws / classgen.rel("neurons")).write_text(classgen.solution("neurons"))
    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    done = subprocess.run([*dlcert_exe, "submit", "--out", str(hand_ins / "asmith.zip")], cwd=ws, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    classgen.write_folder(hand_ins / "b.jones@uni.example", {"neurons.py": classgen.stub("neurons")})
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID,Name,Email,Submission\nS1,Ann Smith,ann@uni.example,asmith.zip\nS2,Bo Jones,b.jones@uni.example,\n"
                      "S3,Cy Absent,cy@uni.example,\n")
    book = tmp_path / "g.sqlite"
    done = subprocess.run([*class_cmd, "grade", str(hand_ins), "-t", "neurons", "--roster", str(roster), "-g", str(book), "-j", "1"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with Gradebook(book) as gb:
        learners = {l["id"]: l for l in gb.learners()}
        assert set(learners) == {"S1", "S2", "S3"} and learners["S1"]["name"] == "Ann Smith"
        latest = gb.latest_submissions()
        assert {r["status"] for r in gb.results(latest["S1"].id)} == {"passed"}
        assert {r["status"] for r in gb.results(latest["S2"].id)} == {"not_implemented"}
        assert "S3" not in latest
    csv_out = subprocess.run([*class_cmd, "report", "--format", "csv", "-g", str(book)], capture_output=True, text=True)
    lines = [l for l in csv_out.stdout.splitlines() if l.startswith("S3,")]
    assert len(lines) == 2 and all(",missing," in l for l in lines)


def test_grade_help_states_the_limits_and_layouts(runner):
    text = runner.invoke(classroom, ["grade", "--help"]).output
    assert "--max-size" in text and "64" in text and "--max-files" in text and "2000" in text
    assert "moodle" in text and "canvas" in text and "github-classroom" in text


def test_dask_errors_are_one_line(runner, tmp_path, monkeypatch):
    import grader.classroom.cli as cli

    (tmp_path / "a").mkdir()
    monkeypatch.setattr(cli, "DASK_CONNECT_SECONDS", 1)
    for address in ("tcp://127.0.0.1:9", "not-a-scheduler::"):
        result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--scheduler", address, "-g", str(tmp_path / "g.sqlite")])
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert f"no Dask scheduler answered at {address}" in result.output and "dask worker" in result.output
        assert len(result.output.strip().splitlines()) == 1
    monkeypatch.setitem(__import__("sys").modules, "distributed", None)  # as if not installed
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1 and "pip install 'dlcert[class]'" in result.output and "Traceback" not in result.output
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "--executor", "local", "--scheduler", "tcp://x:1"])
    assert result.exit_code == 2 and "Dask scheduler" in result.output


def test_a_gradebook_graded_with_a_secret_refuses_a_run_without_it(runner, tmp_path):
    book_path = tmp_path / "g.sqlite"
    with Gradebook(book_path) as book:
        book.start_run("local", 1, ["neurons.perceptron"], "0.1.0", keyed=True)
    (tmp_path / "a").mkdir()
    result = runner.invoke(classroom, ["grade", str(tmp_path / "a"), "-t", "neurons", "-g", str(book_path)], env={"DLCERT_CLASS_SECRET": ""})
    assert result.exit_code == 2 and "was graded with a secret" in result.output and "DLCERT_CLASS_SECRET" in result.output
    with Gradebook(book_path) as book:
        assert book.count("runs") == 1  # nothing was started


@pytest.mark.slow
def test_a_class_run_from_the_command_line_summarises_and_reports(tmp_path, class_cmd):
    hand_ins = tmp_path / "hand-ins"
    classgen.write_folder(hand_ins / "ann", {"neurons.py": classgen.solution("neurons")})  # no activations.py
    (hand_ins / "cat.zip").write_bytes(b"not a zip")
    classgen.write_folder(hand_ins / "eve", {"neurons.py": classgen.solution("neurons")})
    roster = tmp_path / "roster.csv"
    roster.write_text("id;name\nann;Ann\ncat;Cat\ndi;Di\n")
    book = str(tmp_path / "g.sqlite")
    done = subprocess.run([*class_cmd, "grade", str(hand_ins), "-t", "neurons", "-t", "activations", "--roster", str(roster),
                           "-g", book, "-j", "1"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Could not be graded:" in done.stderr and "cat (cat.zip): corrupt" in done.stderr
    assert "On the roster, no hand-in: di" in done.stderr and "Not on the roster (graded under their own names): eve" in done.stderr
    with Gradebook(book) as gb:
        ann = {r["task"]: r for r in gb.results(gb.latest_submissions()["ann"].id)}
    missing = ann["activations.relu"]["checks"][0]["message"]
    assert ann["activations.relu"]["status"] == "not_implemented" and missing.startswith("no activations.py in this hand-in")
    assert "/tmp" not in missing and "dlcert-class-" not in missing and "upgrade" not in missing and "reset" not in missing
    assert ann["neurons.perceptron"]["status"] == "passed"

    existing = tmp_path / "report"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    done = subprocess.run([*class_cmd, "report", "--out", str(existing), "-g", book], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (existing / "index.html").is_file() and (existing / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in (existing / "learners").iterdir()) == ["ann.html", "cat.html", "di.html", "eve.html"]
    index = (existing / "index.html").read_text()
    assert re.search(r'id="missing">On the roster with no hand-in \(1\): <span class="missing-learner">di</span>', index)
    assert re.search(r'id="unknown">Handed in but not on the roster \(1\): <span class="unknown-learner">eve</span>', index)
    for fmt in ("csv", "json", "items"):
        done = subprocess.run([*class_cmd, "report", "--format", fmt, "--out", str(existing), "-g", book], capture_output=True, text=True)
        assert done.returncode == 2 and "is a folder; give a file name" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([*class_cmd, "report", "--out", str(existing / "keep.txt"), "-g", book], capture_output=True, text=True)
    assert done.returncode == 2 and "is a file; give a folder" in done.stderr
    single = tmp_path / "one.html"
    done = subprocess.run([*class_cmd, "report", "--out", str(single), "-g", book], capture_output=True, text=True)
    assert done.returncode == 0 and single.is_file() and (tmp_path / "one-learners" / "ann.html").is_file()
    feedback = tmp_path / "feedback"
    done = subprocess.run([*class_cmd, "feedback", "--out", str(feedback), "-g", book], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in feedback.iterdir()) == ["ann.html", "ann.md", "cat.html", "cat.md", "eve.html", "eve.md"]
    text = (feedback / "ann.md").read_text()
    assert "| activations.relu | not_implemented | 0 / 1 |" in text and "no activations.py in this hand-in" in text
    assert "eve" not in text and "cat" not in text.replace("activations", "")  # nothing about other learners
    assert "could not be graded (corrupt)" in (feedback / "cat.md").read_text()
