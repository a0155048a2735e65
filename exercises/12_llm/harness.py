"""How the grader drives the KV cache (runs next to the learner's code; returns plain data only).

Positions are fed one at a time through the same three buffers, overwritten before every step,
as a decoding loop reuses its arrays: a cache that keeps references instead of copies ends up
with every cached key equal to the latest one. Step t's output is handed back as returned (a
plain array is copied at once, so a cache may reuse its own output buffer).
"""
import numpy as np


def KVCache(impl, q, k, v):
    N, T, d = q.shape
    cache = impl()
    q_t, k_t, v_t = np.empty((N, d)), np.empty((N, d)), np.empty((N, d))
    outputs = []
    for t in range(T):
        q_t[...], k_t[...], v_t[...] = q[:, t], k[:, t], v[:, t]
        out = cache.step(q_t, k_t, v_t)
        outputs.append(out.copy() if type(out) is np.ndarray else out)
    return {"out": outputs}
