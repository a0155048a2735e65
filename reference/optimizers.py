"""PyTorch reference for 05_optimizers: torch.optim itself, and torch.utils.data.DataLoader."""
import torch


def _drive(make, params, grads, scales):
    ps = [p.detach().clone().to(torch.float64).requires_grad_(True) for p in params]
    sizes = [p.numel() for p in ps]
    opt = make(ps)
    trajectory = []
    for t in range(len(scales)):
        flat = grads[t % len(grads)] * scales[t]
        for p, part in zip(ps, torch.split(flat, sizes)):
            p.grad = part.reshape(p.shape).clone()
        opt.step()
        trajectory.append(torch.cat([p.detach().reshape(-1) for p in ps]))
    return {"trajectory": torch.stack(trajectory), "in_place": True}


def SGD(params, grads, scales, lr, momentum=0.0, nesterov=False):
    return _drive(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=momentum, nesterov=nesterov),
                  params, grads, scales)


def RMSprop(params, grads, scales, lr=0.01, alpha=0.99, eps=1e-8):
    return _drive(lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps), params, grads, scales)


def Adam(params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
    return _drive(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(beta1, beta2), eps=eps,
                                              weight_decay=weight_decay), params, grads, scales)


def AdamW(params, grads, scales, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    return _drive(lambda ps: torch.optim.AdamW(ps, lr=lr, betas=(beta1, beta2), eps=eps,
                                               weight_decay=weight_decay), params, grads, scales)


def _epoch(n, batch_size, shuffle, seed):
    """Row order and batch sizes of one DataLoader epoch over the row indices."""
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    loader = torch.utils.data.DataLoader(torch.arange(n), batch_size=batch_size, shuffle=shuffle,
                                         drop_last=False, generator=generator)
    batches = [b.tolist() for b in loader]
    return [i for b in batches for i in b], [len(b) for b in batches]


def minibatches(X, y, batch_size, seed):
    """The properties the harness measures, as DataLoader(shuffle=..., drop_last=False) has them."""
    n = X.shape[0]
    first, sizes = _epoch(n, batch_size, True, seed)
    again, _ = _epoch(n, batch_size, True, seed)
    other, _ = _epoch(n, batch_size, True, seed + 1)
    plain, plain_sizes = _epoch(n, batch_size, False, None)
    fresh1, _ = _epoch(n, batch_size, True, None)
    fresh2, _ = _epoch(n, batch_size, True, None)
    runs = [first, again, other, plain, fresh1, fresh2]
    covers = [sorted(o) == list(range(n)) for o in runs]
    return {
        "covers_every_row_once": all(covers),
        "rows_aligned": True,  # the loader yields (X[idx], y[idx]) pairs by construction
        "batch_sizes": torch.tensor(sizes, dtype=torch.int64, device=X.device),
        "same_seed_same_order": first == again,
        "different_seed_different_order": first != other,
        "no_shuffle_keeps_order": plain == list(range(n)) and plain_sizes == sizes,
        "default_rng_shuffles": covers[4] and covers[5] and fresh1 != fresh2,
    }
