"""Find the class's submissions and copy each one, safely, into a private temporary folder.

A submission is a learner folder, a `.zip` or `.tar(.gz)` archive (including `dlcert submit` zips), or
one loose module `.py` file. Nothing of a submission is ever used in place: `extract` copies the
regular files it needs into a folder the caller owns, refusing path traversal, absolute paths,
links, device files, and archives over the size, file-count or compression-ratio limits.
"""
from __future__ import annotations

import ast
import hashlib
import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip")
SKIPPED_FOLDERS = {".git", ".hg", ".venv", "venv", "__pycache__", "node_modules", "__MACOSX", ".dlcert", ".ipynb_checkpoints"}
KEPT_NAMES = {"manifest.json"}
CHUNK = 1 << 16


@dataclass(frozen=True)
class Limits:
    """What one submission may hold once extracted."""

    max_total_bytes: int = 64 * 2**20
    max_files: int = 2000
    max_ratio: float = 200.0
    """Largest uncompressed/compressed size of a member (or of a whole .tar.gz) over `ratio_floor`."""
    ratio_floor: int = 2**20
    """Members smaller than this are not ratio-checked (small text compresses very well)."""


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in, before it is opened."""

    learner: str
    path: Path
    kind: str
    """`folder`, `zip`, `tar`, `py`, `link` (refused) or `file` (not a known format)."""


class IntakeError(Exception):
    """A submission that cannot be graded; `status` is `rejected`, `corrupt` or `empty`."""

    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --- discovery ------------------------------------------------------------------------------------


def learner_id(path: Path) -> str:
    """The learner id a file or folder name gives: the name without archive or `.py` suffixes."""
    name = path.name
    for suffix in (*ARCHIVE_SUFFIXES, ".py"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    if path.is_file() and path.suffix and len(path.stem) > 0:  # a hand-in of any other format: drop its extension
        return path.stem
    return name


def kind_of(path: Path) -> str:
    """What a path holds, judged by its content (magic bytes), never by its name alone."""
    if path.is_symlink():
        return "link"
    if path.is_dir():
        return "folder"
    if not path.is_file():
        return "file"
    if path.name.endswith(".py"):
        return "py"
    try:
        if zipfile.is_zipfile(path):
            return "zip"
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError:
        pass
    return "file"


def is_learner_folder(folder: Path, modules: Iterable[str]) -> bool:
    """A folder that is itself one submission (a workspace, an unpacked `submit` zip, module files)."""
    if (folder / "exercises").is_dir() or (folder / "manifest.json").is_file() or (folder / ".dlcert").is_dir():
        return True
    names = {f"{m}.py" for m in modules}
    return any(p.name in names for p in folder.iterdir() if p.is_file())


def discover(paths: Iterable[Path], modules: Iterable[str]) -> list[Submission]:
    """The submissions `paths` name: learner folders, archives, loose `.py` files, or folders of them."""
    modules = list(modules)
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink() and not is_learner_folder(path, modules):
            children = sorted(p for p in path.iterdir() if not p.name.startswith(".") and p.name not in SKIPPED_FOLDERS)
            found += [Submission(learner_id(p), p.absolute(), kind_of(p)) for p in children if not _is_roster(p)]
        elif path.suffix == ".py" and path.stem in modules:  # `alice/neurons.py`: the learner is the folder
            found.append(Submission(path.absolute().parent.name, path.absolute(), "py"))
        else:
            found.append(Submission(learner_id(path), path.absolute(), kind_of(path)))
    return found


def _is_roster(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".csv", ".tsv", ".md", ".txt")


# --- hashing --------------------------------------------------------------------------------------


def content_hash(sub: Submission) -> str:
    """A hash of what was handed in: the file's bytes, or a folder's kept files and their paths."""
    h = hashlib.sha256(sub.kind.encode() + b"\0")
    try:
        if sub.kind == "folder":
            for rel, entry in _walk_folder(sub.path):
                h.update(rel.encode() + b"\0")
                if entry.is_symlink():
                    h.update(b"L" + os.readlink(entry).encode() + b"\0")
                elif entry.is_file(follow_symlinks=False):
                    _hash_file(Path(entry.path), h)
        elif sub.kind == "link":
            h.update(os.readlink(sub.path).encode())
        else:
            _hash_file(sub.path, h)
    except OSError as exc:
        h.update(f"unreadable: {exc}".encode())
    return h.hexdigest()[:32]


def _hash_file(path: Path, h: "hashlib._Hash") -> None:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            h.update(chunk)


def _walk_folder(root: Path, rel: str = "") -> Iterator[tuple[str, os.DirEntry]]:
    """Entries of a learner folder worth copying, in a stable order; never follows a link."""
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            path = f"{rel}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_FOLDERS and not entry.name.startswith("."):
                    yield from _walk_folder(Path(entry.path), path + "/")
            elif entry.name.endswith(".py") or entry.name in KEPT_NAMES or entry.is_symlink() or not entry.is_file(follow_symlinks=False):
                yield path, entry


# --- extraction -----------------------------------------------------------------------------------


def extract(sub: Submission, dest: Path, limits: Limits = Limits()) -> None:
    """Copy `sub`'s files into the empty folder `dest`, or raise `IntakeError` saying why not."""
    dest.mkdir(parents=True, exist_ok=True)
    if sub.kind == "link":
        raise IntakeError("rejected", f"{sub.path.name} is a symbolic link, not a submission")
    if sub.kind == "folder":
        _copy_folder(sub.path, dest, limits)
    elif sub.kind == "zip":
        _extract_zip(sub.path, dest, limits)
    elif sub.kind == "tar":
        _extract_tar(sub.path, dest, limits)
    elif sub.kind == "py":
        _Writer(dest, limits).copy(sub.path.name, sub.path)
    else:
        raise IntakeError("corrupt", f"{sub.path.name} is not a folder, a .zip or .tar(.gz) archive, or a .py file")


