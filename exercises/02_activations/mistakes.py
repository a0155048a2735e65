"""Known-wrong versions of the activations tasks (run in the namespace of solution.py)."""


def sigmoid__naive_exp(x):
    # np.exp(-x) overflows (RuntimeWarning) for x = -1000.
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid__wrong_sign(x):
    # exp(x) instead of exp(-x): this is sigmoid(-x) = 1 - sigmoid(x).
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, z / (1.0 + z), 1.0 / (1.0 + z))


def sigmoid_backward__uses_x_not_sigmoid(x, grad_out):
    # sigmoid(x) * (1 - x): the derivative needs the output s on both sides.
    return grad_out * sigmoid(x) * (1.0 - x)


def sigmoid_backward__forgets_grad_out(x, grad_out):
    # Returns the local derivative only; the chain rule multiplies by grad_out.
    s = sigmoid(x)
    return s * (1.0 - s)


def sigmoid_backward__naive_exp(x, grad_out):
    # Unstable sigmoid inside the derivative: overflows at x = -1000.
    s = 1.0 / (1.0 + np.exp(-x))
    return grad_out * s * (1.0 - s)


def tanh__naive_exp(x):
    # The textbook formula: inf / inf = nan for |x| around 1000.
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def tanh__rescaled_sigmoid(x):
    # 2 * sigmoid(x) - 1 is tanh(x / 2); tanh(x) = 2 * sigmoid(2x) - 1.
    return 2.0 * sigmoid(x) - 1.0


def tanh_backward__one_minus_x_squared(x, grad_out):
    # 1 - x**2 uses the input where the output tanh(x) belongs.
    return grad_out * (1.0 - x * x)


def tanh_backward__forgets_square(x, grad_out):
    return grad_out * (1.0 - np.tanh(x))


def tanh_backward__forgets_grad_out(x, grad_out):
    return 1.0 - np.tanh(x) ** 2


def relu__returns_derivative(x):
    # The 0/1 mask is ReLU's derivative, not ReLU.
    return (x > 0).astype(np.float64)


def relu__minimum(x):
    # np.minimum keeps the negative part instead of the positive one.
    return np.minimum(x, 0.0)


def relu_backward__one_at_zero(x, grad_out):
    # x >= 0 lets the gradient through at exactly 0; PyTorch uses 0 there.
    return np.where(x >= 0, grad_out, 0.0)


def relu_backward__forgets_grad_out(x, grad_out):
    return (x > 0).astype(np.float64)


def relu_backward__multiplies_by_output(x, grad_out):
    # relu(x) * grad_out: the derivative is a 0/1 mask, not the activation value.
    return relu(x) * grad_out


def leaky_relu__ignores_alpha(x, alpha=0.01):
    # Plain ReLU: negative inputs must keep slope alpha.
    return np.maximum(x, 0.0)


def leaky_relu__alpha_on_positive_side(x, alpha=0.01):
    return np.where(x > 0, alpha * x, x)


def leaky_relu_backward__one_at_zero(x, grad_out, alpha=0.01):
    # x >= 0 gives slope 1 at exactly 0; PyTorch uses alpha there.
    return np.where(x >= 0, grad_out, alpha * grad_out)


def leaky_relu_backward__zero_for_negative(x, grad_out, alpha=0.01):
    # ReLU's derivative: the leak alpha is forgotten for negative inputs.
    return np.where(x > 0, grad_out, 0.0)


def leaky_relu_backward__forgets_grad_out(x, grad_out, alpha=0.01):
    return np.where(x > 0, 1.0, alpha)


def elu__missing_alpha(x, alpha=1.0):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))


def elu__missing_minus_one(x, alpha=1.0):
    # alpha * exp(x) is ELU's derivative for x <= 0, not ELU (which is 0 at 0).
    return np.where(x > 0, x, alpha * np.exp(np.minimum(x, 0.0)))


def elu_backward__missing_alpha(x, grad_out, alpha=1.0):
    return np.where(x > 0, grad_out, np.exp(np.minimum(x, 0.0)) * grad_out)


def elu_backward__one_at_zero(x, grad_out, alpha=1.0):
    # x >= 0 gives slope 1 at exactly 0; PyTorch uses alpha * exp(0) = alpha.
    return np.where(x >= 0, grad_out, alpha * np.exp(np.minimum(x, 0.0)) * grad_out)


def elu_backward__uses_elu_value(x, grad_out, alpha=1.0):
    # alpha * (exp(x) - 1) is ELU itself; its derivative is alpha * exp(x).
    return np.where(x > 0, grad_out, alpha * np.expm1(np.minimum(x, 0.0)) * grad_out)


def softmax__no_max_shift(x, axis=-1):
    # exp(1000) overflows: inf / inf = nan.
    e = np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax__ignores_axis(x, axis=-1):
    # Always normalises the last axis, whatever axis was asked for.
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax__sums_over_everything(x, axis=-1):
    # No axis: the whole array sums to 1 instead of each slice.
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def softmax__global_max_shift(x, axis=-1):
    # Shifts every row by the max of the whole array: a row far below it underflows to 0 / 0.
    e = np.exp(x - np.max(x))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward__elementwise_derivative(x, grad_out, axis=-1):
    # s * (1 - s) is only the diagonal of the Jacobian; the off-diagonal -s_i s_j terms are lost.
    s = softmax(x, axis=axis)
    return s * (1.0 - s) * grad_out


def softmax_backward__ignores_axis(x, grad_out, axis=-1):
    s = softmax(x, axis=-1)
    return s * (grad_out - np.sum(grad_out * s, axis=-1, keepdims=True))


def softmax_backward__no_max_shift(x, grad_out, axis=-1):
    e = np.exp(x)
    s = e / np.sum(e, axis=axis, keepdims=True)
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))
