"""The class roster: a CSV of learners, and which learner a hand-in belongs to.

Reads what LMSs export: comma-, semicolon- or tab-separated, UTF-8 (with or without a BOM) or
Latin-1 (Excel's "CSV" on Windows), Canvas's gradebook (its "Points Possible" row is skipped),
Moodle's grading worksheet ("Identifier" = "Participant 123456"), GitHub Classroom's roster
(`github_username`). A hand-in matches a learner by any of the learner's ids, email (or its local
part), submission name or, last, full name.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from grader.classroom.intake import learner_id as name_stem

ID_COLUMNS = ("id", "learner", "learner_id", "student_id", "sid", "username", "login", "identifier")
ALIAS_COLUMNS = ("sis_user_id", "sis_login_id", "github_username", "login_id", "user_id", "username", "sid",
                 "student_id", "identifier", "id_number", "idnumber", "roster_identifier")
NAME_COLUMNS = ("name", "full_name", "student_name", "student")
EMAIL_COLUMNS = ("email", "e-mail", "mail", "email_address")
SUBMISSION_COLUMNS = ("submission", "file", "folder", "path")
CANVAS_EXTRA_ROWS = ("points possible", "manual posting")
MAX_BYTES = 16 * 2**20


class RosterError(Exception):
    """The roster file cannot be read, has no id column, or lists an id twice."""


@dataclass(frozen=True)
class Learner:
    id: str
    name: str | None = None
    email: str | None = None
    submission: str | None = None
    aliases: tuple[str, ...] = field(default=())
    """Other ids the learner has in the roster's columns (SIS id, GitHub username, participant id)."""

    def keys(self) -> set[str]:
        """Every string a hand-in may be named by, normalised."""
        keys = {_norm(self.id), *(_norm(a) for a in self.aliases)}
        participant = re.fullmatch(r"participant\s*(\d+)", _norm(self.id))
        if participant:  # Moodle's worksheet says "Participant 123456"; its download says 123456
            keys.add(participant.group(1))
        if self.submission:
            keys.add(_norm(name_stem(Path(self.submission))))
        if self.email:
            keys |= {_norm(self.email), _norm(self.email.split("@")[0])}
        return keys - {""}


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _letters(text: str) -> str:
    """`smithjane` for "Smith, Jane" or "Jane Smith"'s reverse: Canvas's `lastfirst`, without accents."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


@dataclass
class Roster:
    learners: list[Learner]

    def match(self, key: str, name: str | None = None, aliases: tuple[str, ...] = ()) -> Learner | None:
        """The learner a hand-in keyed `key` (and maybe carrying a name) belongs to, or None."""
        wanted = {_norm(k) for k in (key, *aliases) if k}
        for learner in self.learners:
            if wanted & learner.keys():
                return learner
        if name:
            target = _letters(name)
            for learner in self.learners:
                if learner.name and target in _name_forms(learner.name):
                    return learner
        return None


def _name_forms(name: str) -> set[str]:
    """A name as the LMSs write it: "Jane Smith", "Smith, Jane" (Canvas), `smithjane`, `janesmith`."""
    if "," in name:
        last, first = (p.strip() for p in name.split(",", 1))
    else:
        parts = name.split()
        first, last = " ".join(parts[:-1]), parts[-1] if parts else ""
    return {_letters(name), _letters(last + first), _letters(first + last)}


def _decode(raw: bytes) -> str:
    """UTF-8 (a BOM says so for sure), else Windows-1252 (Excel's "CSV"), else Latin-1 (any bytes)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("latin-1")


def load_roster(path: Path) -> Roster:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc})") from exc
    if len(raw) > MAX_BYTES:
        raise RosterError(f"{path}: larger than {MAX_BYTES // 2**20} MiB; not a roster")
    if b"\x00" in raw:
        raise RosterError(f"{path}: a binary file, not a CSV roster")
    try:
        text = _decode(raw)
    except UnicodeDecodeError as exc:
        raise RosterError(f"{path}: not UTF-8 text after its byte-order mark ({exc})") from exc
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count) if any(d in first for d in ";,\t") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise RosterError(f"{path}: cannot read the roster ({exc})") from exc
    if not rows:
        return Roster([])
    header = [c.strip() for c in rows[0][1]]
    columns = {re.sub(r"[\s-]+", "_", c.lower()): i for i, c in reversed(list(enumerate(header))) if c}

    def pick(options: tuple[str, ...]) -> int | None:
        return next((columns[o] for o in options if o in columns), None)

    id_col = pick(ID_COLUMNS)
    if id_col is None:
        raise RosterError(f"{path}: no id column (one of {', '.join(ID_COLUMNS)})")
    name_col, email_col, sub_col = pick(NAME_COLUMNS), pick(EMAIL_COLUMNS), pick(SUBMISSION_COLUMNS)
    alias_cols = [columns[c] for c in ALIAS_COLUMNS if c in columns and columns[c] != id_col]

    def cell(row: list[str], index: int | None) -> str | None:
        return (row[index].strip() or None) if index is not None and index < len(row) else None

    learners, seen = [], {}
    for number, row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        if any(c.strip().lower() in CANVAS_EXTRA_ROWS for c in row[:2]):
            continue
        learner = cell(row, id_col)
        if not learner:
            raise RosterError(f"{path}:{number}: empty learner id")
        if learner in seen:
            raise RosterError(f"{path}:{number}: the id {learner!r} is already on line {seen[learner]}; each learner once")
        seen[learner] = number
        aliases = tuple(dict.fromkeys(a for a in (cell(row, c) for c in alias_cols) if a and a != learner))
        learners.append(Learner(learner, cell(row, name_col), cell(row, email_col), cell(row, sub_col), aliases))
    return Roster(learners)
