"""Read a learner's `dlcert quiz export --attempts` file (see grader/quiz/export.py: attempts_json)."""
from __future__ import annotations

import json
from pathlib import Path

MAX_BYTES = 20 * 2**20


class QuizImportError(Exception):
    """The file is not a quiz attempts export this dlcert understands."""


def read_export(path: Path) -> list[dict]:
    """The attempts in an export; each has question_id, correct and answered_at at least."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise QuizImportError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not a quiz export")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QuizImportError(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("format_version") != 1 or not isinstance(data.get("attempts"), list):
        raise QuizImportError(f"{path}: not a quiz attempts export (format_version 1 with an `attempts` list)")
    attempts = []
    for number, attempt in enumerate(data["attempts"]):
        if not isinstance(attempt, dict) or not {"question_id", "correct", "answered_at"} <= attempt.keys():
            raise QuizImportError(f"{path}: attempt {number} lacks question_id, correct or answered_at")
        attempts.append(attempt)
    return attempts
