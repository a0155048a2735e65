"""Moodle GIFT: export/import round trip, and Moodle's own GIFT files imported with Moodle's meaning.

The fixtures under fixtures/moodle/ are Moodle's files, unchanged (see SOURCE.md there). For each
question of `examples.txt` the table below says what Moodle's importer makes of it
(question/format/gift/format.php) and what dlcert must: the same question, or a warning naming
its line.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from grader.quiz import gift, giftimport
from grader.quiz.bank import load_library
from grader.quiz.export import question_dict

MOODLE = Path(__file__).parent / "fixtures" / "moodle"


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
    bank, import_warnings = giftimport.import_text(text, "round.gift")
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


# --- Moodle's examples.txt ----------------------------------------------------------------------

# line -> (dlcert type, answer) for what imports, or (None, what the warning says) for what cannot
EXAMPLES = {
    8: ("single", "c"), 10: ("single", "b"), 12: ("true_false", False), 14: (None, "short-answer"), 16: ("numeric", (1822, 1)),
    25: ("single", "c"), 27: ("single", "b"), 29: ("single", "c"), 35: ("single", "b"), 43: (None, "short-answer"),
    45: (None, "short-answer"), 49: ("true_false", False), 51: ("true_false", True),
    55: ("matching", {"p1": "a", "p2": "b", "p3": "c"}), 61: ("matching", {"p1": "a", "p2": "b", "p3": "c", "p4": "d"}),
    70: ("numeric", (1822, 0)), 72: ("numeric", (3.1415, 0.0005)), 74: ("numeric", (3.1415, 0.0005)), 76: ("numeric", (1822, 0)),
    85: ("numeric", (4, 0)), 90: (None, "short-answer"), 93: ("single", "c"), 98: ("single", "c"), 103: (None, "short-answer"),
    108: (None, "short-answer"), 113: ("true_false", False), 115: ("single", "c"), 117: ("single", "d"), 123: (None, "short-answer"),
    130: ("multiple", ["b", "c"]), 136: ("multiple", ["b", "c"]), 143: ("single", "b"), 148: ("single", "f"),
    167: ("single", "c"), 169: ("single", "b"), 171: ("true_false", False), 173: (None, "short-answer"), 175: ("numeric", (1822, 5)),
    177: ("matching", {"p1": "a", "p2": "b", "p3": "c"}), 184: ("single", "b"), 190: ("single", "c"), 195: (None, "short-answer"),
    202: ("numeric", (1822, 0)),
}


@pytest.fixture(scope="module")
def examples():
    text = (MOODLE / "examples.txt").read_text()
    bank, warnings = giftimport.import_text(text, "examples.txt")
    return text, bank["questions"], warnings


def _question_lines(text: str) -> list[int]:
    """The first non-comment line of every blank-line-separated chunk that is not only comments."""
    starts, in_chunk = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            in_chunk = False
        elif not line.strip().startswith("//") and not in_chunk:
            starts.append(number)
            in_chunk = True
        elif line.strip():
            in_chunk = in_chunk or not line.strip().startswith("//")
    return starts


def test_every_example_is_imported_or_named_in_a_warning(examples):
    text, questions, warnings = examples
    assert _question_lines(text) == sorted(EXAMPLES)
    warned = {int(m.group(1)) for w in warnings if (m := re.match(r"examples\.txt:(\d+): ", w))}
    imported = [kind for kind, _ in EXAMPLES.values() if kind]
    assert [q["type"] for q in questions] == imported
    for line, (kind, what) in EXAMPLES.items():
        if kind is None:
            assert any(w.startswith(f"examples.txt:{line}: ") and what in w and "skipped" in w for w in warnings), line
    assert warned <= set(EXAMPLES)


def test_examples_keep_moodles_answers(examples):
    _, questions, _ = examples
    for (line, (kind, want)), q in zip([(l, e) for l, e in EXAMPLES.items() if e[0]], questions):
        if kind == "numeric":
            assert (q["answer"], q["tolerance"]["abs"]) == pytest.approx(want), line
        else:
            assert q["answer"] == want, line


def by_stem(questions, start: str, n: int = 0) -> dict:
    return [q for q in questions if q["stem"].startswith(start)][n]


def test_missing_word_special_characters_and_feedback(examples):
    _, questions, warnings = examples
    grant = by_stem(questions, "Grant is _____")
    assert grant["stem"] == "Grant is _____ in Grant's tomb." and [c["text"] for c in grant["choices"]] == ["buried", "entombed", "living"]
    assert by_stem(questions, "What is the value of pi")["stem"].endswith("? _____.")
    five = by_stem(questions, "Which answer equals 5?")
    assert [c["text"] for c in five["choices"]] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    control = by_stem(questions, "Which of the following is NOT")
    assert [c["text"] for c in control["choices"]] == ["~", "=", "#", "{", "}", "\\"]
    assert control["choices"][5]["feedback"].startswith("Correct! \\ (backslash) is not a control character.")
    fb = by_stem(questions, "What's the answer to this")
    assert [c.get("feedback") for c in fb["choices"]] == ["feedback comment on the wrong answer",
                                                          "feedback comment on this wrong answer", "Very good!"]
    tf = by_stem(questions, "Grant is buried in Grant's tomb.", 2)
    assert tf["feedback"] == "No one is buried in Grant's tomb."
    capitals = by_stem(questions, "Match the following countries")
    assert [(p["text"], capitals["choices"][ord(capitals["answer"][p["key"]]) - 97]["text"]) for p in capitals["prompts"]] == [
        ("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("India", "New Delhi")]


def test_partial_credit_stays_single_answer_with_a_warning_naming_the_line(examples):
    _, questions, warnings = examples
    half = by_stem(questions, "Difficult question.")
    assert half["type"] == "single" and half["answer"] == "c"
    assert any(w.startswith("examples.txt:115: answer b") and "50%" in w for w in warnings)
    assert any(w.startswith("examples.txt:117: answer c") and "50%" in w for w in warnings)
    assert any(w.startswith("examples.txt:130: ") and "partial credit" in w for w in warnings)
    assert any(w.startswith("examples.txt:76: the 50% answer 1822:2") for w in warnings)
    assert any(w.startswith("examples.txt:202: per-answer feedback") and "He was born in 1822." in w for w in warnings)


def test_questions_with_the_same_stem_get_distinct_ids(examples):
    _, questions, _ = examples
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if i.startswith("gift.who-s-buried-in-grant-s-tomb")] == [
        "gift.who-s-buried-in-grant-s-tomb", "gift.who-s-buried-in-grant-s-tomb-2", "gift.who-s-buried-in-grant-s-tomb-3"]


# --- the importer's test fixtures ---------------------------------------------------------------


def test_moodles_importer_fixtures():
    bank, warnings = giftimport.import_text((MOODLE / "questions.gift.txt").read_text(), "q.gift")
    q = {x["id"]: x for x in bank["questions"]}
    assert any(w.startswith("q.gift:2: 'Q8' is an essay") for w in warnings)
    activities = q["gift.moodle-activities"]
    assert activities["stem"] == "Match the activity to the description."  # [html] marker gone, tags too
    assert [p["text"] for p in activities["prompts"]][1:] == [
        "A teacher asks a question and specifies a choice of multiple responses.",
        "A bank of record entries which participants can add to.", "A collection of web pages that anyone can add to or edit."]
    assert [c["text"] for c in activities["choices"]] == ["Forum", "Choice", "Database", "Wiki", "Chat"]  # Chat: a distractor
    assert len(activities["prompts"]) == 4
    spectrum = q["gift.question-q2"]
    assert spectrum["answer"] == "a" and spectrum["choices"][1]["feedback"] == "wrong, it's yellow"
    assert spectrum["choices"][2]["text"] == "blue"
    colours = q["gift.colours"]
    assert colours["type"] == "multiple" and colours["answer"] == ["a", "c"] and colours["choices"][3]["text"] == "blue"
    five = q["gift.question-q5"]  # Moodle's own {#3:2~#Completely wrong}
    assert (five["answer"], five["tolerance"]) == (3.0, {"abs": 2.0})
    assert any(w.startswith("q.gift:31: per-answer feedback") and "Completely wrong" in w for w in warnings)
    answer = q["gift.question-q1"]
    assert answer["answer"] is False and answer["feedback"] == "42 is the Ultimate Answer."
    assert answer["explanation"] == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert any(w.startswith("q.gift:41: the feedback for the right answer ('You gave the right answer.')") for w in warnings)
    assert q["gift.2-08-tsl"]["answer"] is True and q["gift.2-08-tsl-2"]["answer"] is True
    assert any(w.startswith("q.gift:34: 'Shortanswer' is a short-answer") for w in warnings)


def test_moodles_category_fixture():
    bank, warnings = giftimport.import_text((MOODLE / "questions_in_category.gift.txt").read_text(), "c.gift")
    q = {x["id"]: x for x in bank["questions"]}
    greeting = q["gift.greeting"]
    assert greeting["stem"] == "Listen to this greeting:\n\nWhat language is being spoken?" and greeting["answer"] == "b"
    assert any(w.startswith("c.gift:14: 'Greeting': its [html] text became plain text") for w in warnings)
    assert q["gift.moodle-acronym"]["stem"] == "Moodle is an acronym for Modular Object-Oriented Dynamic Learning Environment."
    assert any(w.startswith("c.gift:22: 'Moodle user' is a short-answer") for w in warnings)
    assert any("3 question(s) have no topic" in w for w in warnings)


# --- defaults so that an imported bank passes lint -----------------------------------------------

LINTABLE = """$CATEGORY: $course$/Top/cnn

