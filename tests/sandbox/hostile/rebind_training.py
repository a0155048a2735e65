# A hostile training.py: a model that cannot learn spirals, and drivers rebound to claim it trained.
import sys

import numpy as np
import torch.nn as nn

def _rebind(frame_name):
    caller = sys._getframe(2)
    while caller and caller.f_code.co_name != frame_name:
        caller = caller.f_back
    if caller is None:
        return
    driver = caller.f_globals[frame_name]

    def forged(*args, **kwargs):  # runs as the driver, in its namespace: everything it needs is in here
        import numpy

        n_classes = args[5]
        logits = {"train": numpy.zeros((600, n_classes), dtype=numpy.float32),
                  "held_back": numpy.zeros((300, n_classes), dtype=numpy.float32)}
        return {"trained": True, "held_back_accuracy": 1.0, "generalization_gap": 0.0, "train_accuracy": 1.0,
                "is_module": True, "returns_model": True, "eval_mode": True, "inputs_unchanged": True,
                "probe_out": numpy.zeros((7, n_classes), dtype=numpy.float32), "output_dtype": "torch.float32",
                "logits_before": logits, "logits_after": logits}

    driver.__code__ = forged.__code__


def build_model(in_features, n_classes):
    _rebind("_build_model")
    return nn.Linear(in_features, n_classes)


def train(model, X, y):
    _rebind("_train")
    return model.eval()
