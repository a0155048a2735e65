"""`dlcert quiz ...`: a thin click layer over the quiz modules (no torch anywhere)."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from grader import atomic
from grader.clitypes import PathParam

from grader.quiz.schema import TOPICS


# --- helpers ------------------------------------------------------------------------------------


class _Ctx:
    def __init__(self, db: Path | None, banks: tuple[str, ...] = ()):
        self.db = db
        self.banks = banks

    def store(self, library=None):
        """The quiz database; with a library, answers stored under renamed ids move to the new ids."""
        from grader.quiz.store import Store, default_db_path

        try:
            store = Store(self.db or default_db_path())
            if library is not None:
                store.migrate_renamed(library.renames)
            return store
        except Exception as exc:  # unreadable or locked database: a clear message, no traceback
            raise click.ClickException(f"cannot open the quiz database: {exc}") from None


def _library(paths: tuple[str, ...] = (), check_templates: bool = False):
    from grader.quiz.bank import load_library

    library = load_library([Path(p) for p in paths] if paths else None, check_templates=check_templates)
    if library.catalog is None:
        for p in library.problems:
            click.echo(str(p), err=True)
        raise click.ClickException("the certification catalog could not be read (run `dlcert quiz lint`)")
    if library.problems and not check_templates:
        click.echo(f"warning: {len(library.problems)} bank problem(s) skipped; run `dlcert quiz lint`", err=True)
    return library


MAX_ANSWERS_BYTES = 2 * 1024 * 1024


def _load_answers(path: str) -> dict[str, Any]:
    """A mapping question id -> answer from any readable YAML or JSON file (`/dev/null` is an
    empty one), or stdin for `-`. Anything else is a one-line usage error."""
    from grader.yamlsafe import YamlProblems, load_text

    name = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            raw = sys.stdin.buffer.read(MAX_ANSWERS_BYTES + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        else:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_ANSWERS_BYTES + 1)
    except OSError as exc:
        raise click.UsageError(f"--answers: cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_ANSWERS_BYTES or b"\x00" in raw:
        raise click.UsageError(f"--answers: {name} is not a YAML or JSON file of answers (binary, or over "
                               f"{MAX_ANSWERS_BYTES // 2**20} MiB)")
    try:
        text = raw.decode("utf-8-sig")
        if not text.strip():
            data: Any = {}
        else:
            data = json.loads(text) if path.endswith(".json") else load_text(text, name).data
    except UnicodeDecodeError:
        raise click.UsageError(f"--answers: {name} is not UTF-8 text") from None
    except ValueError as exc:
        raise click.UsageError(f"--answers: {name} is not valid JSON: {exc}") from None
    except YamlProblems as exc:
        raise click.UsageError("--answers: " + "; ".join(map(str, exc.problems))) from None
    if not isinstance(data, dict):
        raise click.UsageError("--answers must be a mapping from question id to answer")
    return {str(k): v for k, v in data.items()}


def _asker(answers_path: str | None, *, feedback: bool, as_json: bool = False):
    """Scripted answers, a terminal, or lines on a pipe (questions go to stderr under --json)."""
    from grader.quiz.askers import InteractiveAsker, LineAsker, ScriptedAsker

    if answers_path:
        return ScriptedAsker(_load_answers(answers_path))
    if sys.stdin.isatty():
        return InteractiveAsker(feedback, to_stderr=as_json)
    return LineAsker(sys.stdin, sys.stderr if as_json else sys.stdout, feedback)


def _session_renderer(asker):
    """How a practice or review session is shown: scripted runs list each outcome, then the summary."""

    def human(console, r):
        from grader.quiz import render

        if not asker.shows_feedback:
            for item in r["items"]:
                render.outcome_text(console, item)
        render.session_summary(console, r)

    return human


def _emit(result: dict, as_json: bool, human) -> None:
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        from rich.console import Console

        human(Console(), result)


def _usage(exc: Exception) -> click.UsageError:
    return click.UsageError(str(exc))


# --- commands -----------------------------------------------------------------------------------


@click.group()
@click.option("--db", type=PathParam(dir_okay=False, path_type=Path), default=None,
              help="SQLite file for answers (default: $DLCERT_DATA_DIR/progress.sqlite, else the "
                   "workspace's .dlcert/progress.sqlite, else a per-user file).")
@click.option("--bank", "banks", multiple=True, type=PathParam(),
              help="Use these bank files/folders (a certs.yaml among them is the catalog) instead of the shipped ones.")
@click.pass_context
def quiz(ctx: click.Context, db: Path | None, banks: tuple[str, ...]) -> None:
    """Drill exam-style questions: practice, timed exams, spaced review, readiness per domain."""
    ctx.obj = _Ctx(db, banks)


@quiz.command()
@click.argument("paths", nargs=-1, type=PathParam())
@click.pass_obj
def lint(obj: _Ctx, paths: tuple[str, ...]) -> None:
    """Check question banks and certs.yaml (default: every shipped file); list every problem as file:line: message.

    Besides the schema, lint applies the cue rules (docs/QUIZ_FORMAT.md): the key as the longest
    option, id words found only in the key, near-duplicate stems, templates that a wrong formula
    or a 0 answers, options that refer to others while shuffled. A question mapped only to retired
    exams is a warning (exit 0).

    \b
    Examples:
      dlcert quiz lint
      dlcert quiz lint quizzes/banks/cnn.yaml my-bank.yaml
    """
    from grader.quiz.bank import load_library

    paths = paths or obj.banks
    library = load_library([Path(p) for p in paths] if paths else None, check_templates=True)
    for problem in library.problems + library.warnings:
        click.echo(str(problem))
    warned = f"; {len(library.warnings)} warning(s)" if library.warnings else ""
    if library.problems:
        click.echo(f"{len(library.problems)} problem(s){warned}", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(library.questions)} question(s) in {len(library.files)} file(s){warned}", err=True)


@quiz.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def certs(obj: _Ctx, as_json: bool) -> None:
    """List the certifications in the catalog with status and bank coverage.

    \b
    Examples:
      dlcert quiz certs
      dlcert quiz certs --json
    """
    library = _library(obj.banks)
    today = dt.date.today()
    rows = []
    for c in library.catalog.certs:
        covered = [d.id for d in c.domains if library.by_mapping(c.id, d.id)]
        rows.append({"id": c.id, "vendor": c.vendor, "name": c.name,
                     "exam_code": c.exam_code.value if c.exam_code else None, "status": c.status(today),
                     "format": c.format, "domains": [d.id for d in c.domains], "domains_covered": covered,
                     "questions_in_bank": len(library.by_mapping(c.id)), "unverified": c.unverified})
    if as_json:
        click.echo(json.dumps({"certs": rows}, indent=2, ensure_ascii=False))
        return
    for r in rows:
        click.echo(f"{r['id']:<22} {r['status']:<9} {r['questions_in_bank']:>4} q  "
                   f"{len(r['domains_covered'])}/{len(r['domains'])} domains  {r['name']}")


@quiz.command()
def formulas() -> None:
    """List the named formulas generated questions may use.

    \b
    Example:
      dlcert quiz formulas
    """
    from grader.quiz import formulas as f

    for name, formula in sorted(f.FORMULAS.items()):
        click.echo(f"{name}({', '.join(formula.params)})  [{f.source_of(name)}]  {formula.summary}")
    click.echo("\nwrong formulas (a template's wrong_formulas):")
    for name, mistake in sorted(f.MISTAKES.items()):
        click.echo(f"{name}({', '.join(mistake.params)})  [wrong {mistake.uses}]  {mistake.summary}")


@quiz.command()
@click.option("--cert", help="Only questions mapped to this cert id.")
@click.option("--domain", help="Only this domain of --cert.")
@click.option("--topic", type=click.Choice(TOPICS), help="Only this guide topic.")
@click.option("-n", "count", type=click.IntRange(1, 1000), default=10, show_default=True, help="Questions to ask.")
@click.option("--seed", type=int, default=None, help="Seed for the order and generated values.")
@click.option("--answers", "answers_path", help="YAML/JSON mapping id -> answer ('-' for stdin): no prompts.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
@click.pass_obj
def practice(obj: _Ctx, cert, domain, topic, count, seed, answers_path, as_json) -> None:
    """One question at a time with immediate feedback (explanation and why your choice was wrong).

    \b
    Examples:
      dlcert quiz practice --topic cnn -n 10
      dlcert quiz practice --cert aws-mla-c01 --answers answers.yaml --json
    """
    from grader.quiz import modes

    library = _library(obj.banks)
    asker = _asker(answers_path, feedback=not as_json, as_json=as_json)
    only = None if asker.labelled else list(asker.answers)
    if only == []:
        raise click.UsageError("--answers: the file answers no question, so there is nothing to practise")
    with obj.store(library) as store:
        try:
            result = modes.run_practice(library, store, asker, cert=cert, domain=domain, topic=topic,
                                        n=count if only is None else max(count, len(only)), seed=seed, only=only)
        except modes.QuizError as exc:
            raise _usage(exc) from None

    _emit(result, as_json, _session_renderer(asker))


@quiz.command()
@click.option("--cert", help="Cert id (see `dlcert quiz certs`).")
@click.option("--seed", type=int, default=None,
              help="Seed of the draw: the same seed draws the same paper (default: a new paper, unseen questions first).")
@click.option("--resume", "resume", is_flag=False, flag_value="pick", default=None, metavar="[ID]",
              help="Continue an unfinished exam: this session id, or without one pick from the list "
                   "(the newest, of --cert if given, when not in a terminal).")
@click.option("-n", "count", type=click.IntRange(1, 500), default=None, help="Questions (default: the real exam's count).")
@click.option("--time-limit", type=click.FloatRange(min=0.01), default=None, help="Minutes (default: the real exam's, scaled).")
@click.option("--answers", "answers_path", help="YAML/JSON mapping id -> answer ('-' for stdin): no prompts.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
@click.pass_obj
def exam(obj: _Ctx, cert, seed, resume, count, time_limit, answers_path, as_json) -> None:
    """A timed exam drawn like the real one; skip, flag and go back until you submit; then the score,
    the per-domain breakdown and a review of every answer.

    \b
    At the prompt: an answer, or  > (or empty) skip,  < back,  ! flag,  goto N,
    clear,  ? review screen,  submit,  q pause (continue later with --resume).

    \b
    Examples:
      dlcert quiz exam --cert nvidia-nca-genl
      dlcert quiz exam --resume
      dlcert quiz exam --resume 12
    """
    from grader.quiz import exam as ex
    from grader.quiz import render
    from grader.quiz.modes import QuizError

    if not cert and resume is None:
        raise click.UsageError("give --cert (or --resume)")
    if resume is not None and (seed is not None or count is not None):
        raise click.UsageError("--resume continues an existing exam; --seed and -n do not apply")
    library = _library(obj.banks)
    asker = _asker(answers_path, feedback=False, as_json=as_json)
    with obj.store(library) as store:
        try:
            if resume is None:
                others = ex.unfinished_exams(store)
                session = ex.start_exam(library, store, cert, seed=seed, n=count, time_limit_min=time_limit)
                if others:
                    listed = ", ".join(f"{s['id']} ({s['cert']}, {s['answered']}/{s['questions']} answered)" for s in others)
                    click.echo(f"note: unfinished exam(s) kept: {listed}; `dlcert quiz exam --resume` picks one.", err=True)
            elif resume == "pick":
                session = _pick_exam(store, cert, asker)
            elif resume.isdigit():
                session = ex.find_session(store, int(resume))
            else:
                raise click.UsageError(f"--resume takes a session id (a number), not {resume!r}")
        except QuizError as exc:
            raise _usage(exc) from None
        if not as_json:
            for warning in session["meta"].get("warnings", []):
                click.echo(f"warning: {warning}", err=True)
        result = ex.run_exam(library, store, session, asker)
    _emit(result, as_json, render.exam_report)


def _pick_exam(store, cert: str | None, asker) -> dict:
    """The unfinished exam to resume: the only one, the learner's pick in a terminal, else the newest."""
    from grader.quiz import exam as ex
    from grader.quiz.modes import QuizError, Quit

    sessions = ex.unfinished_exams(store, cert)
    if not sessions:
        raise QuizError("no unfinished exam to resume" + (f" for {cert}" if cert else ""))
    if len(sessions) == 1:
        return sessions[0]
    if hasattr(asker, "choose"):  # a terminal: the learner picks
        try:
            return asker.choose(sessions)
        except Quit:
            raise click.Abort() from None
    rest = ", ".join(str(s["id"]) for s in sessions[1:])
    click.echo(f"note: resuming the newest unfinished exam ({sessions[0]['id']}); also unfinished: {rest} "
               "(`--resume ID` continues one of them)", err=True)
    return sessions[0]


