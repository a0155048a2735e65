"""`dlcert submit`: a zip of the learner's code and a manifest, for an instructor to collect."""
from __future__ import annotations

import hashlib
import json
import time
import zipfile
from pathlib import Path

from grader import __version__, atomic
from grader.course import Course
from grader.workspace import Workspace


def make_submission(ws: Workspace, course: Course, out: Path) -> dict:
    """Write `out` whole (a zip of every module file plus `manifest.json`); never the progress database."""
    files = {}
    with atomic.replacing(out) as handle, zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for exercise in course.exercises:
            path = ws.module_file(exercise.folder, exercise.module)
            if not path.is_file():
                continue
            name = f"exercises/{exercise.folder}/{exercise.module}.py"
            data = path.read_bytes()
            archive.writestr(name, data)
            files[name] = hashlib.sha256(data).hexdigest()
        manifest = {
            "format_version": 1,
            "dlcert_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "tasks": [t.id for t in course.tasks],
            "files": files,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest
