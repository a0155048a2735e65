"""Every question type in practice, exam and review, scripted through --answers and read from a
pipe; nothing shown before answering gives the answer away; exports of the new types."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from .conftest import FORMATS_RIGHT, answers_file

NEW = ("mlops.document-services", "mlops.storage-statements", "mlops.pipeline-order", "foundations.shop-task")
WRONG = {
    "mlops.document-services": "p1=c p2=b",
    "mlops.storage-statements": "y n n",       # 2 of 3 statements right
    "mlops.pipeline-order": ["a", "b", "c"],
    "foundations.shop-task": "b",
}


def test_practice_scripted_every_new_format(run, formats, tmp_path):
    right = {k: FORMATS_RIGHT[k] for k in NEW}
    r = json.loads(run("--bank", formats, "practice", "--answers", answers_file(tmp_path, right), "--json").stdout)
    items = {i["question_id"]: i for i in r["items"]}
    assert set(items) == set(NEW) and all(i["correct"] for i in items.values())
    assert items["mlops.document-services"]["given"] == {"p1": "a", "p2": "b"}
    assert items["foundations.shop-task"]["case_study"] == {"id": "shop", "title": "A web shop"}

    r = json.loads(run("--bank", formats, "practice", "--answers", answers_file(tmp_path, WRONG), "--json").stdout)
    items = {i["question_id"]: i for i in r["items"]}
    assert not any(i["correct"] for i in items.values())
    assert items["mlops.storage-statements"]["credit"] == 0  # practice: all or nothing
    assert items["mlops.storage-statements"]["feedback"][0].endswith("the answer is Yes.")
    assert "Rekognition is wrong" in items["mlops.document-services"]["feedback"][0]


def test_exam_scripted_scores_yes_no_per_statement(run, formats, tmp_path):
    answers = {**FORMATS_RIGHT, "mlops.storage-statements": WRONG["mlops.storage-statements"]}
    r = json.loads(run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 4, "--answers",
                       answers_file(tmp_path, answers), "--json").stdout)
    assert r["status"] == "finished" and r["questions"] == 6
    by_id = {e["question_id"]: e for e in r["review"]}
    assert "foundations.label-meaning" not in by_id and "foundations.split-size" not in by_id  # not its item types
    assert by_id["mlops.storage-statements"]["credit"] == round(2 / 3, 4)
    assert r["points"] == round(5 + 2 / 3, 2) and r["correct"] == 5
    assert r["score"]["passing"] is None and r["score"]["passed"] is None
    assert r["score"]["readiness_line"]["met"] is True and "not an official pass mark" in r["score"]["readiness_line"]["label"]
    assert sum(e["type"] == "multiple" for e in r["review"]) >= 2   # multiple_share 0.3 of 6
    blocks = [i for i, e in enumerate(r["review"]) if (e.get("case_study") or {}).get("id") == "shop"]
    assert len(blocks) == 2 and blocks[1] == blocks[0] + 1         # the case study is one block


def test_review_scripted_new_formats(run, formats, tmp_path):
    run("--bank", formats, "practice", "--answers", answers_file(tmp_path, WRONG), "--json")
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    right = {k: FORMATS_RIGHT[k] for k in NEW}
    r = json.loads(run("--bank", formats, "review", "--now", later, "--answers", answers_file(tmp_path, right),
                       "--json").stdout)
    assert {i["question_id"] for i in r["items"]} == set(NEW) and all(i["correct"] for i in r["items"])


def test_pipe_shows_labels_and_scenario_but_no_id(run, formats):
    result = run("--bank", formats, "practice", "--topic", "foundations", "-n", 1, "--seed", 0, input="a\n")
    shown = result.stdout.split("✓")[0].split("✗")[0]
    assert "Question 1/1" in shown and "a) " in shown
    for hidden in ("foundations.", "mlops.", "topic", "shop-"):
        assert hidden not in shown, hidden
    result = run("--bank", formats, "practice", "--topic", "foundations", "-n", 20, "--seed", 0, input="\n" * 40)
    assert "Case study: A web shop" in result.stdout


def test_pipe_answers_use_the_labels_shown(run, formats):
    result = run("--bank", formats, "practice", "--topic", "mlops", "-n", 1, "--seed", 2, "--json", input="q\n")
    prompt = result.stderr  # under --json the questions go to stderr
    assert "Question 1/1" in prompt
    lines = [l for l in prompt.splitlines() if l.startswith("  ")]
    r = json.loads(run("--bank", formats, "practice", "--topic", "mlops", "-n", 1, "--seed", 2, "--json",
                       input=_right_labels(lines, prompt) + "\n").stdout)
    assert r["items"][0]["correct"], (prompt, r["items"][0])


def _right_labels(lines: list[str], prompt: str) -> str:
    """The right answer, typed with the labels the pipe showed (read back from the printed lines)."""
    text_of = {l.strip()[3:]: l.strip()[0] for l in lines if l.strip()[1:3] == ") "}
    number_of = {l.strip().split(". ", 1)[1]: l.strip().split(".")[0] for l in lines if l.strip()[:1].isdigit()}
    if "Textract" in prompt:
        return f"{number_of['Read text from scanned forms']}{text_of['Textract']} " \
               f"{number_of['Find the sentiment of reviews']}{text_of['Comprehend']}"
    if "Objects are addressed" in prompt:
        truth = {"Objects are addressed by a key": "y", "Objects can be edited in place one byte at a time": "n",
                 "A bucket can hold millions of objects": "y"}
        return " ".join(f"{number_of[t]}{v}" for t, v in truth.items())
    if "Ingest" in prompt:
        return " ".join(text_of[t] for t in ("Ingest", "Train", "Deploy"))
    return ",".join(text_of[t] for t in ("Feature distribution drift", "Higher share of missing values"))


def test_exports_of_the_new_types(run, formats):
    gift = run("--bank", formats, "export", "--format", "gift")
    assert "=Read text from scanned forms -> Textract" in gift.stdout and "= -> Rekognition" in gift.stdout
    assert "Case study\\: A web shop." in gift.stdout
    assert "mlops.storage-statements: yes/no series have no GIFT equivalent" in gift.stderr
    data = json.loads(run("--bank", formats, "export", "--format", "json").stdout)
    assert data["case_studies"][0]["id"] == "shop"
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run("--bank", formats, "export", "--format", "csv").stdout))}
    assert rows["mlops.document-services"]["answer"] == "p1=a;p2=b"
    assert rows["mlops.storage-statements"]["answer"] == "s1=yes;s2=no;s3=yes"
    assert rows["mlops.storage-statements"]["items"].startswith("s1=Objects are addressed")
    assert rows["foundations.shop-task"]["case_study"] == "shop"
