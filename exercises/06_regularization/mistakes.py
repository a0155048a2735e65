"""Known-wrong implementations (run in the namespace of solution.py).

A mutant rebinds the task's name to its mistake, so mistakes use the private aliases below (bound
before any rebinding) or super(), never the task's name at run time.
"""

_correct_bn_forward = batchnorm_forward
_correct_bn_backward = batchnorm_backward


def l2_penalty__not_squared(weights, lam):
    return float(lam * np.sqrt(sum(np.sum(w**2) for w in weights)))


def l2_penalty__half_factor(weights, lam):
    return float(0.5 * lam * sum(np.sum(w**2) for w in weights))


def l2_penalty_grad__missing_factor_2(weights, lam):
    return [lam * w for w in weights]


def l2_penalty_grad__gradient_of_norm(weights, lam):
    norm = np.sqrt(sum(np.sum(w**2) for w in weights))
    return [lam * w / norm for w in weights]


def l1_penalty__no_abs(weights, lam):
    return float(lam * sum(np.sum(w) for w in weights))


def l1_penalty__mean_not_sum(weights, lam):
    return float(lam * np.mean(np.concatenate([np.abs(w).ravel() for w in weights])))


def l1_penalty_grad__sign_zero_is_one(weights, lam):
    return [lam * np.where(w >= 0, 1.0, -1.0) for w in weights]


def l1_penalty_grad__missing_lam(weights, lam):
    return [np.sign(w) for w in weights]


def dropout__no_rescale(x, p, training, rng):
    if not training:
        return x.copy()
    return np.where(rng.random(x.shape) >= p, x, 0.0)


def dropout__scales_at_eval(x, p, training, rng):
    """Classic (non-inverted) dropout: no scaling in training, x*(1-p) at test time."""
    if not training:
        return x * (1.0 - p)
    return np.where(rng.random(x.shape) >= p, x, 0.0)


def dropout__p_is_keep_prob(x, p, training, rng):
    if not training:
        return x.copy()
    return np.where(rng.random(x.shape) < p, x / p, 0.0)


def dropout__global_random(x, p, training, rng):
    if not training:
        return x.copy()
    return np.where(np.random.random(x.shape) >= p, x / (1.0 - p), 0.0)


def dropout_with_mask__mask_inverted(x, mask, p):
    return np.where(mask, 0.0, x / (1.0 - p))


def dropout_with_mask__no_rescale(x, mask, p):
    return np.where(mask, x, 0.0)


def dropout_with_mask__scales_by_keep_prob(x, mask, p):
    return np.where(mask, x * (1.0 - p), 0.0)


def batchnorm_forward__biased_running_var(x, gamma, beta, running_mean, running_var, training,
                                          momentum=0.1, eps=1e-5):
    out, new_mean, new_var = _correct_bn_forward(x, gamma, beta, running_mean, running_var, training,
                                                 momentum, eps)
    if training:
        new_var = (1 - momentum) * running_var + momentum * x.var(axis=0)
    return out, new_mean, new_var


def batchnorm_forward__batch_stats_in_eval(x, gamma, beta, running_mean, running_var, training,
                                           momentum=0.1, eps=1e-5):
    out, new_mean, new_var = _correct_bn_forward(x, gamma, beta, running_mean, running_var, True,
                                                 momentum, eps)
    if not training:
        return out, running_mean.copy(), running_var.copy()
    return out, new_mean, new_var


def batchnorm_forward__momentum_swapped(x, gamma, beta, running_mean, running_var, training,
                                        momentum=0.1, eps=1e-5):
    """Keras' convention: new = momentum*old + (1-momentum)*batch."""
    return _correct_bn_forward(x, gamma, beta, running_mean, running_var, training, 1 - momentum, eps)


def batchnorm_forward__overwrites_running_stats(x, gamma, beta, running_mean, running_var, training,
                                                momentum=0.1, eps=1e-5):
    """The running statistics replaced by the batch's (momentum 1): no memory of earlier batches."""
    return _correct_bn_forward(x, gamma, beta, running_mean, running_var, training, 1.0, eps)


def batchnorm_forward__modifies_running_in_place(x, gamma, beta, running_mean, running_var, training,
                                                 momentum=0.1, eps=1e-5):
    out, new_mean, new_var = _correct_bn_forward(x, gamma, beta, running_mean, running_var, training,
                                                 momentum, eps)
    running_mean[...] = new_mean
    running_var[...] = new_var
    return out, running_mean, running_var


def batchnorm_backward__ignores_batch_statistics(x, gamma, grad_out, eps=1e-5):
    _, dgamma, dbeta = _correct_bn_backward(x, gamma, grad_out, eps)
    return gamma * grad_out / np.sqrt(x.var(axis=0) + eps), dgamma, dbeta


def batchnorm_backward__unbiased_variance(x, gamma, grad_out, eps=1e-5):
    n = x.shape[0]
    mu = x.mean(axis=0)
    inv_std = 1.0 / np.sqrt(x.var(axis=0, ddof=1) + eps)
    xhat = (x - mu) * inv_std
    dgamma = (grad_out * xhat).sum(axis=0)
    dx = gamma * inv_std * (grad_out - grad_out.mean(axis=0) - xhat * (grad_out * xhat).sum(axis=0) / (n - 1))
    return dx, dgamma, grad_out.sum(axis=0)


def batchnorm_backward__dgamma_uses_x(x, gamma, grad_out, eps=1e-5):
    dx, _, dbeta = _correct_bn_backward(x, gamma, grad_out, eps)
    return dx, (grad_out * x).sum(axis=0), dbeta


class EarlyStopping__keeps_reference(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_weights = weights  # the very arrays that training keeps changing
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience


class EarlyStopping__equal_is_improvement(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_weights = [np.array(w, copy=True) for w in weights]
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience


class EarlyStopping__no_counter_reset(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_weights = [np.array(w, copy=True) for w in weights]
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience


class EarlyStopping__best_loss_not_updated(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss < self.best_loss - self.min_delta:  # best_loss stays inf: every loss is an improvement
            self.best_weights = [np.array(w, copy=True) for w in weights]
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience


class EarlyStopping__ignores_min_delta(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.best_weights = [np.array(w, copy=True) for w in weights]
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps >= self.patience


class EarlyStopping__one_step_late(EarlyStopping):
    def step(self, val_loss, weights):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_weights = [np.array(w, copy=True) for w in weights]
            self.bad_steps = 0
        else:
            self.bad_steps += 1
        return self.bad_steps > self.patience          # waits one bad step too many
