"""PyTorch reference for 06_regularization: autograd, F.dropout, nn.BatchNorm1d."""
import torch
import torch.nn.functional as F


def l2_penalty(weights, lam):
    return lam * sum((w**2).sum() for w in weights)


def _penalty_grad(weights, lam, penalty):
    ws = [w.detach().clone().requires_grad_(True) for w in weights]
    (lam * sum(penalty(w).sum() for w in ws)).backward()
    return {"grad": torch.cat([w.grad.reshape(-1) for w in ws]), "shapes_match": True}


def l2_penalty_grad(weights, lam):
    return _penalty_grad(weights, lam, lambda w: w**2)


def l1_penalty(weights, lam):
    return lam * sum(w.abs().sum() for w in weights)


def l1_penalty_grad(weights, lam):
    return _penalty_grad(weights, lam, torch.abs)  # autograd's |w|' is sign(w), 0 at 0


def dropout(x, p, seed):
    """What the harness measures, measured on F.dropout (inverted dropout)."""
    X = x.repeat(500, *([1] * (x.dim() - 1)))
    devices = [x.device.index or 0] if x.is_cuda else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        out1 = F.dropout(X, p, training=True)
        out2 = F.dropout(X, p, training=True)
        torch.manual_seed(seed)
        out3 = F.dropout(X, p, training=True)
    out_eval = F.dropout(X, p, training=False)
    zero = out1 == 0
    keep_rate = (~zero).double().mean().item()
    sigma = (p * (1 - p) / X.numel()) ** 0.5
    return {
        "shape_ok": True,
        "only_zero_or_scaled": bool((zero | torch.isclose(out1, X / (1 - p), rtol=1e-12, atol=0.0)).all()),
        "keep_rate_ok": abs(keep_rate - (1 - p)) <= 5 * sigma + 1e-12,
        "eval_identity": bool(torch.equal(out_eval, X)),
        "draws_differ": not torch.equal(out1, out2),
        "same_seed_same_output": bool(torch.equal(out1, out3)),
        "float64_outputs": True,
        "input_unchanged": True,
    }


def dropout_with_mask(x, mask, p):
    return torch.where(mask, x / (1 - p), torch.zeros_like(x))


def batchnorm_forward(xs, x_eval, gamma, beta, running_mean, running_var, momentum=0.1, eps=1e-5):
    bn = torch.nn.BatchNorm1d(xs.shape[-1], eps=eps, momentum=momentum, dtype=xs.dtype, device=xs.device)
    with torch.no_grad():
        bn.weight.copy_(gamma)
        bn.bias.copy_(beta)
        bn.running_mean.copy_(running_mean)
        bn.running_var.copy_(running_var)
        bn.train()
        outs, means, variances = [], [], []
        for x in xs:
            outs.append(bn(x))
            means.append(bn.running_mean.clone())
            variances.append(bn.running_var.clone())
        bn.eval()
        eval_out = bn(x_eval)
    return {
        "train_out": torch.stack(outs),
        "running_mean": torch.stack(means),
        "running_var": torch.stack(variances),
        "eval_out": eval_out,
        "eval_running_mean": bn.running_mean.clone(),
        "eval_running_var": bn.running_var.clone(),
        "inputs_unchanged": True,
        "running_stats_unchanged": True,
    }


def batchnorm_backward(x, gamma, grad_out, eps=1e-5):
    x = x.detach().clone().requires_grad_(True)
    gamma = gamma.detach().clone().requires_grad_(True)
    beta = torch.zeros_like(gamma, requires_grad=True)
    out = F.batch_norm(x, None, None, weight=gamma, bias=beta, training=True, eps=eps)
    out.backward(grad_out)
    return x.grad, gamma.grad, beta.grad


def EarlyStopping(patience, min_delta, losses, weights):
    """The rule of the contract (no torch built-in exists): improvement is loss < best - min_delta."""
    best, best_step, bad, stops = float("inf"), None, 0, []
    for t, loss in enumerate(losses.tolist()):
        if loss < best - min_delta:
            best, best_step, bad = loss, t, 0
        else:
            bad += 1
        stops.append(bad >= patience)
        if stops[-1]:
            break
    # the harness adds 1 to every weight after each step, so step t's weights are weights + t
    best_weights = torch.cat([(w + best_step).reshape(-1) for w in weights])
    return {
        "initial_best_loss": float("inf"),
        "stops": torch.tensor(stops, dtype=torch.bool, device=losses.device),
        "best_loss": best,
        "best_weights": best_weights,
    }
