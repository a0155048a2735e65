"""Load question banks and the catalog into typed models, collecting every problem with its line."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import TypeAdapter, ValidationError

from grader.quiz import schema
from grader.yamlsafe import Located, Problem, YamlProblems, load_file

CATALOG_NAME = "certs.yaml"
_QUESTION = TypeAdapter(schema.Question)
_PATH_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*): ")


QUIZZES_ROOT = Path(__file__).resolve().parents[2] / "quizzes"
"""The shipped banks, beside the `grader` package; found by path, never by import."""


def quizzes_root() -> Path:
    """The shipped `quizzes/` folder."""
    return QUIZZES_ROOT


def display_path(path: Path) -> str:
    """A path as shown in messages: relative to the current folder when below it."""
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Entry:
    """A question and where it was defined."""

    question: Any  # one of schema's question models
    file: str
    line: int
    case: schema.CaseStudy | None = None
    """The case study it belongs to (its scenario is shown with it)."""

    @property
    def block(self) -> str | None:
        """A key shared by the questions of one case study (case-study ids are unique per bank)."""
        return None if self.case is None else f"{self.file}#{self.case.id}"


@dataclass
class Library:
    """Every question of the banks read, the catalog, and every problem found."""

    questions: dict[str, Entry] = field(default_factory=dict)
    catalog: schema.Catalog | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    """Things lint reports without failing (a question that maps only to retired exams)."""
    files: list[str] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)
    """Old id (a question's `renamed_from`) -> the question's id, where that is unambiguous."""

    def by_mapping(self, cert: str, domain: str | None = None) -> list[Entry]:
        """Questions mapped to `cert` (and `domain` when given), in id order."""
        out = []
        for entry in self.questions.values():
            for m in entry.question.mappings:
                c, d = m.split(":")
                if c == cert and (domain is None or d == domain):
                    out.append(entry)
                    break
        return sorted(out, key=lambda e: e.question.id)


def _message(error: dict) -> tuple[tuple, str]:
    """A readable message for one pydantic error, and the extra path it names."""
    loc = tuple(error["loc"])
    kind = error["type"]
    msg = error["msg"]
    if kind == "extra_forbidden":
        return loc, f"unknown field {loc[-1]!r}"
    if kind == "missing":
        return loc, f"missing field {loc[-1]!r}"
    if kind == "union_tag_invalid":
        return loc + ("type",), f"type: must be one of {', '.join(schema.QUESTION_TYPES)}"
    if kind == "union_tag_not_found":
        return loc, f"missing field 'type' (one of {', '.join(schema.QUESTION_TYPES)})"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    extra: tuple = ()
    m = _PATH_PREFIX.match(msg)
    if m:
        extra = tuple(int(p) if p.isdigit() else p for p in m.group(1).split("."))
    named = [str(p) for p in loc if not (isinstance(p, str) and (p in schema.QUESTION_TYPES or "[" in p))]
    if named and not m:
        msg = f"{'.'.join(named)}: {msg}"
    return loc + extra, msg


def validation_problems(exc: ValidationError, located: Located, base: tuple = ()) -> list[Problem]:
    """One `file:line: message` per pydantic error, the line found from the error's location."""
    out = []
    for error in exc.errors():
        path, msg = _message(error)
        out.append(Problem(located.file, located.line(base + path), msg))
    return out


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files to read: each path itself, or every *.yaml below a folder (sorted)."""
    files, problems = [], []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(display_path(path), 1, "no such file or folder"))
    seen, unique = set(), []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def _is_catalog(path: Path) -> bool:
    return path.name == CATALOG_NAME


def load_catalog(path: Path | None = None) -> tuple[schema.Catalog | None, list[Problem]]:
    """The catalog (certs.yaml) and its problems; the valid certs are kept when some are broken."""
    path = path or quizzes_root() / CATALOG_NAME
    name = display_path(path)
    try:
        located = load_file(path, display=name)
    except YamlProblems as exc:
        return None, exc.problems
    data = located.data
    if not isinstance(data, dict):
        return None, [Problem(name, 1, "the top level must be a mapping with format_version and certs")]
    problems: list[Problem] = []
    certs_raw = data.get("certs")
    header = {k: v for k, v in data.items() if k != "certs"}
    header["certs"] = []
    try:
        schema.Catalog.model_validate(header)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, located))
    if not isinstance(certs_raw, list):
        problems.append(Problem(name, located.line(("certs",)), "certs: must be a list of certifications"))
        return None, problems
    certs, seen = [], {}
    for i, raw in enumerate(certs_raw):
        try:
            cert = schema.Cert.model_validate(raw)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, located, ("certs", i)))
            continue
        if cert.id in seen:
            problems.append(Problem(name, located.line(("certs", i, "id")), f"duplicate cert id {cert.id!r} (first at line {seen[cert.id]})"))
            continue
        seen[cert.id] = located.line(("certs", i, "id"))
        certs.append(cert)
    return schema.Catalog(format_version=1, certs=certs), problems


def _load_bank(path: Path, problems: list[Problem]) -> tuple[list[tuple[Any, int, Located, int]], dict]:
    """Valid questions of one bank file as (question, line, located, index), and its case studies
    by id; problems appended."""
    name = display_path(path)
    try:
        located = load_file(path, display=name)
    except YamlProblems as exc:
        problems.extend(exc.problems)
        return [], {}
    data = located.data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        problems.append(Problem(name, 1, f"the top level must be a mapping with format_version and questions, not {kind}"))
        return [], {}
    header = {k: v for k, v in data.items() if k != "questions"}
    header["questions"] = []
    cases: dict = {}
    try:
        cases = {c.id: c for c in schema.Bank.model_validate(header).case_studies}
    except ValidationError as exc:
        problems.extend(validation_problems(exc, located))
    raw_questions = data.get("questions")
    if "questions" not in data:
        problems.append(Problem(name, 1, "missing field 'questions'"))
        return [], cases
    if not isinstance(raw_questions, list):
        problems.append(Problem(name, located.line(("questions",)), "questions: must be a list"))
        return [], cases
    out = []
    for i, raw in enumerate(raw_questions):
        try:
            question = _QUESTION.validate_python(raw)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, located, ("questions", i)))
            continue
        if question.case_study is not None and question.case_study not in cases:
            problems.append(Problem(name, located.line(("questions", i, "case_study")),
                                    f"case_study {question.case_study!r} is not among this bank's case_studies"))
            continue
        out.append((question, located.line(("questions", i)), located, i))
    return out, cases


def load_library(
    paths: Iterable[Path] | None = None,
    *,
    catalog_path: Path | None = None,
    check_templates: bool = True,
) -> Library:
    """Read banks (default: every shipped bank) and the catalog; check ids, mappings and renamed ids,
    and with `check_templates` (lint) templates and the cue rules (`grader.quiz.cues`) too.

    A certs.yaml among `paths` is used as the catalog. Problems never raise: they are collected
    in `Library.problems` (and lint's warnings in `Library.warnings`), and the questions that are
    valid are still returned.
    """
    import datetime as dt

    from grader.quiz import cues, templates  # numpy is only needed once templates are checked

    files, problems = expand(paths if paths is not None else [quizzes_root()])
    catalogs = [f for f in files if _is_catalog(f)]
    banks = [f for f in files if not _is_catalog(f)]
    if catalogs:
        catalog_path = catalogs[0]
    catalog, catalog_problems = load_catalog(catalog_path)
    problems.extend(catalog_problems)
    library = Library(catalog=catalog, files=[display_path(f) for f in files])
    first_seen: dict[str, str] = {}
    loaded: cues.Loaded = []
    for path in banks:
        questions, cases = _load_bank(path, problems)
        for question, line, located, i in questions:
            where = f"{located.file}:{line}"
            if question.id in first_seen:
                problems.append(Problem(located.file, located.line(("questions", i, "id")),
                                        f"duplicate id {question.id!r} (first defined at {first_seen[question.id]})"))
                continue
            first_seen[question.id] = where
            ok = True
            if catalog is not None:
                for j, mapping in enumerate(question.mappings):
                    cert_id, domain_id = mapping.split(":")
                    cert = catalog.cert(cert_id)
                    at = located.line(("questions", i, "mappings", j))
                    if cert is None:
                        problems.append(Problem(located.file, at, f"mappings: unknown cert {cert_id!r} (see quizzes/certs.yaml)"))
                        ok = False
                    elif cert.domain(domain_id) is None:
                        known = ", ".join(d.id for d in cert.domains)
                        problems.append(Problem(located.file, at, f"mappings: {cert_id} has no domain {domain_id!r} (it has {known})"))
                        ok = False
            if check_templates and isinstance(question, schema.NumericQuestion) and question.template is not None:
                why = templates.check_template(question)
                if why:
                    problems.append(Problem(located.file, located.line(("questions", i, "template")), f"template: {why}"))
                    ok = False
            if ok:
                library.questions[question.id] = Entry(question, located.file, line, cases.get(question.case_study))
                loaded.append((question, located, i))
    library.renames = _renames(loaded, first_seen, problems)
    if check_templates:
        problems.extend(cues.check(loaded, catalog))
        library.warnings = sorted(cues.retired_only(loaded, catalog, dt.date.today()), key=lambda p: (p.file, p.line))
    problems.sort(key=lambda p: (p.file, p.line))
    library.problems = problems
    return library


def _renames(loaded: list, current: dict[str, str], problems: list[Problem]) -> dict[str, str]:
    """Old id -> new id from every `renamed_from`; an old id still in use or claimed by two
    questions is a problem (and is not migrated)."""
    claimed: dict[str, tuple[str, str]] = {}
    out: dict[str, str] = {}
    for question, located, i in loaded:
        for j, old in enumerate(question.renamed_from):
            at = located.line(("questions", i, "renamed_from", j))
            if old in current:
                problems.append(Problem(located.file, at, f"renamed_from: {old!r} is still the id of a question "
                                        f"({current[old]}); an old id is never reused"))
            elif old in claimed:
                problems.append(Problem(located.file, at, f"renamed_from: {old!r} is also claimed by "
                                        f"{claimed[old][0]} ({claimed[old][1]}); it can move to one question only"))
                out.pop(old, None)
            else:
                claimed[old] = (question.id, f"{located.file}:{at}")
                out[old] = question.id
    return out
