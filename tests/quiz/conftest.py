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


FORMATS_CERTS = """\
format_version: 1
certs:
  - id: fmt-cert
    vendor: Test
    name: Formats Certification
    questions: 6
    duration_minutes: 12
    source: https://example.com/fmt
    checked: 2026-11-26
    item_types: [single, multiple, ordering, matching, yes_no]
    multiple_share: 0.3
    domains:
      - {id: f1, name: Services, weight: 50, topics: [mlops]}
      - {id: f2, name: Concepts, weight: 50, topics: [foundations]}
  - id: lab-cert
    vendor: Test
    name: Lab Assessment
    format: hands-on
    source: https://example.com/lab
    checked: 2026-11-26
    domains:
      - {id: build, name: Build a model, topics: [training]}
"""

FORMATS_BANK = """\
format_version: 1
case_studies:
  - id: shop
    title: A web shop
    scenario: A web shop sells books online and wants to recommend titles to its visitors.
questions:
  - id: mlops.document-services
    type: matching
    topic: mlops
    difficulty: 2
    mappings: [fmt-cert:f1]
    stem: Match each need to the service that meets it.
    prompts:
      - {key: p1, text: Read text from scanned forms}
      - {key: p2, text: Find the sentiment of reviews}
    choices:
      - {key: a, text: Textract}
      - {key: b, text: Comprehend}
      - {key: c, text: Rekognition, feedback: Rekognition analyses images and video.}
    answer: {p1: a, p2: b}
    explanation: Textract reads documents; Comprehend analyses text.
  - id: mlops.storage-statements
    type: yes_no
    topic: mlops
    difficulty: 2
    mappings: [fmt-cert:f1]
    stem: For each statement about object storage, answer yes or no.
    statements:
      - {key: s1, text: Objects are addressed by a key, answer: true}
      - {key: s2, text: Objects can be edited in place one byte at a time, answer: false, feedback: Objects are replaced whole.}
      - {key: s3, text: A bucket can hold millions of objects, answer: true}
    explanation: Object stores keep whole objects under keys, at any scale.
  - id: mlops.pipeline-order
    type: ordering
    topic: mlops
    difficulty: 1
    mappings: [fmt-cert:f1]
    stem: Put the steps of a batch pipeline in order.
    choices:
      - {key: a, text: Train}
      - {key: b, text: Ingest}
      - {key: c, text: Deploy}
    answer: [b, a, c]
    explanation: Data comes in, a model is trained on it, then deployed.
  - id: mlops.monitoring-pair
    type: multiple
    topic: mlops
    difficulty: 2
    mappings: [fmt-cert:f1]
    stem: Which TWO signals show that a deployed model's inputs have changed? Select TWO.
    choices:
      - {key: a, text: Feature distribution drift}
      - {key: b, text: Higher share of missing values}
      - {key: c, text: A new training script version, feedback: The script is not an input signal.}
      - {key: d, text: A larger instance type, feedback: Capacity is not about the data.}
    answer: [a, b]
    explanation: Drift and missing values are properties of the incoming data.
  - id: foundations.split-pair
    type: multiple
    topic: foundations
    difficulty: 1
    mappings: [fmt-cert:f2]
    stem: Which TWO sets must never be used to fit model weights? Select TWO.
    choices:
      - {key: a, text: Validation set}
      - {key: b, text: Test set}
      - {key: c, text: Training set, feedback: The training set is what fits the weights.}
    answer: [a, b]
    explanation: Only the training set fits the weights; the others measure.
  - id: foundations.shop-task
    type: single
    topic: foundations
    difficulty: 1
    case_study: shop
    mappings: [fmt-cert:f2]
    stem: Which kind of machine learning task is recommending titles to visitors?
    choices:
      - {key: a, text: Recommendation ranking}
      - {key: b, text: Time-series forecasting, feedback: No quantity over time is predicted.}
      - {key: c, text: Anomaly detection, feedback: Nothing unusual is being looked for.}
    answer: a
    explanation: Ranking items for a user from past behaviour is a recommender system.
  - id: foundations.shop-data
    type: single
    topic: foundations
    difficulty: 1
    case_study: shop
    mappings: [fmt-cert:f2]
    stem: Which data does the shop need first to learn what its visitors like?
    choices:
      - {key: a, text: Purchase and browsing history}
      - {key: b, text: The printers' invoices, feedback: Invoices say nothing about taste.}
      - {key: c, text: The warehouse floor plan, feedback: Layout says nothing about taste.}
    answer: a
    explanation: Interactions between visitors and titles are what a recommender learns from.
  - id: foundations.label-meaning
    type: true_false
    topic: foundations
    difficulty: 1
    mappings: [fmt-cert:f2]
    stem: In supervised learning each training example comes with a target value.
    answer: true
    explanation: Supervised learning fits inputs to known targets (labels).
  - id: foundations.split-size
    type: numeric
    topic: foundations
    difficulty: 1
    mappings: [fmt-cert:f2]
    stem: A data set of 1000 rows is split 80/20. How many rows are in the test set?
    answer: 200
    tolerance: {abs: 0}
    explanation: 20 percent of 1000 rows is 200 rows.
"""

FORMATS_RIGHT = {
    "mlops.document-services": {"p1": "a", "p2": "b"},
    "mlops.storage-statements": {"s1": True, "s2": False, "s3": True},
    "mlops.pipeline-order": ["b", "a", "c"],
    "mlops.monitoring-pair": ["a", "b"],
    "foundations.split-pair": ["a", "b"],
    "foundations.shop-task": "a",
    "foundations.shop-data": "a",
    "foundations.label-meaning": True,
    "foundations.split-size": 200,
}


@pytest.fixture
def formats(tmp_path) -> Path:
    """A catalog with exam formats (item types, multi-select share, no pass mark, a hands-on cert)
    and a bank of every question type, with one case study."""
    folder = tmp_path / "formats"
    folder.mkdir()
    (folder / "certs.yaml").write_text(FORMATS_CERTS)
    (folder / "bank.yaml").write_text(FORMATS_BANK)
    return folder
