"""`dlcert study`: every topic has a note with the required content, and the command renders them."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.quiz.schema import TOPICS
from grader.study import links_of, note_path, read_note, study, title_of, topics, NoteError

EXERCISE_TOPICS = {"neurons", "activations", "losses", "backprop", "optimizers", "regularization",
                   "cnn", "rnn", "transformers", "llm"}


def test_every_topic_has_a_note():
    assert topics() == list(TOPICS)


@pytest.mark.parametrize("topic", TOPICS, ids=[f"note-{t}" for t in TOPICS])
def test_note_content(topic):
    text = read_note(topic)
    assert title_of(text)
    assert f"dlcert quiz practice --topic {topic}" in text
    assert "dlcert check" in text or topic in ("mlops", "security")
    if topic in EXERCISE_TOPICS:
        assert f"dlcert check {topic}" in text
    assert len(text.split()) < 900, "notes stay concise"


def test_required_tables_and_links():
    assert "Which one to choose" in read_note("activations")
    assert "Which loss for which task" in read_note("losses")
    assert "Which optimizer for which scenario" in read_note("optimizers")
    assert "Vanishing and exploding gradients" in read_note("backprop")
    gpu = read_note("gpu")
    for name, url in [("CUDA", "docs.nvidia.com/cuda"), ("cuDNN", "cudnn"), ("TensorRT", "tensorrt"), ("NCCL", "nccl")]:
        assert name in gpu and any(url in link for link in links_of(gpu)), name
    fw = read_note("frameworks")
    for name in ("TensorFlow", "Keras", "PyTorch", "JAX", "NeMo", "RAPIDS", "ONNX Runtime"):
        assert name in fw, name
    assert len(links_of(fw)) >= 7
    foundations = read_note("foundations").lower()
    for phrase in ("traditional ml", "when deep learning fits", "biological", "layers of a network"):
        assert phrase in foundations, phrase


def test_unknown_topic_suggests():
    with pytest.raises(NoteError, match="activations"):
        read_note("activation")


def test_cli_lists_topics():
    result = CliRunner().invoke(study, [])
    assert result.exit_code == 0
    for t in TOPICS:
        assert t in result.output


@pytest.mark.parametrize("topic", ["gpu", "losses"], ids=["note-gpu", "note-losses"])
def test_cli_renders_a_note(topic):
    result = CliRunner().invoke(study, [topic])
    assert result.exit_code == 0, result.output
    assert title_of(note_path(topic).read_text()) in result.output
    plain = CliRunner().invoke(study, [topic, "--plain"])
    assert plain.output == note_path(topic).read_text()


def test_cli_unknown_topic_is_usage_error():
    result = CliRunner().invoke(study, ["nope"])
    assert result.exit_code == 2
    assert "Topics:" in result.output
