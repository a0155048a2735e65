"""Fixtures for quiz tests: a private answer database and a tiny catalog + bank."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.quiz.cli import quiz

MINI_CERTS = """\
format_version: 1
certs:
  - id: test-cert
    vendor: Test
    name: Test Certification
    exam_code: TC-001
    questions: 5
    duration_minutes: 10
    passing_score: 700
    score_scale: [100, 1000]
    source: https://example.com/test-cert
    checked: 2026-11-26
    domains:
      - {id: d1, name: Domain one, weight: 60, topics: [activations]}
      - {id: d2, name: Domain two, weight: [35, 45], topics: [cnn]}
  - id: old-cert
    vendor: Test
    name: Old Certification
    retirement_date: 2025-01-01
    source: https://example.com/old-cert
    checked: 2026-11-26
    domains:
      - {id: only, name: Only domain, weight: 100, topics: [foundations]}
"""

MINI_BANK = """\
format_version: 1
questions:
  - id: t.single
    type: single
    topic: activations
    difficulty: easy
    mappings: [test-cert:d1, old-cert:only]
    stem: Pick a.
    choices:
      - {key: a, text: A}
      - {key: b, text: B, feedback: Not B.}
    answer: a
    explanation: It is a.
  - id: t.multiple
    type: multiple
    topic: activations
    difficulty: 2
    mappings: [test-cert:d1]
    stem: Pick a and c.
    choices:
      - {key: a, text: A}
      - {key: b, text: B, feedback: Not B.}
      - {key: c, text: C}
    answer: [a, c]
    explanation: a and c.
  - id: t.tf
    type: true_false
    topic: activations
    difficulty: hard
    mappings: [test-cert:d1]
    stem: True?
    answer: true
    feedback: It was true.
    explanation: True.
  - id: t.numeric
    type: numeric
    topic: cnn
    difficulty: easy
    mappings: [test-cert:d2]
    stem: 2 + 2?
    answer: 4
    tolerance: {abs: 0.01}
    explanation: Four.
  - id: t.generated
    type: numeric
    topic: cnn
    difficulty: medium
    mappings: [test-cert:d2]
    stem: Conv of {size} with kernel {kernel}, stride 1, padding 0?
    template:
      formula: conv_output_size
      params:
        size: {int: [8, 16]}
        kernel: {choice: [3, 5]}
      fixed: {stride: 1, padding: 0}
      decimals: 0
    tolerance: {abs: 0}
    explanation: "{size} - {kernel} + 1 = {answer}"
"""

ORDERING_Q = """\
  - id: t.order
    type: ordering
    topic: training
    difficulty: easy
    mappings: [old-cert:only]
    stem: Order.
    choices:
      - {key: a, text: second}
      - {key: b, text: first}
    answer: [b, a]
    explanation: b then a.
"""


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("DLCERT_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def mini(tmp_path) -> Path:
    """A folder with certs.yaml and one bank (5 questions for test-cert, every type but ordering)."""
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "certs.yaml").write_text(MINI_CERTS)
    (folder / "bank.yaml").write_text(MINI_BANK + ORDERING_Q)
    return folder


@pytest.fixture
def run(data_dir):
    """Invoke the quiz group; returns the click Result (stdout and stderr separate)."""
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(quiz, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def answers_file(tmp_path: Path, mapping: dict) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(mapping))
    return path
