"""A learner workspace: where it is, how it is made, and where its state lives."""
from __future__ import annotations

import json
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader import course as course_module

MARKER = Path(".dlcert") / "workspace.json"


class WorkspaceError(Exception):
    """A workspace could not be found, made or read."""


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
