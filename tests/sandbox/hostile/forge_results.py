# A hostile toy.py: forged results. Huge arrays that are not there, too many cases, and events for a
# task whose verdict is already given: none may cost the grader memory or change a verdict.
import struct
import time

import numpy as np

__FRAMES__


def double(x):
    return 2 * x  # graded, passed; softplus then tries to change that


def softplus(x):
    """Events for double, whose verdict is in: they must change nothing."""
    _send(_event(e="end", task="double"))
    _send(_event(e="case", case="random", outputs=_array(np.zeros(3))))
    time.sleep(60)


def split(x):
    """An array that claims a trillion elements (the old grader np.load-ed sparse files of GiBs)."""
    _send(_event(e="case", case="small", outputs=b"a\x0b\x01" + struct.pack("<Q", 10**12)))
    time.sleep(60)
