# A hostile toy.py: each task breaks the event protocol in another way. The grader must end each
# task at once (not at its deadline, and never later), with a clear error, and grade the rest.
import time

import numpy as np

__FRAMES__


def double(x):
    """A repeated start, again and again: the old grader reset the task's deadline each time."""
    while True:
        _send(_event(e="start", task="double"))
        time.sleep(0.2)


def softplus(x):
    """A million nested lists in one frame: the old grader's json.loads crashed with a traceback."""
    _send(b"l\x01\x00\x00\x00" * 1_000_000 + b"N")
    time.sleep(60)


def split(x):
    """A frame that never ends: the old grader buffered it without bound."""
    import os
    import struct

    os.write(_events_fd(), struct.pack("<I", 0xFFFFFFF0))
    while True:
        os.write(_events_fd(), b"x" * 65536)
