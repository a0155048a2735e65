"""`dlcert quiz lint`: shipped banks are clean; hostile and broken files get file:line errors and exit 1."""
from __future__ import annotations

import re

import pytest

from .conftest import MINI_BANK, MINI_CERTS

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<msg>.+)$")


def problems(result):
    return [LINE.match(l).groupdict() for l in result.stdout.splitlines() if l.strip()]


def test_every_shipped_bank_lints_clean(run):
    result = run("lint")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
    assert "ok:" in result.stderr


def test_mini_bank_is_clean(run, mini):
    result = run("lint", mini)
    assert result.exit_code == 0, result.stdout


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

HOSTILE = {
    "binary": (b"format_version: 1\nquestions:\n\x00\x01\x02\xff", 3, "binary"),
    "empty": (b"", 1, "empty"),
    "only-comments": (b"# nothing here\n\n", 1, "empty"),
    "tabs": (b"format_version: 1\nquestions:\n\t- id: x\n", 3, "tab"),
    "python-tag": (b"format_version: 1\nquestions: !!python/object/apply:os.system ['touch /tmp/pwned-dlcert']\n", 2, "not allowed"),
    "local-tag": (b"format_version: 1\nquestions:\n  - !include other.yaml\n", 3, "not allowed"),
    "alias-bomb": (BOMB.encode(), None, "alias"),
    "list-root": (b"- a\n- b\n", 1, "top level must be a mapping"),
    "scalar-root": (b"just a string\n", 1, "top level must be a mapping"),
    "syntax": (b"format_version: 1\nquestions: [\n  {id: a,\n", 4, "YAML syntax error"),
    "duplicate-key": (b"format_version: 1\nquestions: []\nformat_version: 1\n", 3, "duplicate key"),
    "merge-key": (b"base: &b {x: 1}\nformat_version: 1\nquestions:\n  - <<: *b\n", 4, "merge keys"),
    "not-utf8": (b"format_version: 1\nquestions: []\n# caf\xe9\n", 3, "UTF-8"),
    "deep": (b"format_version: 1\nquestions: " + b"[" * 200 + b"]" * 200 + b"\n", 2, "nesting"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file(run, tmp_path, name):
    content, line, fragment = HOSTILE[name]
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    result = run("lint", path)
    assert result.exit_code == 1
    found = problems(result)
    assert found, result.stdout
    assert all(p["file"].endswith(f"{name}.yaml") for p in found)
    assert any(fragment.lower() in p["msg"].lower() for p in found), found
    if line is not None:
        assert any(int(p["line"]) == line for p in found), found
    assert not (tmp_path / "pwned").exists()


def test_huge_file(run, tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"format_version: 1\n# " + b"x" * (3 * 1024 * 1024) + b"\n")
    result = run("lint", path)
    assert result.exit_code == 1
    assert "too large" in result.stdout
    assert problems(result)[0]["line"] == "1"


def test_python_tag_never_executes(run, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(f"format_version: 1\nquestions: !!python/object/apply:os.system ['touch {marker}']\n")
    assert run("lint", path).exit_code == 1
    assert not marker.exists()


BROKEN = """\
format_version: 1
questions:
  - id: b.unknown-field
    type: single
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: S
    colour: blue
    choices:
      - {key: a, text: A}
      - {key: b, text: B, feedback: nope}
    answer: a
    explanation: E
  - id: b.no-answer
    type: single
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: S
    choices:
      - {key: a, text: A}
      - {key: b, text: B, feedback: nope}
    explanation: E
  - id: b.no-explanation
    type: true_false
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: S
    answer: true
  - id: b.answer-not-a-choice
    type: single
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: S
    choices:
      - {key: a, text: A}
      - {key: b, text: B, feedback: nope}
    answer: z
    explanation: E
  - id: b.unknown-cert
    type: true_false
    topic: activations
    difficulty: easy
    mappings: [nope-cert:d1]
    stem: S
    answer: true
    explanation: E
  - id: b.unknown-domain
    type: true_false
    topic: activations
    difficulty: easy
    mappings: [test-cert:d9]
    stem: S
    answer: true
    explanation: E
  - id: b.bad-template
    type: numeric
    topic: cnn
    difficulty: easy
    mappings: [test-cert:d2]
    stem: "{x}"
    template:
      formula: no_such_formula
      params:
        x: {int: [1, 2]}
    explanation: E
  - id: b.template-never-valid
    type: numeric
    topic: cnn
    difficulty: easy
    mappings: [test-cert:d2]
    stem: "{size} {kernel}"
    template:
      formula: conv_output_size
      params:
        size: {int: [1, 2]}
        kernel: {int: [5, 7]}
      fixed: {stride: 1, padding: 0}
    explanation: E
  - id: b.missing-feedback
    type: single
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: S
    choices:
      - {key: a, text: A}
      - {key: b, text: B}
    answer: a
    explanation: E
  - id: t.single
    type: true_false
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1]
    stem: duplicate of the mini bank's id
    answer: true
    explanation: E
"""

EXPECTED = [  # (line, fragment): every problem, each at its own line
    (9, "unknown field 'colour'"),
    (15, "missing field 'answer'"),
    (25, "missing field 'explanation'"),
    (41, "'z' is not among the choices"),
    (47, "unknown cert 'nope-cert'"),
    (55, "has no domain 'd9'"),
    (65, "unknown formula 'no_such_formula'"),
    (76, "draws make no valid question"),
    (91, "needs feedback"),
    (94, "duplicate id 't.single'"),
]


def test_broken_bank_reports_every_problem_with_its_line(run, mini):
    broken = mini / "zz-broken.yaml"
    broken.write_text(BROKEN)
    result = run("lint", mini)
    assert result.exit_code == 1
    found = [(int(p["line"]), p["msg"]) for p in problems(result) if p["file"].endswith("zz-broken.yaml")]
    assert len(found) == len(EXPECTED), found
    for (line, fragment), (got_line, msg) in zip(EXPECTED, sorted(found)):
        assert fragment in msg and got_line == line, (line, fragment, got_line, msg)


def test_weights_that_cannot_add_up(run, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    bad = MINI_CERTS.replace("weight: [35, 45]", "weight: [10, 20]")
    (folder / "certs.yaml").write_text(bad)
    (folder / "bank.yaml").write_text(MINI_BANK)
    result = run("lint", folder)
    assert result.exit_code == 1
    msgs = [p for p in problems(result) if p["file"].endswith("certs.yaml")]
    assert msgs and "cannot add up to 100" in msgs[0]["msg"]
    assert msgs[0]["line"] == "13"  # the cert's `domains:` key


def test_ranges_that_can_add_up_are_fine(run, mini):
    assert "weight: [35, 45]" in (mini / "certs.yaml").read_text()
    assert run("lint", mini).exit_code == 0


def test_missing_path(run, tmp_path):
    result = run("lint", tmp_path / "nope.yaml")
    assert result.exit_code == 1
    assert "no such file" in result.stdout


# --- cue rules -----------------------------------------------------------------------------------------


def _single(qid: str, stem: str, key: str, others: list[str], mappings: str = "test-cert:d1") -> str:
    wrong = "".join(f"      - {{key: {chr(98 + i)}, text: {t!r}, feedback: Not it.}}\n" for i, t in enumerate(others))
    return (f"  - id: {qid}\n    type: single\n    topic: activations\n    difficulty: 1\n"
            f"    mappings: [{mappings}]\n    stem: {stem}\n    choices:\n      - {{key: a, text: {key!r}}}\n"
            f"{wrong}    answer: a\n    explanation: Because it is.\n")


def _template(qid: str, formula: str, params: str, wrong: str = "", decimals: int = 5) -> str:
    return (f"  - id: {qid}\n    type: numeric\n    topic: optimizers\n    difficulty: 2\n    mappings: [test-cert:d1]\n"
            f"    stem: Compute the value for {qid}.\n    template:\n      formula: {formula}\n      params:\n{params}"
            f"      decimals: {decimals}\n{wrong}    tolerance: {{abs: 0.000015}}\n    explanation: It is {{answer}}.\n")


SGD_OLD = ("        param: {float: [-3, 3], decimals: 2}\n        grad: {float: [-2, 2], decimals: 2}\n"
           "        lr: {choice: [0.01, 0.05, 0.1]}\n        weight_decay: {choice: [0.0001, 0.001, 0.01]}\n")
STEP_OLD = ("        lr: {choice: [0.1, 0.01, 0.001]}\n        gamma: {choice: [0.1, 0.5]}\n"
            "        step_size: {choice: [5, 10, 30]}\n        epoch: {int: [0, 60]}\n")

CUES = "format_version: 1\nquestions:\n" + "".join([
    _single("t.wide-margin", "Which activation keeps a zero-centred output range?",
            "The hyperbolic tangent, whose outputs lie between minus one and one", ["ReLU", "Sigmoid"]),
    _single("t.tensorrt-speedup", "Which tool compiles a trained network into an optimized inference engine?",
            "TensorRT", ["ONNX Runtime graphs", "CUDA graphs alone"]),
    *[_single(f"t.plain-{n}", stem, "A slightly longer key", ["A short one", "Shorter"]) for n, stem in enumerate([
        "Plain question number one about learning rates and schedules?",
        "Which optimizer keeps a running average of squared gradients?",
        "What does a validation curve that rises while training loss falls suggest?",
        "How many parameters does a bias-free dense layer from 3 to 4 units hold?"])],
    _single("t.above", "Which of these statements about dropout during inference holds here?",
            "It is turned off", ["It doubles activations", "All of the above"]),
    _template("t.sgd-decay", "sgd_weight_decay_step", SGD_OLD, "      wrong_formulas: [sgd_ignoring_weight_decay]\n"),
    _template("t.step-zero", "step_lr", STEP_OLD, decimals=6),
    _template("t.unknown-wrong", "step_lr", STEP_OLD.replace("0.001]", "0.05]").replace("int: [0, 60]", "int: [30, 40]")
              .replace("[5, 10, 30]", "[30]"), "      wrong_formulas: [no_such_mistake, sgd_ignoring_weight_decay]\n", 6),
    _single("t.retired-only", "Which storage class suits objects read once a year at the lowest cost?",
            "Archive", ["Standard", "Nearline"], mappings="old-cert:only"),
])
DUPLICATE = "format_version: 1\nquestions:\n" + _single(
    "t.plain-again", "Plain question number one about the learning rates and schedules!", "Yes", ["No", "Maybe"])


def _line(text: str, fragment: str, nth: int = 0) -> int:
    lines = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    return lines[nth]


def test_cue_rules_report_each_problem_at_its_line(run, tmp_path):
    folder = tmp_path / "cues"
    folder.mkdir()
    (folder / "certs.yaml").write_text(MINI_CERTS)
    (folder / "cues.yaml").write_text(CUES)
    (folder / "dup.yaml").write_text(DUPLICATE)
    result = run("lint", folder)
    assert result.exit_code == 1
    found = [(p["file"].rsplit("/", 1)[-1], int(p["line"]), p["msg"]) for p in problems(result)]
    expected = [
        ("cues.yaml", 2, "strictly longest option in 5 of 8 single-choice questions"),
        ("cues.yaml", _line(CUES, "The hyperbolic tangent"), "longest option by a wide margin (67 characters against 7)"),
        ("cues.yaml", _line(CUES, "id: t.tensorrt-speedup"), "the id word(s) 'tensorrt' appear in the key"),
        ("cues.yaml", _line(CUES, "All of the above"), "refers to other options ('All of the above')"),
        ("cues.yaml", _line(CUES, "template:", 0), "the wrong formula sgd_ignoring_weight_decay"),
        ("cues.yaml", _line(CUES, "template:", 1), "the answer rounds to 0 at 6 decimals"),
        ("cues.yaml", _line(CUES, "template:", 2), "unknown wrong formula 'no_such_mistake'"),
        ("cues.yaml", _line(CUES, "template:", 2), "sgd_ignoring_weight_decay is a wrong version of sgd_weight_decay_step"),
        ("cues.yaml", _line(CUES, "id: t.retired-only") + 4, "warning: maps only to retired exams (old-cert)"),
        ("dup.yaml", _line(DUPLICATE, "stem:"), "nearly repeats t.plain-0"),
    ]
    for file, line, fragment in expected:
        assert any(f == file and l == line and fragment in m for f, l, m in found), (file, line, fragment, found)
    assert len(found) == len(expected), found


def test_warnings_alone_do_not_fail_lint(run, tmp_path):
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "certs.yaml").write_text(MINI_CERTS)
    (folder / "bank.yaml").write_text("format_version: 1\nquestions:\n" + _single(
        "t.retired-only", "Which storage class suits cold data?", "Archive", ["Standard", "Nearline"], "old-cert:only"))
    result = run("lint", folder)
    assert result.exit_code == 0 and "warning: maps only to retired exams" in result.stdout
    assert "1 warning(s)" in result.stderr


def test_the_fixed_templates_test_what_they_claim():
    """training.step-lr-generated and optimizers.sgd-weight-decay-generated: never 0, and the classic
    wrong formulas they name are (nearly) never within tolerance."""
    from grader.quiz import cues
    from grader.quiz.bank import load_library
    from grader.quiz.coverage import QUIZZES

    library = load_library([QUIZZES / "banks" / "training.yaml", QUIZZES / "banks" / "optimizers.yaml"],
                           check_templates=False)
    for qid in ("training.step-lr-generated", "optimizers.sgd-weight-decay-generated"):
        question = library.questions[qid].question
        assert len(question.template.wrong_formulas) == 3
        assert cues.template_cues(question) == [], qid


def test_a_draw_that_zero_would_answer_is_drawn_again(tmp_path):
    """StepLR at 6 decimals answers 0 in about 1 draw in 8; no instance shown to a learner may."""
    import numpy as np

    from grader.quiz import templates
    from grader.quiz.bank import load_library

    (tmp_path / "certs.yaml").write_text(MINI_CERTS)
    (tmp_path / "bank.yaml").write_text("format_version: 1\nquestions:\n" + _template("t.step-zero", "step_lr", STEP_OLD, decimals=6))
    question = load_library([tmp_path / "certs.yaml", tmp_path / "bank.yaml"], check_templates=False).questions["t.step-zero"].question
    rng = np.random.default_rng(0)
    answers = [templates.instantiate(question, rng).answer for _ in range(200)]
    assert all(round(a, 6) != 0 for a in answers)
    assert len(set(answers)) > 5  # still a varied question
