"""The 11_training harness, references and model solution: thresholds reachable, verdicts that tell apart
a model that never trains from one that memorises, each known mistake rejected; CUDA when present."""
import math
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pytest
import torch

from reference import training as ref
from reference._harness import load_harness, load_judge
from tests.reference.torch_track import problems, reference_outputs, run, tasks

TASKS = tasks("11_training")
HARNESS = load_harness("11_training")
JUDGE = load_judge("11_training")


@pytest.fixture(scope="module")
def wanted():
    """Reference outputs of every case of both tasks (each one a real training run)."""
    return {name: reference_outputs(task) for name, task in TASKS.items()}


def test_dataset_is_reproducible_balanced_and_split():
    X, y, Xh, yh = JUDGE.make_dataset("spirals", 5, 4, seed=3)
    assert X.shape == (JUDGE.N_TRAIN, 5) and Xh.shape == (JUDGE.N_HELD_BACK, 5)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert set(y.tolist()) == set(yh.tolist()) == {0, 1, 2, 3}
    assert min(np.bincount(y)) > JUDGE.N_TRAIN / 4 * 0.7
    again = JUDGE.make_dataset("spirals", 5, 4, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((X, y, Xh, yh), again))
    assert not np.array_equal(X, JUDGE.make_dataset("spirals", 5, 4, seed=4)[0])
    assert float(X[:, 2:].std()) < 0.2  # the padding features are small noise


def test_the_learner_process_never_gets_the_held_back_labels():
    inputs = JUDGE.train_inputs(2, 3, "rings", 0, "cpu", "reference")
    _, _, _, y_held = JUDGE.make_dataset("rings", 2, 3, 0)
    assert set(inputs) == {"X_train", "y_train", "X_held", "in_features", "n_classes", "seed", "device", "model"}
    assert not any(isinstance(v, np.ndarray) and v.shape == y_held.shape and v.dtype == y_held.dtype for v in inputs.values())


def test_scores_are_torch_cross_entropy_and_accuracy():
    data = JUDGE.make_dataset("rings", 2, 3, seed=0)
    model = torch.nn.Linear(2, 3)
    logits = {part: model(torch.from_numpy(X)).detach().numpy() for part, X in (("train", data[0]), ("held_back", data[2]))}
    scores = JUDGE.scores(logits, data)
    held = torch.from_numpy(logits["held_back"])
    assert math.isclose(scores["held_back_loss"], float(torch.nn.functional.cross_entropy(held, torch.from_numpy(data[3]))),
                        rel_tol=1e-6)
    assert math.isclose(scores["held_back_accuracy"], float((held.argmax(1) == torch.from_numpy(data[3])).float().mean()),
                        rel_tol=1e-6)


def test_verdict_separates_never_trained_from_memorised():
    def verdict(train_acc, held_acc, n_classes=3):
        after = {"train_loss": 0.0, "held_back_loss": 0.0, "train_accuracy": train_acc, "held_back_accuracy": held_acc}
        return JUDGE.verdict(after, after, n_classes)

    never = verdict(0.40, 0.38)
    memorised = verdict(1.0, 0.45)
    learned = verdict(0.99, 0.97)
    assert not never["trained"] and never["held_back_accuracy"] < 0.9
    assert memorised["trained"] and memorised["generalization_gap"] > 0.1
    assert learned["trained"] and learned["generalization_gap"] <= 0.1
    assert verdict(0.64, 0.6, n_classes=4)["trained"] and not verdict(0.64, 0.6, n_classes=3)["trained"]


def test_references_reach_every_threshold_with_a_margin(wanted):
    for name, task in TASKS.items():
        n_classes = {c.name: c.args["n_classes"] for c in task.spec.cases}
        for case, out in wanted[name].items():
            assert not problems(task, out, out), (name, case)
            assert out["held_back_accuracy"] >= 0.95 and out["generalization_gap"] <= 0.05, (name, case, out)
            assert abs(out["train_loss_before"] - math.log(n_classes[case])) < 0.15  # chance before training


