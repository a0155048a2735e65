# A hostile toy.py: results too large, and cases that do not exist.
import time

import numpy as np

__FRAMES__


def double(x):
    """60 MiB of results per case, more than a task may send in all (and more cases than it has)."""
    big = _array(np.zeros(60 * 2**20 // 8))
    for name in ("small", "random", "small"):
        _send(_event(e="case", case=name, outputs=big))
    time.sleep(60)


def softplus(x):
    """A case out of order: 'large' comes after 'small'."""
    _send(_event(e="case", case="large", outputs=_array(x)))
    time.sleep(60)


def split(x):
    """More cases than the task has."""
    for _ in range(2):
        _send(_event(e="case", case="small", outputs=_array(x)))
    time.sleep(60)