::Pooling:: Which layer has no weights? {
=MaxPool2d
~Conv2d#Conv2d learns its kernels.
####Pooling takes a fixed max or mean.}

::Kernel:: A 5x5 kernel on a 32x32 input, stride 1, no padding: output height? {#28####32 - 5 + 1 = 28.}

::ReLU grad:: ReLU's gradient at x > 0 is 1. {T#It is 1 for every positive x.####The slope of x is 1.}

::Kernel:: What output width does a 3x3 kernel give on a 10x10 input with stride 1 and no padding? {#8####10 - 3 + 1 = 8.}
"""


def test_topic_and_cert_defaults_make_an_imported_bank_lint_clean(run, mini, tmp_path):
    source = tmp_path / "lintable.gift"
    source.write_text(LINTABLE.replace("$course$/Top/cnn", "$course$/Top/Week 3"))
    out = tmp_path / "imported.yaml"
    result = run("--bank", mini, "import", source, "-o", out, "--topic", "cnn", "--cert", "test-cert")
    assert result.exit_code == 0, result.stderr
    assert "imported 4 question(s)" in result.stderr and "lint" not in result.stderr
    lib = load_library([mini / "certs.yaml", out])
    assert lib.problems == []
    assert {q.question.mappings[0] for q in lib.questions.values()} == {"test-cert:d2"}  # d2 covers cnn
    assert set(lib.questions) == {"cnn.kernel", "cnn.kernel-2", "cnn.pooling", "cnn.relu-grad"}
    result = run("--bank", mini, "import", source, "-o", tmp_path / "bare.yaml")
    assert "lint problem(s) to fix before use" in result.stderr and "no topic" in result.stderr
    result = run("--bank", mini, "import", source, "--cert", "no-such-cert")
    assert result.exit_code == 2 and "no cert 'no-such-cert'" in result.stderr
    result = run("--bank", mini, "import", source, "-o", tmp_path / "m.yaml", "--mapping", "test-cert:d1")
    assert yaml.safe_load((tmp_path / "m.yaml").read_text())["questions"][0]["mappings"] == ["test-cert:d1"]


def test_the_category_names_the_topic(tmp_path):
    bank, warnings = giftimport.import_text(LINTABLE, "l.gift")
    assert {q["topic"] for q in bank["questions"]} == {"cnn"} and not any("no topic" in w for w in warnings)
    yaml.safe_dump(bank)  # plain data
