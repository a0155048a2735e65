"""Known-wrong implementations (run in the namespace of solution.py).

A mutant rebinds the task's name to its mistake, so mistakes reach the correct code through
the private aliases below (bound before any rebinding), never through the task's name.
"""

_correct_mlp = mlp_loss_and_grads
_correct_norms = layer_gradient_norms


def numerical_gradient__one_sided(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        grad[i] = (f(x) - f0) / eps
        x[i] = old
    return grad


def numerical_gradient__not_restored(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def numerical_gradient__perturbs_copy(f, x, eps=1e-6):
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += eps
        xm = x.copy()
        xm[i] -= eps
        grad[i] = (f(xp) - f(xm)) / (2 * eps)
    return grad


class Dense__db_mean(Dense):
    def backward(self, grad_out):
        dx = super().backward(grad_out)
        self.db = grad_out.mean(axis=0)
        return dx


class Dense__dw_divided_by_n(Dense):
    def backward(self, grad_out):
        dx = super().backward(grad_out)
        self.dW = self.x.T @ grad_out / self.x.shape[0]
        return dx


class Dense__stale_cache(Dense):
    def forward(self, x):
        if self.x is None:  # caches only the first batch: later backward passes use it
            self.x = x
        return x @ self.W + self.b


class Dense__accumulates_grads(Dense):
    def backward(self, grad_out):
        dW, db = self.dW, self.db
        dx = super().backward(grad_out)
        if dW is not None:  # adds to the previous call's gradients instead of setting them
            self.dW, self.db = dW + self.dW, db + self.db
        return dx


class Dense__w_not_transposed(Dense):
    def backward(self, grad_out):
        super().backward(grad_out)
        return grad_out @ self.W  # only runs when W is square; right shapes, wrong numbers


def mlp_loss_and_grads__grads_not_averaged(params, x, labels):
    loss, grads = _correct_mlp(params, x, labels)
    n = x.shape[0]
    return loss, {k: g * n for k, g in grads.items()}


def mlp_loss_and_grads__no_relu_mask(params, x, labels):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = x.shape[0]
    rows = np.arange(n)
    z1 = x @ W1 + b1
    h = np.maximum(z1, 0.0)
    log_p = _log_softmax(h @ W2 + b2)
    loss = float(-log_p[rows, labels].mean())
    dz2 = np.exp(log_p)
    dz2[rows, labels] -= 1.0
    dz2 /= n
    dz1 = dz2 @ W2.T  # forgot the ReLU derivative
    return loss, {"W1": x.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": dz2.sum(axis=0)}


def mlp_loss_and_grads__dw2_uses_preactivation(params, x, labels):
    loss, grads = _correct_mlp(params, x, labels)
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = x.shape[0]
    rows = np.arange(n)
    z1 = x @ W1 + b1
    dz2 = np.exp(_log_softmax(np.maximum(z1, 0.0) @ W2 + b2))
    dz2[rows, labels] -= 1.0
    dz2 /= n
    grads = dict(grads)
    grads["W2"] = z1.T @ dz2  # z1 instead of relu(z1)
    return loss, grads


def layer_gradient_norms__reversed_order(x, weights, activation):
    return _correct_norms(x, weights, activation)[::-1]


def layer_gradient_norms__no_activation_derivative(x, weights, activation):
    act = _ACTIVATIONS[activation][0]
    inputs = []
    h = x
    for W in weights:
        inputs.append(h)
        h = act(h @ W)
    norms = [0.0] * len(weights)
    grad = np.ones_like(h)
    for l in range(len(weights) - 1, -1, -1):
        norms[l] = float(np.linalg.norm(inputs[l].T @ grad))
        grad = grad @ weights[l].T
    return norms


def layer_gradient_norms__derivative_of_preactivation(x, weights, activation):
    act, act_grad = _ACTIVATIONS[activation]
    inputs, zs = [], []
    h = x
    for W in weights:
        z = h @ W
        inputs.append(h)
        zs.append(z)
        h = act(z)
    norms = [0.0] * len(weights)
    grad_h = np.ones_like(h)
    for l in range(len(weights) - 1, -1, -1):
        grad_z = grad_h * act_grad(zs[l], zs[l])  # formula applied to z instead of act(z)
        norms[l] = float(np.linalg.norm(inputs[l].T @ grad_z))
        grad_h = grad_z @ weights[l].T
    return norms


def layer_gradient_norms__w_not_transposed(x, weights, activation):
    act, act_grad = _ACTIVATIONS[activation]
    inputs, zs, outs = [], [], []
    h = x
    for W in weights:
        z = h @ W
        inputs.append(h)
        zs.append(z)
        h = act(z)
        outs.append(h)
    norms = [0.0] * len(weights)
    grad_h = np.ones_like(h)
    for l in range(len(weights) - 1, -1, -1):
        grad_z = grad_h * act_grad(zs[l], outs[l])
        norms[l] = float(np.linalg.norm(inputs[l].T @ grad_z))
        grad_h = grad_z @ weights[l]  # W instead of W.T
    return norms
