"""The class roster: a CSV of learners, and how a submission's file name maps to a learner id."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.classroom.intake import learner_id as name_stem

ID_COLUMNS = ("id", "learner", "learner_id", "student_id", "sid", "username", "login")
NAME_COLUMNS = ("name", "full_name", "student_name")
EMAIL_COLUMNS = ("email", "e-mail", "mail")
SUBMISSION_COLUMNS = ("submission", "file", "folder", "path")


class RosterError(Exception):
    """The roster file cannot be read or has no id column."""


@dataclass(frozen=True)
class Learner:
    id: str
    name: str | None = None
    email: str | None = None
    submission: str | None = None


@dataclass
class Roster:
    learners: list[Learner]

    def match(self, stem: str) -> Learner | None:
        """The learner a submission named `stem` belongs to (by submission column, id, email or its local part)."""
        key = stem.strip().lower()
        for learner in self.learners:
            names = {learner.id.lower()}
            if learner.submission:
                names.add(name_stem(Path(learner.submission)).lower())
            if learner.email:
                names |= {learner.email.lower(), learner.email.lower().split("@")[0]}
            if key in names:
                return learner
        return None


def load_roster(path: Path) -> Roster:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc})") from exc
    if not rows:
        return Roster([])
    columns = {c.strip().lower().replace(" ", "_"): c for c in rows[0].keys() if c}  # "Student ID" → student_id

    def pick(options: tuple[str, ...]) -> str | None:
        return next((columns[o] for o in options if o in columns), None)

    id_col = pick(ID_COLUMNS)
    if id_col is None:
        raise RosterError(f"{path}: no id column (one of {', '.join(ID_COLUMNS)})")
    name_col, email_col, sub_col = pick(NAME_COLUMNS), pick(EMAIL_COLUMNS), pick(SUBMISSION_COLUMNS)
    learners = []
    for number, row in enumerate(rows, start=2):
        learner = (row.get(id_col) or "").strip()
        if not learner:
            raise RosterError(f"{path}:{number}: empty learner id")
        learners.append(Learner(
            learner,
            (row.get(name_col) or "").strip() or None if name_col else None,
            (row.get(email_col) or "").strip() or None if email_col else None,
            (row.get(sub_col) or "").strip() or None if sub_col else None,
        ))
    return Roster(learners)
