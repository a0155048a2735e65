"""Known-wrong versions of the neurons tasks (run in the namespace of solution.py)."""


def perceptron__ge_zero(x, w, b):
    # Fires on a sum of exactly 0; the threshold is strict.
    return (x @ w + b >= 0).astype(np.int64)


def perceptron__returns_bool(x, w, b):
    # Right decisions, wrong type: a boolean array instead of integers.
    return x @ w + b > 0


def perceptron__sign_labels(x, w, b):
    # -1/+1 labels (and floats) from np.sign instead of 0/1 integers.
    return np.sign(x @ w + b)


def perceptron__no_bias(x, w, b):
    # Forgets the bias.
    return (x @ w > 0).astype(np.int64)


def dense_forward__no_bias(x, W, b):
    # Forgets the bias.
    return x @ W


def dense_forward__applies_relu(x, W, b):
    # Adds an activation: a dense layer is linear.
    return np.maximum(x @ W + b, 0.0)


def dense_forward__transposed_weight(x, W, b):
    # PyTorch habit: nn.Linear computes x @ weight.T, but here W is already (Din, Dout).
    return x @ W.T + b
