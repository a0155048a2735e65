"""Find the class's submissions and copy each one, safely, into a private temporary folder.

A submission is a learner folder, a `.zip` or `.tar(.gz)` archive (including `dlcert submit` zips),
one loose module `.py` file, or several loose files of one learner (an LMS's bulk download, see
`grader.classroom.lms`). Nothing of a submission is ever used in place: `extract` copies the
regular files it needs into a folder the caller owns, refusing path traversal, absolute paths,
links, device files, and archives over the size, file-count or compression-ratio limits. Folders
of tooling (`.venv`, `.git`, `__pycache__`, `node_modules`, ...) are skipped and not counted.
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
    """What one submission may hold once extracted (skipped tooling folders do not count)."""

    max_total_bytes: int = 64 * 2**20
    max_files: int = 2000
    max_ratio: float = 200.0
    """Largest uncompressed/compressed size of a member (or of a whole .tar.gz) over `ratio_floor`."""
    ratio_floor: int = 2**20
    """Members smaller than this are not ratio-checked (small text compresses very well)."""
    max_skipped_bytes: int = 2**30
    """A tar is read from start to end: skipped members may add at most this much reading."""

    def too_many_files(self) -> "IntakeError":
        return IntakeError("rejected", f"more than {self.max_files} files (the limit; an instructor raises it with "
                                       f"`dlcert class grade --max-files N`)")

    def too_big(self) -> "IntakeError":
        return IntakeError("rejected", f"more than {self.max_total_bytes / 2**20:g} MiB once extracted (the limit; an "
                                       f"instructor raises it with `dlcert class grade --max-size MIB`)")


@dataclass(frozen=True)
class Submission:
    """One learner's hand-in, before it is opened."""

    learner: str
    path: Path
    kind: str
    """`folder`, `zip`, `tar`, `py`, `files` (the `members` of the folder `path`), `link` (refused)
    or `file` (not a known format)."""
    members: tuple[tuple[str, str], ...] = ()
    """For `files`: (file name under `path`, the name it gets in the copy)."""
    layout: str = "plain"
    """How it was found: `plain`, or the LMS whose download it came from (see `grader.classroom.lms`)."""
    name: str | None = None
    """The learner's name where the layout carries it."""
    note: str = ""
    """Which file was graded and what it superseded."""
    aliases: tuple[str, ...] = ()
    """Other keys a roster may know this learner by."""


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


def discover(paths: Iterable[Path], modules: Iterable[str], layout: str = "auto") -> list[Submission]:
    """The submissions `paths` name: learner folders, archives, loose `.py` files, or folders of them
    (in an LMS's layout, one submission per learner: see `grader.classroom.lms`)."""
    from grader.classroom import lms

    modules = list(modules)
    found: list[Submission] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and not path.is_symlink() and not is_learner_folder(path, modules):
            children = sorted(p.absolute() for p in path.iterdir()
                              if not p.name.startswith(".") and p.name not in SKIPPED_FOLDERS and not _is_roster(p))
            for hand_in in lms.group(children, path, layout, learner_id):
                kind = "files" if hand_in.members else kind_of(hand_in.path)
                found.append(Submission(hand_in.key, hand_in.path, kind, hand_in.members, hand_in.layout, hand_in.name,
                                        hand_in.note, hand_in.aliases))
        elif path.suffix == ".py" and path.stem in modules:  # `alice/neurons.py`: the learner is the folder
            found.append(Submission(path.absolute().parent.name, path.absolute(), "py"))
        else:
            found.append(Submission(learner_id(path), path.absolute(), kind_of(path)))
    return found


def _is_roster(path: Path) -> bool:
    return path.is_file() and (path.suffix.lower() in (".csv", ".tsv", ".md", ".txt") or path.name == "submission_metadata.yml")


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
        elif sub.kind == "files":
            for source, name in sub.members:
                h.update(name.encode() + b"\0")
                _hash_file(sub.path / source, h)
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
    elif sub.kind == "files":
        writer = _Writer(dest, limits)
        for source, name in sub.members:
            if (sub.path / source).is_symlink() or not (sub.path / source).is_file():
                raise IntakeError("rejected", f"{source} is not a regular file")
            writer.copy(name, sub.path / source)
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
            raise self.limits.too_many_files()

    def write(self, name: str, chunks: Iterable[bytes]) -> None:
        self.count()
        target = self.target(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                self.bytes += len(chunk)
                if self.bytes > self.limits.max_total_bytes:
                    raise self.limits.too_big()
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


def _skipped(name: str) -> bool:
    """A member under a tooling folder (`.venv/`, `.git/`, ...): not extracted, not counted."""
    return any(p in SKIPPED_FOLDERS for p in name.replace("\\", "/").split("/")[:-1])


def _wanted(name: str) -> bool:
    """Only code and the manifest are extracted; every member is still checked."""
    return (name.endswith(".py") or name.replace("\\", "/").split("/")[-1] in KEPT_NAMES) and not _skipped(name)


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
        counted = [info for info in members if not info.is_dir() and not _skipped(info.filename)]
        if len(counted) > limits.max_files:
            raise limits.too_many_files()
        total = 0
        for info in members:
            safe_parts(info.filename)
            if _skipped(info.filename):
                continue  # never read (links in a zipped .venv included), so neither counted nor a bomb
            mode = info.external_attr >> 16
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):  # 0: no type recorded
                what = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file"
                raise IntakeError("rejected", f"{info.filename} is {what}")
            if info.flag_bits & 0x1:
                raise IntakeError("corrupt", f"{info.filename} is encrypted")
            total += info.file_size
            if total > limits.max_total_bytes:
                raise limits.too_big()
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
    total = skipped = 0
    try:
        with archive:
            for member in archive:  # lazily: a bomb is refused at its header, before its data is read
                safe_parts(member.name)
                if _skipped(member.name):  # read past (a tar is a stream), neither extracted nor counted
                    skipped += member.size if member.isreg() else 0
                    if skipped > limits.max_skipped_bytes:
                        raise IntakeError("rejected", f"{path.name} holds more than {limits.max_skipped_bytes / 2**30:g} GiB "
                                                      f"in skipped folders ({member.name})")
                    if skipped > limits.ratio_floor and total + skipped > limits.max_ratio * archive_size:
                        raise IntakeError("rejected", f"{path.name} expands more than {limits.max_ratio:g}-fold (a tar bomb?)")
                    continue
                if member.issym() or member.islnk():
                    raise IntakeError("rejected", f"{member.name} is a {'symbolic' if member.issym() else 'hard'} link (to {member.linkname})")
                if not (member.isreg() or member.isdir()):
                    raise IntakeError("rejected", f"{member.name} is not a regular file (a device, pipe or socket)")
                if member.isdir():
                    continue
                total += member.size
                if total > limits.max_total_bytes:
                    raise limits.too_big()
                if total + skipped > limits.ratio_floor and total + skipped > limits.max_ratio * archive_size:
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
