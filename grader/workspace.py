"""A learner workspace: where it is, how it is made, and where its state lives."""
from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader import atomic
from grader import course as course_module
from grader.errors import DlcertError, DlcertUsageError, PathError

MARKER = Path(".dlcert") / "workspace.json"


class WorkspaceError(DlcertUsageError):
    """A workspace could not be found, made or read (exit 2: the folder given is not what it should be)."""


@dataclass(frozen=True)
class Workspace:
    """A folder made by `dlcert init`: learner stubs under `exercises/`, state under `.dlcert/`."""

    root: Path
    seed: int

    @property
    def state_dir(self) -> Path:
        return self.root / ".dlcert"

    @property
    def db_path(self) -> Path:
        """The SQLite file that keeps attempts, hints, skips and quiz answers."""
        return self.state_dir / "progress.sqlite"

    def module_file(self, folder: str, module: str) -> Path:
        return self.root / "exercises" / folder / f"{module}.py"


def find_workspace(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` (default: the current folder) that is a workspace."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return folder
    return None


def open_workspace(root: Path) -> Workspace:
    """Read a workspace's settings; a clear error when `root` is not one."""
    marker = root / MARKER
    if not marker.is_file():
        raise WorkspaceError(f"{root} is not a dlcert workspace (no {MARKER}); make one with `dlcert init DIR`")
    try:
        data = json.loads(marker.read_text())
        return Workspace(root=root.resolve(), seed=int(data["seed"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkspaceError(f"{marker} is damaged ({exc}); restore it or make a new workspace") from exc


def init_workspace(root: Path, course: "course_module.Course | None" = None) -> Workspace:
    """Copy every pristine stub into a new workspace, whole or not at all; refuse to touch an existing one."""
    if (root / MARKER).exists():
        raise WorkspaceError(f"{root} is already a dlcert workspace; refusing to overwrite it")
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} is a file; choose a new folder")
    if root.is_dir() and any(root.iterdir()):
        raise WorkspaceError(f"{root} exists and is not empty; choose a new folder")
    made = next((p for p in reversed((root, *root.parents)) if not p.exists()), None)  # the first folder to make
    seed = secrets.randbelow(2**31)
    try:
        _make_folders(root.parent, root)
        with atomic.new_folder(root) as temp:
            for exercise in (course or course_module.load_course()).exercises:
                target = temp / "exercises" / exercise.folder / exercise.stub_path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(exercise.stub_path, target)
            (temp / MARKER).parent.mkdir()
            (temp / MARKER).write_text(json.dumps({"format_version": 1, "seed": seed}, indent=2) + "\n")
    except BaseException:
        if made is not None and made != root:
            shutil.rmtree(made, ignore_errors=True)  # the parents this call made, now empty
        raise
    return Workspace(root=root.resolve(), seed=seed)


def _make_folders(folder: Path, target: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PathError.from_os("write", target, exc) from exc


def user_db_path() -> Path:
    """Where answers go outside any workspace: the per-user data folder."""
    import platformdirs

    folder = Path(platformdirs.user_data_dir("dlcert", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "progress.sqlite"


def current_db_path(start: Path | None = None) -> Path:
    """The workspace's database when inside one, else the per-user one."""
    root = find_workspace(start)
    return open_workspace(root).db_path if root else user_db_path()


def backup(ws: Workspace, path: Path) -> Path:
    """Copy a learner file into `.dlcert/backups/` under a timestamped name; return the copy's path."""
    import time

    folder = ws.state_dir / "backups"
    _make_folders(folder, folder)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}.py"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}.py"
    atomic.write_bytes(target, path.read_bytes())
    return target


class BlockedPath(DlcertError):
    """Something in the workspace stands where dlcert must write a stub (exit 1); dlcert never moves it."""


def _module_target(ws: Workspace, exercise: "course_module.Exercise") -> Path:
    """The module file to write, after checking that nothing the learner put there is in its way."""
    target = ws.module_file(exercise.folder, exercise.module)
    for folder in reversed(target.relative_to(ws.root).parents[:-1]):  # exercises, exercises/NN_module
        if (ws.root / folder).exists() and not (ws.root / folder).is_dir():
            raise BlockedPath(f"{folder} is a file where dlcert keeps a folder; move it away (it may hold your code) "
                              "and run the command again")
    if target.exists() and not target.is_file():
        raise BlockedPath(f"{target.relative_to(ws.root)} is a folder where dlcert keeps your module file; "
                          "move it away and run the command again")
    return target


def _read(path: Path) -> str | None:
    """A learner file's text; None when it is not UTF-8 (then it is nothing dlcert can edit)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None


def _write_stub(target: Path, text: str) -> None:
    _make_folders(target.parent, target)
    atomic.write_text(target, text)


def reset(ws: Workspace, exercise: "course_module.Exercise", task: str | None = None) -> Path | None:
    """Restore the stub of a module (or of one task's function), backing up the learner's file first.

    Returns the backup's path (None when there was no file to back up).
    """
    from grader import sources

    target = _module_target(ws, exercise)
    stub = exercise.stub_path.read_text()
    mine = _read(target) if target.exists() else None
    replaced = None
    if task is not None and target.exists():
        fresh = sources.extract(stub, task)
        replaced = sources.replace(mine, task, fresh) if fresh and mine is not None else None
        if replaced is None:
            raise WorkspaceError(f"cannot find `{task}` in {target} (or the file does not parse); reset the whole module instead")
    saved = backup(ws, target) if target.exists() else None
    _write_stub(target, stub if replaced is None else replaced)
    return saved


def upgrade(ws: Workspace, course: "course_module.Course") -> list[str]:
    """Add stubs for modules and tasks this dlcert has and the workspace lacks; never edit existing code.

    A missing module file is copied; a task missing from an existing file has its stub appended. Every
    target is checked before anything is written; each file is written whole. Returns what was added.
    """
    from grader import sources

    writes: list[tuple[Path, str, list[str]]] = []
    for exercise in course.exercises:
        target = _module_target(ws, exercise)
        stub = exercise.stub_path.read_text()
        if not target.exists():
            writes.append((target, stub, [f"module {exercise.folder} ({target.relative_to(ws.root)})"]))
            continue
        mine = _read(target)
        found = sources.definitions(mine) if mine is not None else {}
        if not found and (mine is None or mine.strip()):
            continue  # does not parse: leave it alone rather than guess
        missing = [t.name for t in exercise.tasks if t.name not in found]
        if missing:
            text = mine.rstrip("\n") + "\n" + "".join("\n\n" + (sources.extract(stub, name) or "") for name in missing)
            writes.append((target, text, [f"task {exercise.module}.{name}" for name in missing]))
    added = []
    for target, text, what in writes:
        _write_stub(target, text)
        added += what
    return added
