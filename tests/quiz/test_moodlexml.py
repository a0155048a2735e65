"""Moodle XML export: every shipped question (and every type in a small bank) read back as Moodle's
importer reads it gives the same question; what Moodle cannot hold is warned."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from pydantic import TypeAdapter

from grader.quiz import moodlexml
from grader.quiz.bank import load_library
from grader.quiz.export import question_dict
from grader.quiz.schema import Question
from tests.quiz import moodlexml_reader

ADAPTER = TypeAdapter(Question)

EVERY_TYPE = """\
format_version: 1
questions:
  - id: t.match
    type: matching
    topic: mlops
    difficulty: 2
    mappings: [test-cert:d1]
    stem: Match each need to the service.
    prompts:
      - {key: p1, text: Extract text from forms}
      - {key: p2, text: Sentiment of reviews}
    choices:
      - {key: a, text: Textract}
      - {key: c, text: Rekognition}
      - {key: b, text: Comprehend}
    answer: {p1: a, p2: b}
    shuffle: false
    explanation: Textract reads documents; Comprehend analyses text.
  - id: t.rel-tolerance
    type: numeric
    topic: cnn
    difficulty: 1
    mappings: [test-cert:d2]
    stem: How many milliseconds? (within 2 %)
    answer: 250
    tolerance: {abs: 1, rel: 0.02}
    unit: ms
    explanation: About 250 ms.
    tags: [timing]
    references: [https://example.com/a--b]
  - id: t.yes-no
    type: yes_no
    topic: cnn
    difficulty: 1
    mappings: [test-cert:d2]
    stem: For each statement, yes or no.
    statements:
      - {key: s1, text: Pooling has weights., answer: false}
      - {key: s2, text: Convolution shares weights., answer: true}
    explanation: Pooling is fixed; convolution shares its kernel.
"""


def normal(data):
    """Strings stripped (YAML block scalars end in a newline; Moodle's text does not)."""
    if isinstance(data, dict):
        return {k: normal(v) for k, v in data.items()}
    if isinstance(data, list):
        return [normal(v) for v in data]
    return data.strip() if isinstance(data, str) else data


def round_trip(questions):
    text, warnings = moodlexml.export(questions)
    ET.fromstring(text)  # well-formed
    back = {q["id"]: ADAPTER.validate_python(q) for q in moodlexml_reader.read(text)}
    return back, warnings


def test_every_shipped_question_round_trips():
    library = load_library(check_templates=False)
    questions = [e.question for e in library.questions.values()]
    back, warnings = round_trip(questions)
    generated = [q for q in questions if getattr(q, "template", None) is not None]
    assert len(back) == len(questions) - sum(q.type == "yes_no" for q in questions)
    for q in questions:
        if q.type == "yes_no":
            continue
        got = back[q.id]
        if q in generated:
            assert got.template is None and got.answer is not None  # one fixed instance
            continue
        want = question_dict(q)
        if q.type == "matching":  # Moodle's matching has no per-choice feedback: dropped, with a warning
            assert any(w.startswith(f"{q.id}: ") for w in warnings) or not any(c.get("feedback") for c in want["choices"] + want["prompts"])
            want = {**want, **{part: [{k: v for k, v in c.items() if k != "feedback"} for c in want[part]]
                               for part in ("prompts", "choices")}}
        assert normal(question_dict(got)) == normal(want), q.id
    assert sum("fixed instance" in w for w in warnings) == len(generated)


def test_matching_relative_tolerance_units_tags_and_yes_no(tmp_path, mini):
    bank = tmp_path / "every.yaml"
    bank.write_text(EVERY_TYPE)
    library = load_library([mini / "certs.yaml", mini / "bank.yaml", bank], check_templates=False)
    assert library.problems == []
    questions = [e.question for e in library.questions.values()]
    back, warnings = round_trip(questions)
    for q in questions:
        if q.type == "yes_no" or getattr(q, "template", None) is not None:
            continue
        assert normal(question_dict(back[q.id])) == normal(question_dict(q)), q.id
    assert "t.yes-no: yes/no statement series have no Moodle question type; skipped" in warnings
    text, _ = moodlexml.export(questions)
    node = ET.fromstring(text)
    numeric = next(q for q in node.iter("question") if q.findtext("idnumber") == "t.rel-tolerance")
    assert numeric.findtext("answer/tolerance") == "5.0"  # max(1, 0.02 * 250): Moodle's absolute margin
    match = next(q for q in node.iter("question") if q.findtext("idnumber") == "t.match")
    pairs = [(s.findtext("text"), s.findtext("answer/text")) for s in match.findall("subquestion")]
    assert pairs == [("Extract text from forms", "Textract"), ("Sentiment of reviews", "Comprehend"), ("", "Rekognition")]
    assert match.findtext("shuffleanswers") == "0"
    multiple = next(q for q in node.iter("question") if q.findtext("idnumber") == "t.multiple")
    assert [a.get("fraction") for a in multiple.findall("answer")] == ["50", "-100", "50"]


def test_the_cli_writes_moodle_xml(run, mini, tmp_path):
    out = tmp_path / "bank.xml"
    result = run("--bank", mini, "export", "--format", "moodle-xml", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "t.generated: a generated question, exported as one fixed instance" in result.stderr
    ids = {q["id"] for q in moodlexml_reader.read(out.read_text())}
    assert ids == {"t.single", "t.multiple", "t.tf", "t.numeric", "t.generated", "t.order"}
