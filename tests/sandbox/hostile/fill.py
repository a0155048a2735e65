# A hostile toy.py: fill the shared /dev/shm and the disk, print 200 MB from a correct function.
import os

import numpy as np


def double(x):
    """Fill /dev/shm (shared by every user of the machine), then the job's own scratch."""
    found = []
    for folder in ("/dev/shm", os.environ.get("TMPDIR", "/tmp")):
        try:
            with open(os.path.join(folder, "fill"), "wb") as handle:
                for _ in range(200):
                    handle.write(b"\0" * 2**20)
            found.append(f"{folder}: wrote 200 MiB")
        except OSError as exc:
            found.append(f"{folder}: stopped ({exc.strerror})")
    raise RuntimeError(" | ".join(found))


def softplus(x):
    """Correct, and very talkative: 200 MB of debug output."""
    line = "debug " * 1000 + "\n"
    for _ in range(200 * 2**20 // len(line)):
        print(line, end="")
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def split(x):
    return x + 1.0, x - 1.0