def test_solution_passes_every_case(wanted):
    for name, task in TASKS.items():
        for case, want in wanted[name].items():
            got = run(task, case)
            assert not problems(task, got, want), (name, case, problems(task, got, want))
    assert len(run(TASKS["train"], "spirals")["history"]) == 11  # the solution keeps a loss history


@pytest.mark.parametrize("task,mistake,why", [
    ("build_model", "linear", "trained"),
    ("build_model", "memorises", "generalization_gap"),
    ("build_model", "softmax_output", "outputs_are_probabilities"),
    ("train", "no_eval", "eval_mode"),
    ("train", "tiny_learning_rate", "trained"),
    ("train", "no_zero_grad", "trained"),
    ("train", "forgets_return", "returns_model"),
])
def test_each_mistake_fails_the_first_case_for_its_reason(wanted, task, mistake, why):
    first = TASKS[task].spec.cases[0].name
    found = problems(TASKS[task], run(TASKS[task], first, mistake), wanted[task][first])
    assert any(p.startswith(f"{why}:") for p in found), found


def judged(task, impl, *args):
    """What the grader decides about `impl` on `args`: the driver's data, judged."""
    inputs = getattr(JUDGE, f"{task}_inputs")(*args)
    return getattr(JUDGE, task)(getattr(HARNESS, task)(impl, *inputs.values()), *args)


def test_build_model_harness_survives_a_model_it_cannot_train():
    wrong_shape = judged("build_model", lambda i, n: torch.nn.Linear(i, n + 1), 2, 3, "spirals", 0)
    assert list(wrong_shape["output_shape"]) == [7, 4] and not wrong_shape["trained"]
    not_a_module = judged("build_model", lambda i, n: (lambda x: x[:, :n]), 5, 3, "rings", 0)
    assert not not_a_module["is_module"] and not_a_module["held_back_accuracy"] == 0.0


def test_train_harness_checks_inputs_and_restores_threads():
    threads = torch.get_num_threads()

    def sneaky(model, X, y):
        X.mul_(0)
        return HARNESS.partner_fit(model, X, y, steps=1)

    out = judged("train", SimpleNamespace(train=sneaky), 2, 3, "rings", 0, "cpu", "reference")
    assert not out["inputs_unchanged"] and torch.get_num_threads() == threads


def test_verdicts_ignore_what_a_driver_claims():
    """A driver rebound by learner code may claim any verdict: the judge computes them from the logits."""
    claims = {"trained": True, "held_back_accuracy": 1.0, "generalization_gap": 0.0, "inputs_unchanged": True}
    inputs = JUDGE.train_inputs(2, 3, "rings", 0, "cpu", "reference")
    chance = {part: np.zeros((len(X), 3), dtype=np.float32) for part, X in (("train", inputs["X_train"]), ("held_back", inputs["X_held"]))}
    raw = {**claims, "returns_model": True, "eval_mode": True, "logits_before": chance, "logits_after": chance}
    out = JUDGE.train(raw, 2, 3, "rings", 0, "cpu", "reference")
    assert not out["trained"] and out["held_back_accuracy"] < 0.5 and not out["inputs_unchanged"]


def test_the_driver_reports_the_learning_rate_and_the_loss_of_every_step():
    out = judged("train", SimpleNamespace(train=lambda m, X, y: HARNESS.partner_fit(m, X, y, steps=30, lr=3e-3)),
                 2, 3, "rings", 0, "cpu", "reference")
    assert out["learning_rate"] == 3e-3 and out["lr_scale"] == "usual" and out["loss_shape"] == "decreasing"
    assert len(out["loss_curve"]) == len(out["accuracy_curve"]) == 30
    assert out["loss_curve"][0] == pytest.approx(out["train_loss_before"], rel=1e-5)

    def by_hand(model, X, y):  # no torch.optim: nothing to report
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        return model.eval()

    out = judged("train", SimpleNamespace(train=by_hand), 2, 3, "rings", 0, "cpu", "reference")
    assert out["lr_scale"] == "unknown" and out["loss_shape"] == "unknown" and math.isnan(out["learning_rate"])


