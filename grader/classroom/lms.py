"""Hand-ins as learning-management systems deliver them, grouped into one submission per learner.

Recognised by the names each system gives (nothing is opened but Gradescope's metadata file):

- Moodle's "download all submissions": `Full Name_123456_assignsubmission_file_/` folders (or, with
  "download as folders" off, `Full Name_123456_assignsubmission_file_lab1.zip` files); 123456 is
  Moodle's participant id, the "Participant 123456" of its grading worksheet.
- Canvas's bulk download: `lastfirst[_late]_userid_submissionid_filename` files, where Canvas
  renames a re-uploaded file `name-1.py`, `name-2.py`, ...: the highest number is the latest.
- GitHub Classroom: one repository folder per learner, `assignment-username` (as `gh classroom
  clone student-repos` writes them).
- Gradescope's export: `submission_metadata.yml` naming each `submission_N/` folder's submitters.

Anything else is the plain layout: one learner per file or folder, named after the learner.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

LAYOUTS = ("auto", "plain", "moodle", "canvas", "github-classroom", "gradescope")

MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$", re.S)
CANVAS = re.compile(r"^(?P<name>[a-z0-9]+?)(?P<late>_late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.S)
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<ext>(?:\.tar)?\.[A-Za-z0-9]+)?$")
GRADESCOPE_METADATA = "submission_metadata.yml"
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
CODE_PLUGIN = "file"


@dataclass(frozen=True)
class HandIn:
    """One learner's hand-in as a layout names it, before the roster is consulted."""

    key: str
    """What identifies the learner: a participant or user id, a username, an email, or a name."""
    path: Path
    """The file or folder to grade (a folder when `members` is set)."""
    layout: str = "plain"
    name: str | None = None
    """The learner's name where the layout carries it (Moodle, Canvas's `lastfirst`, Gradescope)."""
    members: tuple[tuple[str, str], ...] = ()
    """(file under `path`, name in the copy): the files of a hand-in that is several loose files."""
    note: str = ""
    """Which file was graded and what it superseded, or that it was late."""
    aliases: tuple[str, ...] = field(default=())
    """Other keys the roster may know the learner by (an email, a Canvas user id)."""


def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVES)


def detect(children: list[Path], folder: Path) -> str:
    """The layout of a folder of hand-ins, judged by the names of its entries."""
    if (folder / GRADESCOPE_METADATA).is_file():
        return "gradescope"
    names = [p.name for p in children]
    if not names:
        return "plain"
    if sum(bool(MOODLE.match(n)) for n in names) * 2 > len(names):
        return "moodle"
    if sum(bool(CANVAS.match(n)) and p.is_file() for n, p in zip(names, children)) * 2 > len(names):
        return "canvas"
    folders = [p for p in children if p.is_dir() and not p.is_symlink()]
    if len(folders) == len(children) and any((p / ".git").is_dir() for p in folders) and _common_prefix(names):
        return "github-classroom"
    return "plain"


def group(children: list[Path], folder: Path, layout: str, plain_key) -> list[HandIn]:
    """One `HandIn` per learner among `children` (the entries of `folder`) in `layout`."""
    if layout == "auto":
        layout = detect(children, folder)
    if layout == "moodle":
        return _moodle(children, plain_key)
    if layout == "canvas":
        return _canvas(children, plain_key)
    if layout == "github-classroom":
        return _github(children)
    if layout == "gradescope":
        return _gradescope(children, folder, plain_key)
    return [HandIn(plain_key(p), p) for p in children]


# --- Moodle -----------------------------------------------------------------------------------------


def _moodle(children: list[Path], plain_key) -> list[HandIn]:
    by_learner: dict[str, list[tuple[str, Path, str]]] = {}
    names: dict[str, str] = {}
    out: list[HandIn] = []
    for path in children:
        m = MOODLE.match(path.name)
        if not m:
            out.append(HandIn(plain_key(path), path))
            continue
        names[m["id"]] = m["name"]
        by_learner.setdefault(m["id"], []).append((m["plugin"], path, m["file"]))
    for key, entries in sorted(by_learner.items()):
        code = [e for e in entries if e[0] == CODE_PLUGIN] or entries
        folders = [p for _, p, rest in code if p.is_dir() and not rest]
        files = [(p, rest) for _, p, rest in code if not (p.is_dir() and not rest)]
        name = names[key] if names[key] != "Participant" else None  # blind marking hides the name
        if folders:
            out.append(_inside_folder(key, folders[0], "moodle", name))
        else:
            out.append(_loose_files(key, files, "moodle", name))
    return out


def _inside_folder(key: str, folder: Path, layout: str, name: str | None, aliases: tuple[str, ...] = ()) -> HandIn:
    """A learner's folder: graded as a folder when it holds code, else its one (newest) archive."""
    try:
        entries = sorted(p for p in folder.iterdir() if not p.is_symlink())
    except OSError:
        return HandIn(key, folder, layout, name, aliases=aliases)
    has_code = any(True for _ in folder.rglob("*.py"))
    archives = [p for p in entries if p.is_file() and is_archive(p.name)]
    if has_code or not archives:
        return HandIn(key, folder, layout, name, note=f"graded the folder {folder.name}", aliases=aliases)
    newest = max(archives, key=lambda p: (p.stat().st_mtime, p.name))
    older = [p.name for p in archives if p != newest]
    note = f"graded {folder.name}/{newest.name}" + (f"; not graded: {', '.join(older)}" if older else "")
    return HandIn(key, newest, layout, name, note=note, aliases=aliases)


