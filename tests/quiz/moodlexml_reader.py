"""Read Moodle XML back as Moodle's importer does (question/format/xml/format.php: import_multichoice,
import_truefalse, import_numerical, import_match; qtype_ordering's import_from_xml), into bank data.

The test's point is that the meaning comes from Moodle's own elements: which answers carry which
fraction, which feedback, what tolerance, which subquestion pairs with which answer, the order of
the ordering items. Only what Moodle has no element for is taken from the `<!-- dlcert: -->` comment.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

TYPES = {"multichoice", "truefalse", "numerical", "matching", "ordering"}
GRADES = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2, 0.1666667, 0.1428571,
          0.125, 0.1111111, 0.1, 0.05)
"""question_bank::fraction_options_full(): with 0 and the negatives, the only fractions the importer accepts (within 1e-5)."""


def _on_grade_list(fraction: float) -> bool:
    return any(abs(abs(fraction) - g) < 1e-5 for g in GRADES) or fraction == 0


def _text(element, path: str) -> str:
    found = element.find(path)
    return (found.text or "") if found is not None else ""


def read(xml: str) -> list[dict]:
    root = ET.fromstring(xml, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    assert root.tag == "quiz"
    questions, meta, topic = [], None, None
    for node in root:
        if node.tag is ET.Comment:
            body = node.text.strip()
            assert body.startswith("dlcert: ")
            meta = json.loads(body[len("dlcert: "):])
            continue
        kind = node.get("type")
        if kind == "category":
            path = _text(node, "category/text")
            assert path.startswith("$course$/dlcert/")
            topic = path.rsplit("/", 1)[-1]
            continue
        assert kind in TYPES, kind
        assert node.find("questiontext").get("format") == "plain_text"
        question = {"id": _text(node, "idnumber"), "topic": topic, "difficulty": meta["difficulty"], "mappings": meta["mappings"],
                    "stem": _text(node, "questiontext/text"), "explanation": _text(node, "generalfeedback/text")}
        assert _text(node, "name/text") == question["id"] == meta["id"]
        question.update(READERS[kind](node, meta))
        tags = [_text(t, "text") for t in node.findall("tags/tag")]
        if tags:
            question["tags"] = tags
        for key in ("references", "renamed_from", "case_study"):
            if key in meta:
                question[key] = meta[key]
        questions.append(question)
        meta = None
    return questions


def _answers(node, scale: float = 100) -> list[tuple[float, str, str | None]]:
    """(fraction / scale, text, feedback) per <answer>, in document order (qformat_xml divides by 100)."""
    out = []
    for a in node.findall("answer"):
        feedback = a.find("feedback/text")
        out.append((float(a.get("fraction")) / scale, _text(a, "text"), feedback.text if feedback is not None else None))
    return out


def _choices(answers, keys) -> list[dict]:
    out = []
    for key, (_, text, feedback) in zip(keys, answers):
        choice = {"key": key, "text": text}
        if feedback:
            choice["feedback"] = feedback
        out.append(choice)
    return out


def multichoice(node, meta) -> dict:
    answers = _answers(node)
    assert all(_on_grade_list(f) for f, _, _ in answers), [f for f, _, _ in answers]
    keys = meta["keys"]
    shuffle = {"shuffle": _text(node, "shuffleanswers") not in ("0", "false")}
    if _text(node, "single") == "true":
        right = [k for k, (f, _, _) in zip(keys, answers) if f == 1]
        assert len(right) == 1 and all(f in (0, 1) for f, _, _ in answers)
        return {"type": "single", "choices": _choices(answers, keys), "answer": right[0], **shuffle}
    right = [k for k, (f, _, _) in zip(keys, answers) if f > 0]
    assert abs(sum(f for f, _, _ in answers if f > 0) - 1) < 1e-6  # full credit for exactly the right ones
    assert all(f == -1 for f, _, _ in answers if f <= 0)  # any wrong pick cancels the credit
    return {"type": "multiple", "choices": _choices(answers, keys), "answer": right, **shuffle}


def truefalse(node, meta) -> dict:
    answers = {text: (f, fb) for f, text, fb in _answers(node)}
    assert set(answers) == {"true", "false"}
    value = answers["true"][0] == 1
    out = {"type": "true_false", "answer": value}
    wrong = answers["false" if value else "true"][1]
    if wrong:
        out["feedback"] = wrong
    return out


def numerical(node, meta) -> dict:
    (fraction, text, _), = _answers(node)
    assert fraction == 1
    value, tolerance = float(text), float(_text(node.find("answer"), "tolerance"))
    want = meta["tolerance"]
    assert abs(tolerance - max(want["abs"], want["rel"] * abs(value))) < 1e-12  # Moodle's absolute margin is dlcert's
    out = {"type": "numeric", "answer": value, "tolerance": want}
    unit = _text(node, "units/unit/unit_name")
    if unit:
        out["unit"] = unit
    return out


def matching(node, meta) -> dict:
    pairs = [(_text(s, "text"), _text(s, "answer/text")) for s in node.findall("subquestion")]
    texts = list(dict.fromkeys(answer for _, answer in pairs))  # Moodle's distinct answers, in order
    key_of = dict(zip(texts, meta["keys"]["choices"]))
    prompts = [(k, p) for k, (p, _) in zip(meta["keys"]["prompts"], [pr for pr in pairs if pr[0]])]
    by_key = {key_of[t]: t for t in texts}
    out = {"type": "matching", "prompts": [{"key": k, "text": p} for k, p in prompts],
           "choices": [{"key": k, "text": by_key[k]} for k in meta["order"]],
           "answer": {k: key_of[a] for (k, _), (_, a) in zip(prompts, [pr for pr in pairs if pr[0]])},
           "shuffle": _text(node, "shuffleanswers") not in ("0", "false")}
    if meta.get("reuse"):
        out["reuse"] = True
    return out


def ordering(node, meta) -> dict:
    answers = sorted(_answers(node, scale=1), key=lambda a: a[0])  # qtype_ordering: the fraction is the position
    assert [a[0] for a in answers] == list(range(1, len(answers) + 1))
    assert _text(node, "gradingtype") == "ALL_OR_NOTHING" and _text(node, "selecttype") == "ALL"
    by_key = dict(zip(meta["keys"], answers))
    return {"type": "ordering", "choices": _choices([by_key[k] for k in meta["order"]], meta["order"]), "answer": meta["keys"]}


READERS = {"multichoice": multichoice, "truefalse": truefalse, "numerical": numerical, "matching": matching, "ordering": ordering}
