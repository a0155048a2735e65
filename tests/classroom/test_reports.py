"""Reports from the hostile class's gradebook: CSV/JSON rows, Gradescope files, HTML escaping, show."""
from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest

from grader.classroom import pages, reports
from grader.classroom.gradebook import Gradebook
from grader.results import Check, Diagnosis, TaskResult
from tests.classroom import classgen

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data(graded_class):
    with Gradebook(graded_class.gradebook) as book:
        return reports.collect(book)


def test_one_row_per_learner_and_task(graded_class, data):
    n_learners, n_tasks = len(graded_class.expected), len(classgen.task_ids())
    rows = list(csv.DictReader(io.StringIO(reports.to_csv(data))))
    assert len(rows) == n_learners * n_tasks
    assert {(r["learner"], r["task"]) for r in rows} == {(l, t) for l in graded_class.expected for t in classgen.task_ids()}
    as_json = json.loads(reports.to_json(data))
    assert len(as_json["rows"]) == n_learners * n_tasks and as_json["tasks"] == classgen.task_ids()
    by_key = {(r["learner"], r["task"]): r for r in rows}
    assert by_key[("m_perceptron_ge_zero", "neurons.perceptron")]["mistake"] == "ge_zero"
    assert by_key[("x01_traversal", "neurons.perceptron")]["status"] == "rejected"
    assert by_key[("h01_hangs", "neurons.perceptron")]["status"] == "timeout"


def test_task_summaries_count_named_mistakes(graded_class, data):
    summary = {s.task: s for s in data.task_summaries}
    perceptron = summary["neurons.perceptron"]
    assert dict(perceptron.mistakes) == {"ge_zero": 1, "no_bias": 1, "returns_bool": 1, "sign_labels": 1}
    learners = len(graded_class.expected)  # one per known mistake of the mutated tasks, and more
    assert perceptron.submitted == learners
    assert perceptron.pass_rate == pytest.approx(100 * perceptron.passed / learners, abs=0.05)
    assert perceptron.mean_seconds is not None


def test_gradescope_results_per_learner(graded_class, data, tmp_path):
    written = reports.write_gradescope(data, tmp_path / "gs")
    assert len(written) == len(graded_class.expected)
    result = json.loads((tmp_path / "gs" / "m_relu_minimum" / "results.json").read_text())
    assert_gradescope_format(result)
    tests = {t["name"]: t for t in result["tests"]}
    assert tests["activations.relu"]["status"] == "failed" and tests["neurons.perceptron"]["status"] == "passed"
    assert result["score"] == pytest.approx(sum(t["score"] for t in result["tests"]))


def assert_gradescope_format(result: dict) -> None:
    assert isinstance(result["score"], float | int) and isinstance(result["execution_time"], int)
    assert isinstance(result["output"], str)
    for test in result["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed") and test["visibility"] in reports.VISIBILITIES
        assert 0 <= test["score"] <= test["max_score"]


def test_csv_neutralises_formulas():
    assert reports._csv_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert reports._csv_safe("alice") == "alice"


def test_html_escapes_everything_learners_wrote(tmp_path):
    evil = '<script>alert(1)</script>"\'&'
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.add_learner(evil, name="<img src=x onerror=alert(2)>", email="e@x")
        sub = book.submission(evil, "h", 0, source="s", kind="zip", received_at="t")
        bad = TaskResult("neurons.perceptron", "failed", 0.0, 1.0, [Check("c", False, "<b>bold</b>")],
                         Diagnosis("<i>m</i>", "c", 1.0, 1.0, "<script>x</script>"), 0.1)
        book.record_results(sub.id, [bad], {"neurons.perceptron": "h"}, "0.1.0")
        data = reports.collect(book)
    learner = data.learners[0]
    for html in (pages.class_page(data), pages.learner_page(data, learner), pages.learner_page(data, learner, feedback=True)):
        assert "<script>" not in html and "<img" not in html and "<i>m</i>" not in html and "<b>bold" not in html
        assert "&lt;script&gt;" in html
        assert "http://" not in html and "https://" not in html  # nothing to fetch: a self-contained file
    assert "/" not in learner.page and learner.page.endswith(".html") and learner.page != evil + ".html"
    assert pages.fence("ok") == "```" and pages.fence("a ``` b") == "````"  # learner text cannot close the Markdown fence


def test_show_and_report_from_the_command_line(graded_class, class_cmd, tmp_path):
    book = str(graded_class.gradebook)
    shown = subprocess.run([*class_cmd, "show", "m_perceptron_ge_zero", "-g", book, "--json"], capture_output=True, text=True)
    assert shown.returncode == 0, shown.stderr
    history = json.loads(shown.stdout)
    statuses = {r["task"]: (r["status"], r["mistake"]) for r in history["submissions"][0]["results"]}
    assert statuses["neurons.perceptron"] == ("failed", "ge_zero")
    text = subprocess.run([*class_cmd, "show", "x04_folder_symlink", "-g", book], capture_output=True, text=True)
    assert text.returncode == 0 and "rejected" in text.stdout and "/etc/passwd" in text.stdout
    missing = subprocess.run([*class_cmd, "show", "nobody", "-g", book], capture_output=True, text=True)
    assert missing.returncode == 2 and "no learner" in missing.stderr
    for fmt in ("csv", "json", "html"):
        out = tmp_path / f"r.{fmt}"
        done = subprocess.run([*class_cmd, "report", "--format", fmt, "--out", str(out), "-g", book], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert out.stat().st_size > 1000
    piped = subprocess.run([*class_cmd, "report", "--format", "csv", "-t", "neurons", "-g", book], capture_output=True, text=True)
    assert len(piped.stdout.strip().splitlines()) == 1 + 2 * len(graded_class.expected)
