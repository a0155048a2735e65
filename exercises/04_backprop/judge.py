"""What the grader decides from the backprop drivers' results (runs in the grader, never in the sandbox)."""
import numpy as np


def numerical_gradient(raw, fn, x, eps=1e-6):
    """`x_restored`: the array the learner's code was given holds exactly x again after the call."""
    after = raw.get("x_after")
    restored = isinstance(after, np.ndarray) and after.shape == np.shape(x) and bool(np.array_equal(after, x))
    return {"grad": raw.get("grad"), "x_restored": restored}
