"""Known-wrong versions of the losses tasks (run in the namespace of solution.py)."""


def mse__half_factor(y_pred, y_true):
    # The 1/2 of some textbooks; this course's MSE (like PyTorch's) has none.
    return float(0.5 * np.mean((y_pred - y_true) ** 2))


def mse__sum_instead_of_mean(y_pred, y_true):
    return float(np.sum((y_pred - y_true) ** 2))


def mse__root(y_pred, y_true):
    # RMSE: the square root is not part of MSE.
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def mse_grad__no_mean(y_pred, y_true):
    # Gradient of the sum, not of the mean.
    return 2.0 * (y_pred - y_true)


def mse_grad__missing_factor_two(y_pred, y_true):
    return (y_pred - y_true) / y_pred.size


def mse_grad__wrong_sign(y_pred, y_true):
    return 2.0 * (y_true - y_pred) / y_pred.size


def mse_grad__divides_by_rows(y_pred, y_true):
    # Divides by N (len) instead of the number of elements.
    return 2.0 * (y_pred - y_true) / len(y_pred)


def mae__sum_instead_of_mean(y_pred, y_true):
    return float(np.sum(np.abs(y_pred - y_true)))


def mae__no_abs(y_pred, y_true):
    # Positive and negative errors cancel without the absolute value.
    return float(np.mean(y_pred - y_true))


def mae_grad__one_at_zero(y_pred, y_true):
    # Sends +1 where prediction equals target; the subgradient there is 0.
    return np.where(y_pred - y_true >= 0, 1.0, -1.0) / y_pred.size


def mae_grad__no_mean(y_pred, y_true):
    return np.sign(y_pred - y_true)


def mae_grad__wrong_sign(y_pred, y_true):
    return np.sign(y_true - y_pred) / y_pred.size


def binary_cross_entropy__no_clipping(p, y, eps=1e-7):
    # log(0) = -inf at p = 0 or 1, and 0 * -inf = nan.
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def binary_cross_entropy__mean_over_rows_only(p, y, eps=1e-7):
    # Sums the K labels of a row, then averages over N rows only.
    q = np.clip(p, eps, 1.0 - eps)
    terms = y * np.log(q) + (1.0 - y) * np.log(1.0 - q)
    return float(-np.sum(terms) / len(p))


def binary_cross_entropy__missing_negative_term(p, y, eps=1e-7):
    # Forgets the (1 - y) * log(1 - p) term, so y = 0 costs nothing.
    q = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(q)))


def binary_cross_entropy_grad__no_mean(p, y, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    return -y / q + (1.0 - y) / (1.0 - q)


def binary_cross_entropy_grad__wrong_sign(p, y, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    return (y / q - (1.0 - y) / (1.0 - q)) / p.size


def binary_cross_entropy_grad__divides_by_rows(p, y, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    return (-y / q + (1.0 - y) / (1.0 - q)) / len(p)


def binary_cross_entropy_grad__logits_gradient(p, y, eps=1e-7):
    # (p - y) / n is the gradient with respect to the logit z, not with respect to p.
    return (p - y) / p.size


def binary_cross_entropy_with_logits__naive_sigmoid_log(z, y):
    # sigmoid then log: exp overflows and log(0) = -inf for large |z|.
    p = 1.0 / (1.0 + np.exp(-z))
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def binary_cross_entropy_with_logits__softplus_without_abs(z, y):
    # log1p(exp(-z)) with max(z, 0) is only right for z >= 0; exp(-z) overflows for z = -1000.
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-z))))


def binary_cross_entropy_with_logits__mean_over_rows_only(z, y):
    terms = np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return float(np.sum(terms) / len(z))


def binary_cross_entropy_with_logits_grad__no_mean(z, y):
    return _sigmoid(z) - y


def binary_cross_entropy_with_logits_grad__wrong_sign(z, y):
    return (y - _sigmoid(z)) / z.size


def binary_cross_entropy_with_logits_grad__naive_sigmoid(z, y):
    # 1 / (1 + exp(-z)) overflows for z = -1000.
    return (1.0 / (1.0 + np.exp(-z)) - y) / z.size


