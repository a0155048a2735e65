"""A learner workspace: where it is, how it is made, and where its state lives."""
from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader import course as course_module
from grader.errors import DlcertUsageError

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
    """Copy every pristine stub into a new workspace; refuse to touch an existing one."""
    if (root / MARKER).exists():
        raise WorkspaceError(f"{root} is already a dlcert workspace; refusing to overwrite it")
    if root.exists() and any(root.iterdir()):
        raise WorkspaceError(f"{root} exists and is not empty; choose a new folder")
    root.mkdir(parents=True, exist_ok=True)
    for exercise in (course or course_module.load_course()).exercises:
        target = root / "exercises" / exercise.folder / exercise.stub_path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(exercise.stub_path, target)
    (root / MARKER).parent.mkdir(exist_ok=True)
    seed = secrets.randbelow(2**31)
    (root / MARKER).write_text(json.dumps({"format_version": 1, "seed": seed}, indent=2) + "\n")
    return Workspace(root=root.resolve(), seed=seed)


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
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}-{stamp}.py"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{path.stem}-{stamp}-{n}.py"
    shutil.copyfile(path, target)
    return target


def reset(ws: Workspace, exercise: "course_module.Exercise", task: str | None = None) -> Path | None:
    """Restore the stub of a module (or of one task's function), backing up the learner's file first.

    Returns the backup's path (None when there was no file to back up).
    """
    from grader import sources

    target = ws.module_file(exercise.folder, exercise.module)
    saved = backup(ws, target) if target.exists() else None
    stub = exercise.stub_path.read_text()
    if task is None or not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(stub)
        return saved
    fresh = sources.extract(stub, task)
    mine = target.read_text()
    replaced = sources.replace(mine, task, fresh) if fresh else None
    if replaced is None:
        raise WorkspaceError(f"cannot find `{task}` in {target} (or the file does not parse); reset the whole module instead")
    target.write_text(replaced)
    return saved


def upgrade(ws: Workspace, course: "course_module.Course") -> list[str]:
    """Add stubs for modules and tasks this dlcert has and the workspace lacks; never edit existing code.

    A missing module file is copied; a task missing from an existing file has its stub appended.
    Returns what was added, for the learner to read.
    """
    from grader import sources

    added = []
    for exercise in course.exercises:
        target = ws.module_file(exercise.folder, exercise.module)
        stub = exercise.stub_path.read_text()
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(stub)
            added.append(f"module {exercise.folder} ({target.relative_to(ws.root)})")
            continue
        mine = sources.definitions(target.read_text())
        if not mine and target.read_text().strip():
            continue  # does not parse: leave it alone rather than guess
        missing = [t.name for t in exercise.tasks if t.name not in mine]
        if missing:
            text = target.read_text().rstrip("\n") + "\n"
            for name in missing:
                text += "\n\n" + (sources.extract(stub, name) or "")
            target.write_text(text)
            added += [f"task {exercise.module}.{name}" for name in missing]
    return added
