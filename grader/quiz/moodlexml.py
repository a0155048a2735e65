"""Moodle XML export (docs.moodle.org/en/Moodle_XML_format): what GIFT loses, Moodle keeps natively.

One `<quiz>` of `<question type="...">` elements, a `category` question before each topic
(`$course$/dlcert/<topic>`), each question with `<name>` and `<idnumber>` (the dlcert id),
`<questiontext>` and `<generalfeedback>` (the explanation) as plain text, its `<tags>` and:

- single: `multichoice`, `<single>true</single>`, fraction 100 on the answer, 0 elsewhere;
- multiple: `multichoice`, `<single>false</single>`, 100/k on each of the k right options and -100
  on each wrong one, so any wrong pick scores 0 (Moodle still gives partial credit for some of the
  right options; dlcert does not). Moodle's importer refuses a fraction that is not on its grade
  list (within 1e-5); 1/k is on it for every k ≤ 10, and a multiple question has at most 9 right;
- true_false: `truefalse`, the `true`/`false` answers, the wrong one's feedback being dlcert's;
- numeric: `numerical`, the answer with its absolute tolerance max(abs, rel·|answer|) and its unit;
  a generated question as one fixed instance (warned);
- matching: `matching`, a `<subquestion>` per prompt with its choice, extra choices as subquestions
  with empty text (Moodle's distractors);
- ordering: `ordering` (qtype_ordering), the items in their right order (fraction = position),
  all-or-nothing grading.

Per-answer feedback goes in each `<answer><feedback>`. `shuffle: false` is `<shuffleanswers>0`.
What Moodle has no element for (difficulty, mappings, references, renamed_from, choice keys, a
relative tolerance, the order options are listed in) is carried in an XML comment
`<!-- dlcert: {json} -->` before the question, which Moodle ignores. `yes_no` questions have no
Moodle counterpart and are skipped with a warning.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from grader.quiz import templates

META = "dlcert: "
TEXT_FORMAT = "plain_text"


def _fraction(value: float) -> str:
    """Moodle writes fractions as percentages with up to 7 decimals (33.3333333 for 1/3)."""
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _text(parent: ET.Element, tag: str, text: str, fmt: str | None = TEXT_FORMAT) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = text
    return element


def _value(parent: ET.Element, tag: str, value: Any) -> None:
    ET.SubElement(parent, tag).text = str(value)


def _answer(parent: ET.Element, fraction: float, text: str, feedback: str | None = None, **extra: Any) -> ET.Element:
    answer = ET.SubElement(parent, "answer", {"fraction": _fraction(fraction), "format": TEXT_FORMAT})
    ET.SubElement(answer, "text").text = text
    for tag, value in extra.items():
        _value(answer, tag, value)
    if feedback:
        _text(answer, "feedback", feedback)
    return answer


def export(questions: list[Any], seed: int = 0) -> tuple[str, list[str]]:
    """Moodle XML for `questions`, and a warning for each thing Moodle cannot hold."""
    rng = np.random.default_rng(seed)
    quiz = ET.Element("quiz")
    warnings: list[str] = []
    category = None
    for q in questions:
        if q.type == "yes_no":
            warnings.append(f"{q.id}: yes/no statement series have no Moodle question type; skipped")
            continue
        if q.topic != category:
            category = q.topic
            cat = ET.SubElement(quiz, "question", {"type": "category"})
            _text(cat, "category", f"$course$/dlcert/{category}", None)
        meta: dict[str, Any] = {"id": q.id, "difficulty": q.difficulty, "mappings": list(q.mappings)}
        for key in ("references", "renamed_from"):
            if getattr(q, key):
                meta[key] = list(getattr(q, key))
        if q.case_study:
            meta["case_study"] = q.case_study
            warnings.append(f"{q.id}: the case study's scenario is not exported with the question")
        stem, explanation = q.stem.strip(), q.explanation.strip()
        element = ET.Element("question", {"type": _MOODLE_TYPE[q.type]})
        _text(element, "name", q.id, None)
        answer = q.answer
        if q.type == "numeric" and q.template is not None:
            instance = templates.instantiate(q, rng)
            stem, explanation, answer = instance.stem.strip(), instance.explanation.strip(), instance.answer
            meta["instance_of_template"] = q.template.formula
            warnings.append(f"{q.id}: a generated question, exported as one fixed instance (seed {seed})")
        _text(element, "questiontext", stem)
        _text(element, "generalfeedback", explanation)
        _value(element, "defaultgrade", 1)
        _value(element, "penalty", "0.3333333")
        _value(element, "hidden", 0)
        _value(element, "idnumber", q.id)
        _BODY[q.type](element, q, meta, warnings, answer)
        if q.tags:
            tags = ET.SubElement(element, "tags")
            for tag in q.tags:
                ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
        quiz.append(ET.Comment(f" {META}{_comment_json(meta)} "))
        quiz.append(element)
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n", warnings


def _comment_json(meta: dict) -> str:
    """JSON safe inside an XML comment, which may not hold `--` (only strings can, and JSON reads \\u002d as `-`)."""
    return json.dumps(meta, ensure_ascii=False).replace("--", "-\\u002d")


_MOODLE_TYPE = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse", "numeric": "numerical",
                "matching": "matching", "ordering": "ordering"}


def _choices(element: ET.Element, q: Any, meta: dict, single: bool) -> None:
    meta["keys"] = [c.key for c in q.choices]
    _value(element, "single", "true" if single else "false")
    _value(element, "shuffleanswers", int(q.shuffle))
    _value(element, "answernumbering", "abc")
    right = {q.answer} if single else set(q.answer)
    for c in q.choices:
        fraction = (100 if single else 100 / len(right)) if c.key in right else (0 if single else -100)
        _answer(element, fraction, c.text.strip(), c.feedback.strip() if c.feedback else None)


def _single(element, q, meta, warnings, answer) -> None:
    _choices(element, q, meta, single=True)


def _multiple(element, q, meta, warnings, answer) -> None:
    _choices(element, q, meta, single=False)


def _true_false(element, q, meta, warnings, answer) -> None:
    for value in (True, False):
        wrong = value != q.answer
        _answer(element, 0 if wrong else 100, "true" if value else "false", q.feedback.strip() if wrong and q.feedback else None)


def _numeric(element, q, meta, warnings, answer) -> None:
    tolerance = max(q.tolerance.abs, q.tolerance.rel * abs(answer))
    meta["tolerance"] = {"abs": q.tolerance.abs, "rel": q.tolerance.rel}
    _answer(element, 100, repr(float(answer)), None, tolerance=repr(float(tolerance)))
    if q.unit:  # Moodle then lets the learner type the unit, optionally (its default with units)
        units = ET.SubElement(ET.SubElement(element, "units"), "unit")
        _value(units, "multiplier", 1)
        _value(units, "unit_name", q.unit)


def _matching(element, q, meta, warnings, answer) -> None:
    text = {c.key: c.text.strip() for c in q.choices}
    written = list(dict.fromkeys([q.answer[p.key] for p in q.prompts] + [c.key for c in q.choices]))
    meta["keys"] = {"prompts": [p.key for p in q.prompts], "choices": written}  # choice keys in the order written
    meta["order"] = [c.key for c in q.choices]
    if q.reuse:
        meta["reuse"] = True
    _value(element, "shuffleanswers", int(q.shuffle))
    for p in q.prompts:
        sub = _text(element, "subquestion", p.text.strip())
        ET.SubElement(ET.SubElement(sub, "answer"), "text").text = text[q.answer[p.key]]
    for key in written:
        if key not in q.answer.values():  # Moodle's distractor: a subquestion without text
            sub = _text(element, "subquestion", "")
            ET.SubElement(ET.SubElement(sub, "answer"), "text").text = text[key]
    if any(c.feedback for c in [*q.prompts, *q.choices]):
        warnings.append(f"{q.id}: Moodle's matching questions have no per-choice feedback; dropped")


def _ordering(element, q, meta, warnings, answer) -> None:
    meta["keys"] = list(q.answer)  # the items' keys, in the right order as written
    meta["order"] = [c.key for c in q.choices]  # the order dlcert lists them in (Moodle always shuffles)
    for tag, value in (("layouttype", "VERTICAL"), ("selecttype", "ALL"), ("selectcount", 0), ("gradingtype", "ALL_OR_NOTHING"),
                       ("showgrading", "SHOW"), ("numberingstyle", "none")):
        _value(element, tag, value)
    by_key = {c.key: c for c in q.choices}
    for position, key in enumerate(q.answer, 1):
        c = by_key[key]
        _answer(element, position, c.text.strip(), c.feedback.strip() if c.feedback else None)


_BODY = {"single": _single, "multiple": _multiple, "true_false": _true_false, "numeric": _numeric, "matching": _matching,
         "ordering": _ordering}
