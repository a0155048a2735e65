"""Model solution of the neurons exercise."""
import numpy as np


def perceptron(x, w, b):
    """1 where the weighted sum is strictly positive, else 0, as int64."""
    scores = x @ w + b
    return (scores > 0).astype(np.int64)


def dense_forward(x, W, b):
    """x @ W + b: one output unit per column of W; b broadcasts over the rows."""
    return x @ W + b