class _Writer:
    """Writes files under `dest` only, counting files and bytes against the limits."""

    def __init__(self, dest: Path, limits: Limits):
        self.dest = dest.resolve()
        self.limits = limits
        self.files = 0
        self.bytes = 0

    def target(self, name: str) -> Path:
        parts = safe_parts(name)
        target = self.dest.joinpath(*parts)
        if not target.resolve().is_relative_to(self.dest):  # defence in depth: parts are already clean
            raise IntakeError("rejected", f"the path {name!r} leaves the submission")
        return target

    def count(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise IntakeError("rejected", f"more than {self.limits.max_files} files")

    def write(self, name: str, chunks: Iterable[bytes]) -> None:
        self.count()
        target = self.target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                self.bytes += len(chunk)
                if self.bytes > self.limits.max_total_bytes:
                    raise IntakeError("rejected", f"more than {self.limits.max_total_bytes // 2**20} MiB once extracted")
                out.write(chunk)

    def copy(self, name: str, source: Path) -> None:
        with open(source, "rb", opener=lambda p, f: os.open(p, f | os.O_NOFOLLOW)) as handle:
            self.write(name, iter(lambda: handle.read(CHUNK), b""))


def safe_parts(name: str) -> list[str]:
    """The path components of an archive member name; refuses absolute paths and `..`."""
    if "\x00" in name:
        raise IntakeError("rejected", f"the path {name!r} has a NUL byte")
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        raise IntakeError("rejected", f"the absolute path {name!r} is not allowed")
    parts = [p for p in PurePosixPath(unified).parts if p not in ("", ".")]
    if ".." in parts:
        raise IntakeError("rejected", f"the path {name!r} climbs out of the submission (`..`)")
    if not parts:
        raise IntakeError("rejected", f"the path {name!r} names nothing")
    return parts


def _wanted(name: str) -> bool:
    """Only code and the manifest are extracted; every member is still checked."""
    parts = name.replace("\\", "/").split("/")
    return (name.endswith(".py") or parts[-1] in KEPT_NAMES) and not any(p in SKIPPED_FOLDERS for p in parts[:-1])


def _copy_folder(root: Path, dest: Path, limits: Limits) -> None:
    writer = _Writer(dest, limits)
    for rel, entry in _walk_folder(root):
        if entry.is_symlink():
            raise IntakeError("rejected", f"{rel} is a symbolic link (to {os.readlink(entry)}); hand in the file itself")
        if not entry.is_file(follow_symlinks=False):
            raise IntakeError("rejected", f"{rel} is not a regular file (a device, pipe or socket)")
        writer.copy(rel, Path(entry.path))


def _extract_zip(path: Path, dest: Path, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntakeError("corrupt", f"{path.name} is not a readable zip archive ({exc})") from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_files:
            raise IntakeError("rejected", f"more than {limits.max_files} files")
        total = 0
        for info in members:
            safe_parts(info.filename)
            mode = info.external_attr >> 16
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # 0: no type recorded
                what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
                raise IntakeError("rejected", f"{info.filename} is {what}")
            if info.flag_bits & 0x1:
                raise IntakeError("corrupt", f"{info.filename} is encrypted")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise IntakeError("rejected", f"more than {limits.max_total_bytes // 2**20} MiB once extracted")
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise IntakeError("rejected", f"{info.filename} expands {info.file_size / max(info.compress_size, 1):.0f}-fold (a zip bomb?)")
        writer = _Writer(dest, limits)
        try:
            for info in members:
                if info.is_dir() or not _wanted(info.filename):
                    continue
                with archive.open(info) as handle:
                    writer.write(info.filename, _capped(handle, info.file_size, info.filename))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError, OSError) as exc:
            raise IntakeError("corrupt", f"{path.name} could not be read ({exc})") from exc


def _capped(handle, declared: int, name: str) -> Iterator[bytes]:
    """A member's bytes, refusing more than its header declared (a lying header is a bomb)."""
    seen = 0
    while chunk := handle.read(CHUNK):
        seen += len(chunk)
        if seen > declared:
            raise IntakeError("rejected", f"{name} holds more than its header declares")
        yield chunk


def _extract_tar(path: Path, dest: Path, limits: Limits) -> None:
    archive_size = max(path.stat().st_size, 1)
    try:
        archive = tarfile.open(path, mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise IntakeError("corrupt", f"{path.name} is not a readable tar archive ({exc})") from exc
    writer = _Writer(dest, limits)
    total = 0
    try:
        with archive:
            for member in archive:  # lazily: a bomb is refused at its header, before its data is read
                safe_parts(member.name)
                if member.issym() or member.islnk():
                    raise IntakeError("rejected", f"{member.name} is a {'symbolic' if member.issym() else 'hard'} link (to {member.linkname})")
                if not (member.isreg() or member.isdir()):
                    raise IntakeError("rejected", f"{member.name} is not a regular file (a device, pipe or socket)")
                if member.isdir():
                    continue
                total += member.size
                if total > limits.max_total_bytes:
                    raise IntakeError("rejected", f"more than {limits.max_total_bytes // 2**20} MiB once extracted")
                if total > limits.ratio_floor and total > limits.max_ratio * archive_size:
                    raise IntakeError("rejected", f"{path.name} expands more than {limits.max_ratio:g}-fold (a tar bomb?)")
                if _wanted(member.name):
                    handle = archive.extractfile(member)
                    writer.write(member.name, _capped(handle, member.size, member.name))
                else:
                    writer.count()
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise IntakeError("corrupt", f"{path.name} could not be read ({exc})") from exc


# --- finding the module files ---------------------------------------------------------------------


def locate_modules(root: Path, exercises: Iterable) -> dict[str, Path]:
    """Each exercise's learner file in an extracted submission, by exercise folder name.

    Preference: `exercises/NN_module/module.py` at any depth, then `NN_module/module.py`, then any
    `module.py` (shallowest first). A lone `.py` named otherwise counts for the module whose task
    names it defines most (read with `ast`, never run).
    """
    files = sorted((p for p in root.rglob("*.py") if p.is_file() and not p.is_symlink()),
                   key=lambda p: (len(p.relative_to(root).parts), str(p)))
    exercises = list(exercises)
    found: dict[str, Path] = {}
    for exercise in exercises:
        name = f"{exercise.module}.py"
        for pattern in (("exercises", exercise.folder, name), (exercise.folder, name), (name,)):
            match = next((p for p in files if p.relative_to(root).parts[-len(pattern):] == pattern), None)
            if match:
                found[exercise.folder] = match
                break
    if not found and len(files) == 1:
        exercise = _module_by_definitions(files[0], exercises)
        if exercise is not None:
            found[exercise.folder] = files[0]
    return found


def _module_by_definitions(path: Path, exercises: list):
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return None
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}
    scored = [(len(defined & {t.name for t in e.tasks}), -i, e) for i, e in enumerate(exercises)]
    best = max(scored, key=lambda s: s[:2], default=None)
    return best[2] if best and best[0] else None
