"""References of 11_training: the course's model and training, measured by the exercise's own harness
and judge.

The reference implementation is the harness's `partner_model` (an MLP) and `partner_fit` (full-batch
Adam): the same partners the harness pairs with a learner's piece, so the reference run and the
learner's run measure the same thing on the same data.
"""
from __future__ import annotations

from types import SimpleNamespace

from reference._harness import load_harness, load_judge


def build_model(in_features, n_classes, dataset, seed):
    harness, judge = load_harness("11_training"), load_judge("11_training")
    inputs = judge.build_model_inputs(in_features, n_classes, dataset, seed)
    return judge.build_model(harness.build_model(harness.partner_model, *inputs.values()), in_features, n_classes, dataset, seed)


def train(in_features, n_classes, dataset, seed, device, model):
    harness, judge = load_harness("11_training"), load_judge("11_training")
    course = SimpleNamespace(build_model=harness.partner_model, train=harness.partner_fit)
    inputs = judge.train_inputs(in_features, n_classes, dataset, seed, device, model)
    return judge.train(harness.train(course, *inputs.values()), in_features, n_classes, dataset, seed, device, model)