def _loose_files(key: str, files: list[tuple[Path, str]], layout: str, name: str | None,
                 late: bool = False, aliases: tuple[str, ...] = ()) -> HandIn:
    """Several files of one learner (`(path, the name the learner gave it)`): the latest of each name.

    One archive is graded as itself; otherwise the code files are copied under their own names.
    """
    latest: dict[str, tuple[int, int, Path, str]] = {}
    for order, (path, given) in enumerate(files):
        base, attempt = _resubmission(given)
        best = latest.get(base.lower())
        if best is None or (attempt, order) > best[:2]:
            latest[base.lower()] = (attempt, order, path, base)
    kept = [(path, base) for _, _, path, base in latest.values()]
    dropped = sorted(p.name for p, _ in files if p not in {k for k, _ in kept})
    archives = [(p, b) for p, b in kept if is_archive(b)]
    code = [(p, b) for p, b in kept if not is_archive(b)]
    late_note = "; handed in late" if late else ""
    dropped_note = f"; superseded: {', '.join(dropped)}" if dropped else ""
    folder = kept[0][0].parent
    if archives and not any(b.endswith(".py") for _, b in code):
        newest = max(archives, key=lambda pb: (_resubmission(pb[1])[1], pb[0].stat().st_mtime))[0]
        return HandIn(key, newest, layout, name, note=f"graded {newest.name}{dropped_note}{late_note}", aliases=aliases)
    members = tuple(sorted((p.name, b) for p, b in code))
    shown = ", ".join(p for p, _ in members)
    return HandIn(key, folder, layout, name, members=members, note=f"graded {shown}{dropped_note}{late_note}", aliases=aliases)


def _resubmission(name: str) -> tuple[str, int]:
    """(`lab1.py`, 2) for `lab1-2.py`: Canvas's suffix for a re-uploaded file; (`lab1.py`, 0) otherwise."""
    m = RESUBMISSION.match(name)
    if not m:
        return name, 0
    return m["stem"] + (m["ext"] or ""), int(m["n"])


# --- Canvas -----------------------------------------------------------------------------------------


def _canvas(children: list[Path], plain_key) -> list[HandIn]:
    by_learner: dict[str, list[tuple[Path, str, bool, str]]] = {}
    out: list[HandIn] = []
    for path in children:
        m = CANVAS.match(path.name)
        if not m or not path.is_file():
            out.append(HandIn(plain_key(path), path))
            continue
        by_learner.setdefault(m["id"], []).append((path, m["file"], bool(m["late"]), m["name"]))
    for key, entries in sorted(by_learner.items()):
        late = any(e[2] for e in entries)
        out.append(_loose_files(key, [(p, f) for p, f, _, _ in entries], "canvas", entries[0][3], late))
    return out


# --- GitHub Classroom -------------------------------------------------------------------------------


def _common_prefix(names: list[str]) -> str:
    """`lab1-` for `lab1-octocat`, `lab1-monalisa`: the shared prefix up to its last `-`."""
    if len(names) < 2:
        return ""
    prefix = os.path.commonprefix(names)
    cut = prefix.rfind("-")
    return prefix[: cut + 1] if cut > 0 else ""


def _github(children: list[Path]) -> list[HandIn]:
    prefix = _common_prefix([p.name for p in children])
    out = []
    for path in children:
        user = path.name[len(prefix):] if prefix and path.name.startswith(prefix) else path.name
        out.append(HandIn(user, path, "github-classroom", note=f"graded the repository {path.name}"))
    return out


# --- Gradescope -------------------------------------------------------------------------------------


def _gradescope(children: list[Path], folder: Path, plain_key) -> list[HandIn]:
    import yaml

    try:
        text = (folder / GRADESCOPE_METADATA).read_text(encoding="utf-8")
        metadata = yaml.safe_load(text) if len(text) < 16 * 2**20 else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        metadata = None
    metadata = metadata if isinstance(metadata, dict) else {}
    out = []
    for path in children:  # the metadata file itself is not among them (intake leaves it out)
        entry = metadata.get(path.name)
        submitters = entry.get(":submitters") if isinstance(entry, dict) else None
        first = submitters[0] if isinstance(submitters, list) and submitters and isinstance(submitters[0], dict) else {}
        email, sid, name = (str(first[k]) if first.get(k) is not None else None for k in (":email", ":sid", ":name"))
        key = email or sid
        if key is None:
            out.append(HandIn(plain_key(path), path))
            continue
        aliases = tuple(a for a in (sid, email) if a and a != key)
        out.append(HandIn(key, path, "gradescope", name, note=f"graded {path.name}", aliases=aliases))
    return out
