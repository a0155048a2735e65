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
