"""A generated class of hostile and honest submissions, with the verdicts each must get.

`make_class(folder)` writes every submission under `folder` and returns {learner: Expected}.
Tasks graded: the `neurons` and `activations` modules (14 tasks).
"""
from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import load_course
from grader.trusted import mutant_source

MODULES = ("neurons", "activations")
MUTATED_TASKS = ("neurons.perceptron", "neurons.dense_forward", "activations.relu", "activations.softmax")


@dataclass
class Expected:
    submission: str = "graded"
    """The submission's status: graded, rejected, corrupt or empty."""
    tasks: dict[str, str] = field(default_factory=dict)
    """Task id → expected status; tasks not named here must pass (when graded)."""
    mistakes: dict[str, str] = field(default_factory=dict)
    """Task id → the known mistake the diagnosis must name."""
    only: tuple[str, ...] = ()
    """When set, only these tasks are asserted (a mutant may break tasks that call it)."""


def course():
    return load_course()


def exercises():
    c = course()
    return [c.exercise(m) for m in MODULES]


def task_ids() -> list[str]:
    return [t.id for e in exercises() for t in e.tasks]


def solution(module: str) -> str:
    return course().exercise(module).solution_path.read_text()


def stub(module: str) -> str:
    return course().exercise(module).stub_path.read_text()


def rel(module: str) -> str:
    e = course().exercise(module)
    return f"exercises/{e.folder}/{e.module}.py"


def with_task(module: str, task: str, body: str, header: str = "") -> str:
    """The solution with `task` rebound to a hostile function (its parameters taken as *args)."""
    return header + solution(module) + "\n\ndef _hostile(*args, **kwargs):\n" + "".join(
        f"    {line}\n" for line in body.splitlines()) + f"\n{task} = _hostile\n"


