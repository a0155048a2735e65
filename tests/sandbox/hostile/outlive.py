# A hostile toy.py: processes that try to outlive their check, a fork flood, and memory held by
# grandchildren. None may survive the job (2 s at most) or take more than the job's memory budget.
import os
import time

import numpy as np


def double(x):
    """A double-forked, setsid daemon that sleeps forever (and a plain child, too)."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            while True:
                time.sleep(0.1)
        os._exit(0)
    if os.fork() == 0:
        while True:
            time.sleep(0.1)
    return 2 * x


def softplus(x):
    """A fork flood: every process forks as fast as it can."""
    started = 0
    for _ in range(10_000):
        try:
            if os.fork() == 0:
                while True:
                    try:
                        os.fork()
                    except OSError:
                        time.sleep(0.01)
            started += 1
        except OSError:
            break
    return x * 0 + started


def split(x):
    """Memory held by grandchildren: four of them, 200 MB each (the budget is 512 MiB for the job)."""
    for _ in range(4):
        if os.fork() == 0:
            if os.fork() == 0:
                hold = np.ones(25_000_000)
                while True:
                    time.sleep(0.1)
            while True:
                time.sleep(0.1)
    time.sleep(60)
