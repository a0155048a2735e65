"""Moodle GIFT export/import round trip, and what GIFT cannot express."""
from __future__ import annotations

import yaml

from grader.quiz import gift
from grader.quiz.bank import load_library
from grader.quiz.export import question_dict


def _expressible(library):
    """What export and import both carry unchanged: not ordering or yes/no (no GIFT counterpart),
    not matching (exported; reading it back is the import side's to add), not generated (one
    instance), not a case-study question (its scenario joins the stem)."""
    return [e.question for e in library.questions.values()
            if e.question.type not in ("ordering", "yes_no", "matching") and e.case is None
            and getattr(e.question, "template", None) is None]


def test_round_trip_of_every_expressible_shipped_question():
    library = load_library(check_templates=False)
    questions = _expressible(library)
    text, warnings = gift.export(questions)
    bank, import_warnings = gift.import_text(text, "round.gift")
    assert import_warnings == []
    assert len(bank["questions"]) == len(questions)
    back = {q["id"]: q for q in bank["questions"]}
    for q in questions:
        original = question_dict(q)
        restored = back[q.id]
        for key in ("type", "topic", "difficulty", "mappings", "stem", "explanation", "answer", "choices",
                    "feedback", "tags", "references"):
            if key in original and original[key] not in (None, []):
                want = original[key].strip() if isinstance(original[key], str) else original[key]
                got = restored.get(key)
                got = got.strip() if isinstance(got, str) else got
                if key == "choices":
                    want = [{k: v.strip() if isinstance(v, str) else v for k, v in c.items() if v is not None} for c in want]
                assert got == want, (q.id, key)


def test_round_trip_through_cli(run, mini, tmp_path):
    out = tmp_path / "mini.gift"
    result = run("--bank", mini, "export", "--format", "gift", "-o", out)
    assert result.exit_code == 0
    assert "t.order: ordering questions have no GIFT equivalent; skipped" in result.stderr
    assert "1 generated question(s) exported as one fixed instance" in result.stderr
    text = out.read_text()
    assert "::t.single::" in text and "$CATEGORY: dlcert/activations" in text
    imported = tmp_path / "imported.yaml"
    result = run("--bank", mini, "import", out, "-o", imported)
    assert result.exit_code == 0, result.stderr
    assert "imported 5 question(s)" in result.stderr and "lint problem" not in result.stderr
    lib = load_library([mini / "certs.yaml", imported])
    assert lib.problems == []
    assert set(lib.questions) == {"t.single", "t.multiple", "t.tf", "t.numeric", "t.generated"}
    generated = lib.questions["t.generated"].question
    assert generated.template is None and generated.answer >= 4  # a fixed instance


def test_plain_moodle_gift_and_unsupported_items(tmp_path):
    text = """// a comment
$CATEGORY: $course$/dlcert/cnn

::Q1:: Which is a pooling layer? {
=MaxPool2d#right
~Conv2d#Conv2d has weights.
}

::Q2:: 2+2 \\= ? {#4:0.5}

::Q3:: Pick two {~%50%a ~%50%b ~%-100%c#no}

::Essay:: Tell me about CNNs {}

::Short:: Capital of France? {=Paris =paris}

::Match:: Match {=a -> 1 =b -> 2}

Grant is {~buried =entombed ~living} in Grant's tomb.

::TF:: The sky is green {F#It is blue.#Right.}
"""
    bank, warnings = gift.import_text(text, "plain.gift")
    types = {q["id"]: q["type"] for q in bank["questions"]}
    assert types == {"gift-q1": "single", "gift-q2": "numeric", "gift-q3": "multiple", "gift-tf": "true_false"}
    q1 = next(q for q in bank["questions"] if q["id"] == "gift-q1")
    assert q1["topic"] == "cnn" and q1["choices"][1]["feedback"] == "Conv2d has weights."
    q2 = next(q for q in bank["questions"] if q["id"] == "gift-q2")
    assert q2["stem"] == "2+2 = ?" and q2["answer"] == 4 and q2["tolerance"] == {"abs": 0.5}
    tf = next(q for q in bank["questions"] if q["id"] == "gift-tf")
    assert tf["answer"] is False and tf["feedback"] == "It is blue."
    joined = "\n".join(warnings)
    for fragment in ("essay", "short-answer", "matching", "missing-word"):
        assert fragment in joined
    yaml.safe_dump(bank)  # plain data