def write_folder(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def write_zip(path: Path, files: dict[str, str | bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)


def write_tar(path: Path, files: dict[str, str], mode: str = "w:gz") -> None:
    with tarfile.open(path, mode) as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


def full(prefix: str = "") -> dict[str, str]:
    return {prefix + rel(m): solution(m) for m in MODULES}


def all_pass() -> Expected:
    return Expected()


def make_class(folder: Path) -> dict[str, Expected]:
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, Expected] = {}
    neurons_tasks = [t.id for t in course().exercise("neurons").tasks]
    activation_tasks = [t.id for t in course().exercise("activations").tasks]

    # --- correct, in every layout -------------------------------------------------------------
    write_folder(folder / "c01_folder", full())
    expected["c01_folder"] = all_pass()
    manifest = json.dumps({"format_version": 1, "files": [rel(m) for m in MODULES]})
    write_zip(folder / "c02_submit.zip", {**full(), "manifest.json": manifest})
    expected["c02_submit"] = all_pass()
    write_tar(folder / "c03_tgz.tar.gz", full("c03/"))
    expected["c03_tgz"] = all_pass()
    write_tar(folder / "c04_tar.tar", full(), mode="w")
    expected["c04_tar"] = all_pass()
    write_zip(folder / "c05_nested.zip", full("Downloads/Jane Doe - lab 1/ws/"))
    expected["c05_nested"] = all_pass()
    workspace = folder / "c06_workspace"
    write_folder(workspace, {**full(), ".dlcert/workspace.json": '{"format_version": 1, "seed": 5}', ".venv/lib/junk.py": "raise SystemExit"})
    expected["c06_workspace"] = all_pass()
    write_zip(folder / "c07_backslashes.zip", {rel(m).replace("/", "\\"): solution(m) for m in MODULES})
    expected["c07_backslashes"] = all_pass()

    # --- partly correct ---------------------------------------------------------------------------
    write_folder(folder / "p01_stub_activations", {rel("neurons"): solution("neurons"), rel("activations"): stub("activations")})
    expected["p01_stub_activations"] = Expected(tasks={t: "not_implemented" for t in activation_tasks})
    loose = folder / "p02_loose"
    loose.mkdir()
    (loose / "neurons.py").write_text(solution("neurons"))  # a folder holding one loose module file
    expected["p02_loose"] = Expected(tasks={t: "not_implemented" for t in activation_tasks})
    (folder / "p03_named_oddly.py").write_text(solution("neurons"))  # found by the names it defines
    expected["p03_named_oddly"] = Expected(tasks={t: "not_implemented" for t in activation_tasks})

    # --- each known mistake of four tasks -------------------------------------------------------
    for task_id in MUTATED_TASKS:
        module, _, task = task_id.partition(".")
        exercise = course().exercise(module)
        spec = next(t for t in exercise.tasks if t.name == task).spec
        other = next(m for m in MODULES if m != module)
        for mistake in spec.mistakes:
            learner = f"m_{task}_{mistake.name}"
            write_zip(folder / f"{learner}.zip", {rel(module): mutant_source(exercise, task, mistake.name), rel(other): solution(other)})
            only = (task_id,) if task == "softmax" else ()  # softmax_backward calls the mutated softmax
            expected[learner] = Expected(tasks={task_id: "failed|error"}, mistakes={task_id: mistake.name}, only=only)

    # --- hostile code -----------------------------------------------------------------------------
    write_folder(folder / "h01_hangs", {rel("neurons"): with_task("neurons", "perceptron", "while True:\n    pass"),
                                        rel("activations"): solution("activations")})
    expected["h01_hangs"] = Expected(tasks={"neurons.perceptron": "timeout"})
    write_folder(folder / "h02_crashes", {rel("neurons"): with_task("neurons", "dense_forward", "import os\nos.abort()"),
                                          rel("activations"): solution("activations")})
    expected["h02_crashes"] = Expected(tasks={"neurons.dense_forward": "error"})
    write_folder(folder / "h03_memory_hog", {rel("neurons"): solution("neurons"),
                                             rel("activations"): with_task("activations", "sigmoid", "import numpy\nbig = numpy.ones(6 * 2**30 // 8)\nreturn big")})
    expected["h03_memory_hog"] = Expected(tasks={"activations.sigmoid": "error"}, only=("activations.sigmoid",))  # sigmoid_backward calls it
    write_folder(folder / "h04_exits_on_import", {rel("neurons"): "import os\nos._exit(3)\n" + solution("neurons"),
                                                  rel("activations"): solution("activations")})
    expected["h04_exits_on_import"] = Expected(tasks={t: "error" for t in neurons_tasks})
    write_folder(folder / "h05_syntax_error", {rel("neurons"): solution("neurons"), rel("activations"): "def sigmoid(x:\n    return x\n"})
    expected["h05_syntax_error"] = Expected(tasks={t: "error" for t in activation_tasks})

    # --- bad hand-ins -----------------------------------------------------------------------------
    write_zip(folder / "x01_traversal.zip", {**full(), "../../escaped.py": "print('escaped')"})
    expected["x01_traversal"] = Expected("rejected")
    write_zip(folder / "x02_absolute.zip", {**full(), "/tmp/dlcert-absolute-escape.py": "x = 1"})
    expected["x02_absolute"] = Expected("rejected")
    with tarfile.open(folder / "x03_tar_symlink.tar.gz", "w:gz") as t:
        info = tarfile.TarInfo(rel("neurons"))
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        t.addfile(info)
    expected["x03_tar_symlink"] = Expected("rejected")
    linked = folder / "x04_folder_symlink"
    write_folder(linked, {rel("activations"): solution("activations")})
    (linked / rel("neurons")).parent.mkdir(parents=True)
    os.symlink("/etc/passwd", linked / rel("neurons"))
    expected["x04_folder_symlink"] = Expected("rejected")
    with zipfile.ZipFile(folder / "x05_zip_symlink.zip", "w") as z:
        info = zipfile.ZipInfo(rel("neurons"))
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    expected["x05_zip_symlink"] = Expected("rejected")
    with zipfile.ZipFile(folder / "x06_zip_bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(rel("neurons"), solution("neurons"))
        z.writestr("padding.bin", b"\0" * (40 * 2**20))  # 40 MiB of zeros: ~1000-fold
    expected["x06_zip_bomb"] = Expected("rejected")
    with tarfile.open(folder / "x07_tar_bomb.tar.gz", "w:gz") as t:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 100 * 2**20
        t.addfile(info, _Zeros(info.size))
    expected["x07_tar_bomb"] = Expected("rejected")
    write_zip(folder / "x08_empty.zip", {})
    expected["x08_empty"] = Expected("empty")
    (folder / "x09_empty_folder").mkdir()
    expected["x09_empty_folder"] = Expected("empty")
    (folder / "x10_not_an_archive.zip").write_bytes(b"%PDF-1.4 this is a PDF, not a zip\n" * 20)
    expected["x10_not_an_archive"] = Expected("corrupt")
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in full().items():
            z.writestr(name, text)
    (folder / "x11_truncated.zip").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    expected["x11_truncated"] = Expected("corrupt")
    write_zip(folder / "x12_many_files.zip", {**full(), **{f"junk/{i}.txt": "x" for i in range(2100)}})
    expected["x12_many_files"] = Expected("rejected")
    (folder / "x13_word.docx").write_bytes(os.urandom(3000))
    expected["x13_word"] = Expected("corrupt")
    return expected


class _Zeros(io.RawIOBase):
    """A file of `size` zero bytes, streamed (a bomb is cheap to make)."""

    def __init__(self, size: int):
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        return n


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder` (links not followed) with its type, size, mtime and content hash."""
    import hashlib

    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            st = path.lstat()
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(st.st_mode) else os.readlink(path) if path.is_symlink() else ""
            out[str(path.relative_to(folder))] = (stat.S_IFMT(st.st_mode), st.st_size if stat.S_ISREG(st.st_mode) else 0, st.st_mtime_ns, digest)
    return out
