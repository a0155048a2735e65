"""What the grader decides from the optimizer and minibatch drivers' results (runs in the grader)."""
import numpy as np


def _trajectory(raw, params):
    """`in_place`: every parameter array the caller holds was changed by the steps, and the
    optimizer kept the caller's arrays (it did not swap in new ones)."""
    trajectory = raw.get("trajectory")
    initial = np.concatenate([np.ravel(p) for p in params])
    if not isinstance(trajectory, np.ndarray) or trajectory.ndim != 2 or trajectory.shape[1] != initial.size:
        return {"trajectory": trajectory, "in_place": False}
    bounds = np.cumsum([0] + [np.size(p) for p in params])
    changed = [bool(np.any(trajectory[:, a:b] != initial[a:b])) for a, b in zip(bounds[:-1], bounds[1:])]
    return {"trajectory": trajectory, "in_place": all(changed) and raw.get("same_objects") is True}


def SGD(raw, params, grads, scales, *rest):
    return _trajectory(raw, params)


RMSprop = Adam = AdamW = SGD


def minibatches(raw, X, y, batch_size, seed):
    """Coverage, alignment and order of the six epochs, with rows matched back to X."""
    row_index = {np.ascontiguousarray(X[i]).tobytes(): i for i in range(len(X))}
    epochs = raw.get("epochs")
    if not isinstance(epochs, list) or len(epochs) != 6:
        epochs = [[]] * 6
    orders, sizes, aligned = [], [], True
    for epoch in epochs:
        order, epoch_sizes = [], []
        for batch in epoch if isinstance(epoch, list) else []:
            Xb, yb = batch if isinstance(batch, tuple) and len(batch) == 2 else (None, None)
            if not isinstance(Xb, np.ndarray) or not isinstance(yb, np.ndarray) or Xb.ndim == 0 or yb.ndim == 0:
                aligned = False
                continue
            epoch_sizes.append(int(len(Xb)))
            aligned = aligned and len(Xb) == len(yb)
            for j in range(len(Xb)):
                i = row_index.get(np.ascontiguousarray(Xb[j], dtype=X.dtype).tobytes(), -1)
                order.append(i)
                if i < 0 or j >= len(yb) or not np.array_equal(yb[j], y[i]):
                    aligned = False
        orders.append(order)
        sizes.append(epoch_sizes)
    first, again, other, plain, fresh1, fresh2 = orders

    def covers(order):
        return sorted(order) == list(range(len(X)))

    return {
        "covers_every_row_once": all(covers(o) for o in orders),
        "rows_aligned": aligned,
        "batch_sizes": np.array(sizes[0], dtype=np.int64),
        "same_seed_same_order": first == again,
        "different_seed_different_order": first != other,
        "no_shuffle_keeps_order": plain == list(range(len(X))) and sizes[3] == sizes[0],
        "default_rng_shuffles": covers(fresh1) and covers(fresh2) and fresh1 != fresh2,
    }