@pytest.mark.parametrize("losses, shape", [
    ([1.1, 1.1, 1.099, 1.098], "flat"),
    ([1.1, 0.8, 0.5, 0.2, 0.05], "decreasing"),
    ([1.1, 0.6, 0.4, 0.5, 0.4, 0.45], "decreasing"),  # small bumps, as mini-batches make
    ([1.1, 0.8, 0.75, 1.0, 1.3], "unsteady"),  # down, then up again: gradients never zeroed
    ([1.1, 0.9, float("inf")], "unsteady"),
    ([1.1], "unknown"),
])
def test_the_loss_curve_is_named_by_its_shape(losses, shape):
    assert JUDGE.loss_shape(np.array(losses)) == shape


@pytest.mark.parametrize("lr, scale", [(1e-6, "tiny"), (1e-2, "usual"), (3.0, "large"), (None, "unknown"),
                                       (float("nan"), "unknown"), (True, "unknown")])
def test_the_learning_rate_is_named_by_its_scale(lr, scale):
    assert JUDGE.lr_scale(lr) == scale


LEARNERS = {
    "tiny_learning_rate": ("train", "opt = torch.optim.SGD(model.parameters(), lr=1e-7, momentum=0.9)\n"
                                    "    for _ in range(300):\n        opt.zero_grad()\n"
                                    "        nn.CrossEntropyLoss()(model(X), y).backward()\n        opt.step()\n"),
    "no_zero_grad": ("train", "opt = torch.optim.Adam(model.parameters(), lr=1e-2)\n"
                              "    for _ in range(250):\n        loss = F.cross_entropy(model(X), y)\n"
                              "        loss.backward()\n        opt.step()\n"),
}
"""A learner's own training loop (other optimizer, steps, loss object) with one mistake: named from its
learning rate and its loss curve, not from the outcome alone."""


@pytest.mark.slow
@pytest.mark.parametrize("mistake", list(LEARNERS) + ["softmax_output"])
def test_a_learners_own_mistake_is_named_in_the_sandbox(mistake, sandbox):
    from grader import sources
    from grader.course import load_course
    from grader.pipeline import LearnerFile, grade

    exercise = load_course().exercise("training")
    head = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
    if mistake == "softmax_output":
        task, code = "build_model", ("def build_model(in_features, n_classes):\n    return nn.Sequential(nn.Linear(in_features, 128), "
                                     "nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_classes), nn.Softmax(dim=-1))\n")
    else:
        task, loop = LEARNERS[mistake]
        code = (sources.extract(exercise.solution_path.read_text(), "build_model")  # the `your_model` case uses it
                + f"\n\ndef train(model, X, y):\n    model.train()\n    {loop}    return model.eval()\n")
    [task] = [t for t in exercise.tasks if t.name == task]
    [result] = grade([task], lambda e: LearnerFile("training.py", head + code), seed=0, sandbox=sandbox).results
    assert result.status == "failed" and result.diagnosis.mistake == mistake, result.diagnosis.text


def test_auto_device_takes_cuda_when_it_is_there():
    """The CUDA branch of the harness's device choice, exercised on a CPU machine."""
    with mock.patch.object(torch.cuda, "is_available", lambda: True):
        assert HARNESS.target_device("auto") == torch.device("cuda")
    with mock.patch.object(torch.cuda, "is_available", lambda: False), \
            mock.patch.object(torch.backends.mps, "is_available", lambda: True):
        assert HARNESS.target_device("auto") == torch.device("mps")
    assert HARNESS.target_device("cpu") == torch.device("cpu")


@pytest.mark.gpu
def test_training_on_real_cuda():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    out = ref.train(2, 3, "rings", 3, "auto", "reference")
    assert out["trained"] and out["eval_mode"] and out["held_back_accuracy"] >= 0.9
    got = run(TASKS["train"], "best_device")
    assert not problems(TASKS["train"], got, out), got