def categorical_cross_entropy__sum_over_batch(p, y_onehot, eps=1e-7):
    q = np.clip(p, eps, 1.0 - eps)
    return float(-np.sum(y_onehot * np.log(q)))


def categorical_cross_entropy__mean_over_all_elements(p, y_onehot, eps=1e-7):
    # np.mean divides by N*K; the loss of a sample is the sum over its K classes.
    q = np.clip(p, eps, 1.0 - eps)
    return float(-np.mean(y_onehot * np.log(q)))


def categorical_cross_entropy__no_clipping(p, y_onehot, eps=1e-7):
    # log(0) = -inf where the true class has probability 0.
    return float(-np.sum(y_onehot * np.log(p)) / p.shape[0])


def categorical_cross_entropy_grad__no_mean(p, y_onehot, eps=1e-7):
    return -y_onehot / np.clip(p, eps, 1.0 - eps)


def categorical_cross_entropy_grad__mean_over_all_elements(p, y_onehot, eps=1e-7):
    return -y_onehot / np.clip(p, eps, 1.0 - eps) / p.size


def categorical_cross_entropy_grad__wrong_sign(p, y_onehot, eps=1e-7):
    return y_onehot / np.clip(p, eps, 1.0 - eps) / p.shape[0]


def sparse_categorical_cross_entropy__wrong_index(p, labels, eps=1e-7):
    # p[:, labels] picks whole columns (an N x N block), not one entry per row.
    return float(-np.mean(np.log(np.clip(p[:, labels], eps, 1.0 - eps))))


def sparse_categorical_cross_entropy__sum_over_batch(p, labels, eps=1e-7):
    picked = p[np.arange(p.shape[0]), labels]
    return float(-np.sum(np.log(np.clip(picked, eps, 1.0 - eps))))


def sparse_categorical_cross_entropy__no_clipping(p, labels, eps=1e-7):
    picked = p[np.arange(p.shape[0]), labels]
    return float(-np.mean(np.log(picked)))


def sparse_categorical_cross_entropy_grad__no_mean(p, labels, eps=1e-7):
    rows = np.arange(p.shape[0])
    grad = np.zeros_like(p)
    grad[rows, labels] = -1.0 / np.clip(p[rows, labels], eps, 1.0 - eps)
    return grad


def sparse_categorical_cross_entropy_grad__wrong_sign(p, labels, eps=1e-7):
    rows = np.arange(p.shape[0])
    grad = np.zeros_like(p)
    grad[rows, labels] = 1.0 / (np.clip(p[rows, labels], eps, 1.0 - eps) * p.shape[0])
    return grad


def sparse_categorical_cross_entropy_grad__every_entry(p, labels, eps=1e-7):
    # -1 / (p N) everywhere: only the true class of each row has a gradient.
    return -1.0 / (np.clip(p, eps, 1.0 - eps) * p.shape[0])


def softmax_cross_entropy_with_logits__no_max_shift(z, labels):
    # exp(1000) overflows: inf / inf = nan.
    e = np.exp(z)
    probs = e / np.sum(e, axis=-1, keepdims=True)
    return float(-np.mean(np.log(probs[np.arange(z.shape[0]), labels])))


def softmax_cross_entropy_with_logits__forgets_logsumexp(z, labels):
    # Treats logits as log-probabilities: the normalising logsumexp term is missing.
    return float(-np.mean(z[np.arange(z.shape[0]), labels]))


def softmax_cross_entropy_with_logits__sum_over_batch(z, labels):
    return float(-np.sum(_log_softmax(z)[np.arange(z.shape[0]), labels]))


def softmax_cross_entropy_with_logits_grad__forgets_onehot(z, labels):
    # Softmax alone: the -1 at the true class is missing.
    return np.exp(_log_softmax(z)) / z.shape[0]


def softmax_cross_entropy_with_logits_grad__no_mean(z, labels):
    grad = np.exp(_log_softmax(z))
    grad[np.arange(z.shape[0]), labels] -= 1.0
    return grad


def softmax_cross_entropy_with_logits_grad__no_max_shift(z, labels):
    e = np.exp(z)
    grad = e / np.sum(e, axis=-1, keepdims=True)
    grad[np.arange(z.shape[0]), labels] -= 1.0
    return grad / z.shape[0]