@quiz.command()
@click.option("-n", "count", type=click.IntRange(1, 1000), default=20, show_default=True, help="At most this many.")
@click.option("--now", "now_text", default=None, help="Pretend it is this time (ISO 8601), e.g. to plan ahead.")
@click.option("--answers", "answers_path", help="YAML/JSON mapping id -> answer ('-' for stdin): no prompts.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object at the end.")
@click.pass_obj
def review(obj: _Ctx, count, now_text, answers_path, as_json) -> None:
    """Spaced repetition (FSRS): the questions you got wrong or that are due again.

    \b
    Example:
      dlcert quiz review -n 20
    """
    from grader.quiz import modes
    from grader.quiz.store import parse_iso

    try:
        now = parse_iso(now_text) if now_text else None
    except ValueError:
        raise click.UsageError(f"--now: not an ISO 8601 time: {now_text!r}") from None
    library = _library(obj.banks)
    asker = _asker(answers_path, feedback=not as_json, as_json=as_json)
    with obj.store(library) as store:
        only = None if asker.labelled else list(asker.answers)
        result = modes.run_review(library, store, asker, n=count, now=now, only=only)

    _emit(result, as_json, _session_renderer(asker))


@quiz.command()
@click.option("--cert", help="One cert (default: every active or retiring cert).")
@click.option("--passed", "passed", multiple=True,
              help="A passed exercise task id (repeatable; default inside a workspace: its passed tasks).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def readiness(obj: _Ctx, cert, passed, as_json) -> None:
    """Readiness per exam domain from recent quiz answers and exercise modules, and what to study next.

    \b
    Example:
      dlcert quiz readiness --cert aws-mla-c01
    """
    from grader.progress import workspace_passed_tasks
    from grader.quiz import readiness as rd
    from grader.quiz import render
    from grader.quiz.store import default_db_path

    library = _library(obj.banks)
    today = dt.date.today()
    if cert:
        if library.catalog.cert(cert) is None:
            raise click.UsageError(f"unknown cert {cert!r}; see `dlcert quiz certs`")
        ids = [cert]
    else:
        ids = [c.id for c in library.catalog.certs if c.status(today) != "retired"]
    db = obj.db or default_db_path()
    passed = passed or workspace_passed_tasks()  # the same figures as `dlcert progress`
    reports = [rd.readiness(i, passed, db_path=db, library=library).to_dict() for i in ids]
    if as_json:
        click.echo(json.dumps({"readiness": reports}, indent=2, ensure_ascii=False))
    else:
        from rich.console import Console

        render.readiness_report(Console(), reports)


@quiz.command(name="export")
@click.argument("paths", nargs=-1, type=PathParam())
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "gift", "moodle-xml"]), default="json", show_default=True)
@click.option("--attempts", is_flag=True, help="Export your own attempts (JSON, marked self-reported) instead of questions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fixed instance of generated questions (gift, moodle-xml).")
@click.option("-o", "--out", type=PathParam(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.pass_obj
def export_cmd(obj: _Ctx, paths, fmt, attempts, seed, out) -> None:
    """Export banks (default: every shipped bank) as JSON, CSV, Moodle GIFT or Moodle XML, or your attempts.

    \b
    Examples:
      dlcert quiz export --format gift --out bank.gift
      dlcert quiz export --attempts --out my-answers.json
    """
    from grader.quiz import export as ex
    from grader.quiz import gift, moodlexml

    if attempts:
        if fmt != "json":
            raise click.UsageError("--attempts exports JSON only")
        with obj.store(_library(obj.banks)) as store:
            text = ex.attempts_json(store)
    else:
        library = _library(paths or obj.banks)
        entries = list(library.questions.values())
        questions = [e.question for e in entries]
        cases = {e.question.id: e.case for e in entries if e.case is not None}
        if fmt == "json":
            text = ex.to_json(questions, list({id(c): c for c in cases.values()}.values()))
        elif fmt == "csv":
            text = ex.to_csv(questions)
        else:
            text, warnings = (moodlexml.export(questions, seed=seed) if fmt == "moodle-xml"
                              else gift.export(questions, seed=seed, cases=cases))
            for w in warnings:
                click.echo(f"warning: {w}", err=True)
    if out:
        atomic.write_text(out, text)
    else:
        click.echo(text, nl=False)


@quiz.command(name="import")
@click.argument("file", type=PathParam(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", type=PathParam(dir_okay=False, path_type=Path), help="Bank YAML to write (default: stdout).")
@click.option("--topic", type=click.Choice(TOPICS), help="The topic of questions whose $CATEGORY does not end in one.")
@click.option("--cert", "cert_id", help="Map each question to the domains of this cert that cover its topic.")
@click.option("--mapping", "mappings", multiple=True, metavar="CERT:DOMAIN", help="Map every question to this domain (repeatable).")
@click.pass_obj
def import_cmd(obj: _Ctx, file: Path, out: Path | None, topic: str | None, cert_id: str | None, mappings: tuple[str, ...]) -> None:
    """Convert a Moodle GIFT file into a bank, reading it as Moodle does; what dlcert cannot keep (essays,
    short answers, partial credit it cannot score) is named, with its line, on stderr, then lint problems.

    \b
    Example:
      dlcert quiz import questions.gift --topic cnn --cert aws-mla-c01 --out quizzes/imported.yaml
    """
    import tempfile

    import yaml

    from grader.quiz import giftimport
    from grader.quiz.bank import load_catalog, load_library

    raw = file.read_bytes()
    if b"\x00" in raw:
        raise click.UsageError(f"{file} is a binary file, not GIFT text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.UsageError(f"{file} is not UTF-8 text") from None
    catalogs = [Path(b) / "certs.yaml" if Path(b).is_dir() else Path(b) for b in obj.banks]
    catalog = next((c for c in catalogs if c.name == "certs.yaml" and c.is_file()), None)
    defaults = giftimport.Defaults(topic=topic, mappings=list(mappings))
    if cert_id:
        certs, _ = load_catalog(catalog)
        cert = certs.cert(cert_id) if certs else None
        if cert is None:
            raise click.UsageError(f"no cert {cert_id!r} in the catalog (`dlcert quiz certs` lists them)")
        defaults.cert_domains = {t: [f"{cert.id}:{d.id}" for d in cert.domains if t in d.topics] for t in TOPICS}
    bank, warnings = giftimport.import_text(text, file.name, defaults)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    dumped = yaml.safe_dump(bank, sort_keys=False, allow_unicode=True, width=100)
    if out:
        atomic.write_text(out, dumped)
        target = out
    else:
        click.echo(dumped, nl=False)
        handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8")
        handle.write(dumped)
        handle.close()
        target = Path(handle.name)
    library = load_library([target], catalog_path=catalog, check_templates=False)
    for p in library.problems:
        click.echo(f"lint: {p}", err=True)
    click.echo(f"imported {len(bank['questions'])} question(s)"
               + (f"; {len(library.problems)} lint problem(s) to fix before use" if library.problems else ""),
               err=True)
    if not out:
        target.unlink(missing_ok=True)


from grader.quiz.coverage import coverage as _coverage_command  # noqa: E402  (issue 8: dlcert quiz coverage)
quiz.add_command(_coverage_command)
