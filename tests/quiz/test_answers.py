"""Answer forms of every type (bank keys for scripts, shown labels for people), credit, feedback,
and the order options are shown in."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

from grader.quiz import answers, shuffle
from grader.quiz.shuffle import Shown

from .conftest import FORMATS_BANK


@pytest.fixture(scope="module")
def qs():
    bank = yaml.safe_load(FORMATS_BANK)
    from pydantic import TypeAdapter

    from grader.quiz.schema import Question

    adapter = TypeAdapter(Question)
    return {raw["id"]: adapter.validate_python(raw) for raw in bank["questions"]}


@pytest.mark.parametrize("raw", [{"p1": "a", "p2": "b"}, "p1=a p2=b", "p1 -> a, p2 -> b", "P1: A; P2: B",
                                 ["a", "b"], "a b", "ab"])
def test_matching_script_forms(qs, raw):
    q = qs["mlops.document-services"]
    assert answers.parse(q, raw) == {"p1": "a", "p2": "b"}
    assert answers.is_correct(q, answers.parse(q, raw))


def test_matching_labels_follow_the_order_shown(qs):
    q = qs["mlops.document-services"]
    shown = Shown(choices=("c", "b", "a"), prompts=("p2", "p1"))  # shown: 1=p2, 2=p1; a=c, b=b, c=a
    for raw in ("1b 2c", "1=b, 2=c", "b c", "bc", "2c 1b"):
        assert answers.parse(q, raw, shown) == {"p1": "a", "p2": "b"}, raw
    assert answers.show(q, {"p1": "a", "p2": "b"}, shown) == \
        "1) Find the sentiment of reviews -> b) Comprehend; 2) Read text from scanned forms -> c) Textract"


@pytest.mark.parametrize("raw, why", [("1a", "a letter for each"), ("1a 2z", "a letter for each"),
                                      ("1a 2a", "once only"), ("a b c", "a letter for each")])
def test_matching_bad_forms(qs, raw, why):
    with pytest.raises(answers.AnswerError, match=why):
        answers.parse(qs["mlops.document-services"], raw, Shown(choices=("a", "b", "c"), prompts=("p1", "p2")))


def test_matching_is_all_or_nothing_with_feedback_on_the_wrong_pair(qs):
    q = qs["mlops.document-services"]
    given = answers.parse(q, "p1=c p2=b")
    assert answers.credit(q, given, partial=True) == 0.0
    assert answers.feedback_for(q, given) == ["p1) Read text from scanned forms: Rekognition is wrong: "
                                              "Rekognition analyses images and video."]


@pytest.mark.parametrize("raw", [{"s1": True, "s2": "no", "s3": "y"}, [True, False, True], "y n y", "yny",
                                 "yes no yes", "s1=yes s2=no s3=yes"])
def test_yes_no_script_forms(qs, raw):
    q = qs["mlops.storage-statements"]
    assert answers.parse(q, raw) == {"s1": True, "s2": False, "s3": True}


def test_yes_no_earns_per_statement_only_in_an_exam(qs):
    q = qs["mlops.storage-statements"]
    shown = shuffle.file_order(q)
    given = answers.parse(q, "1y 2n 3n", shown)
    assert answers.credit(q, given, partial=True) == pytest.approx(2 / 3)
    assert answers.credit(q, given) == 0.0 and not answers.is_correct(q, given)
    assert answers.feedback_for(q, given, shown) == ["3) A bucket can hold millions of objects: the answer is Yes."]
    assert answers.show(q, given, shown).startswith("1) Objects are addressed by a key: Yes; 2)")
    for bad in ("y n", "1y 2y 9n", "a b c"):
        with pytest.raises(answers.AnswerError):
            answers.parse(q, bad, shown)


def test_single_multiple_ordering_with_labels(qs):
    single = qs["foundations.shop-task"]
    shown = Shown(choices=("c", "a", "b"))
    assert answers.parse(single, "b", shown) == "a"          # label b shows key a
    assert answers.parse(single, "a") == "a"                  # a script uses keys
    assert answers.show(single, "a", shown) == "b) Recommendation ranking"
    multiple = qs["mlops.monitoring-pair"]
    shown = Shown(choices=("d", "c", "b", "a"))
    assert answers.parse(multiple, "c,d", shown) == ["a", "b"]
    assert answers.parse(multiple, "dc", shown) == ["a", "b"]
    assert answers.feedback_for(multiple, ["a", "c"], shown) == ["b) The script is not an input signal.", "You missed: c."]
    order = qs["mlops.pipeline-order"]
    shown = Shown(choices=("c", "b", "a"))
    assert answers.parse(order, "b c a", shown) == ["b", "a", "c"]
    with pytest.raises(answers.AnswerError):
        answers.parse(order, "b c", shown)


def test_shown_order_is_seeded_never_the_answer_order_and_kept_when_not_shuffled(qs):
    order = qs["mlops.pipeline-order"]
    draws = {shuffle.draw(order, np.random.default_rng(seed)).choices for seed in range(40)}
    assert tuple(order.answer) not in draws and len(draws) > 1
    single = qs["foundations.shop-task"]
    assert shuffle.draw(single, np.random.default_rng(3)) == shuffle.draw(single, np.random.default_rng(3))
    assert len({shuffle.draw(single, np.random.default_rng(s)).choices for s in range(30)}) == 6
    fixed = single.model_copy(update={"shuffle": False})
    assert shuffle.draw(fixed, np.random.default_rng(3)).choices == ("a", "b", "c")


def test_numeric_option_sets_are_shown_sorted():
    from grader.quiz.schema import SingleQuestion

    texts = {"a": "16", "b": "8", "c": "0.5", "d": "1,024"}
    q = SingleQuestion.model_validate({
        "id": "cnn.pool-size", "type": "single", "topic": "cnn", "difficulty": 1, "mappings": ["x:y"],
        "stem": "s", "explanation": "e", "answer": "a",
        "choices": [{"key": k, "text": t, "feedback": None if k == "a" else "f"} for k, t in texts.items()]})
    assert shuffle.draw(q, np.random.default_rng(0)).choices == ("c", "b", "a", "d")


def test_a_stored_order_is_repaired_against_the_bank(qs):
    q = qs["foundations.shop-task"]
    assert shuffle.restore({"choices": ["c", "zz", "a"]}, q).choices == ("c", "a", "b")
    assert shuffle.restore(None, q) == shuffle.file_order(q)
