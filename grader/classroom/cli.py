"""`dlcert class ...`: thin commands over the classroom stages (each does its work in its module)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from grader import atomic
from grader.classroom.bundle import DEFAULT_BUDGET
from grader.classroom.intake import Limits
from grader.classroom.lms import LAYOUTS
from grader.clitypes import DEVICE_OPTION, PathParam

DASK_CONNECT_SECONDS = 10

GRADEBOOK_OPTION = click.option(
    "--gradebook", "-g", type=PathParam(dir_okay=False, path_type=Path), default=Path("dlcert-class.sqlite"),
    show_default=True, help="The class gradebook (SQLite).")


SECRET_OPTION = click.option(
    "--secret", hidden=True, help="Refused: a command-line value is visible to every user of the machine.")
SECRET_FILE_OPTION = click.option(
    "--secret-file", type=PathParam(exists=True, dir_okay=False, path_type=Path),
    help="A file whose first line is the secret that derives each learner's case seed as HMAC(secret, learner id) "
         "(or set DLCERT_CLASS_SECRET).")
ALLOW_UNCONFINED_OPTION = click.option(
    "--allow-unconfined", is_flag=True,
    help="Grade even where learner code cannot be confined (see `dlcert info`): only for code you trust.")


def _refuse_argv_secret(secret: str | None) -> None:
    if secret is not None:
        raise click.UsageError("--secret on the command line is visible to every user of this machine (ps, /proc); "
                               "put it in a file and pass --secret-file FILE, or set DLCERT_CLASS_SECRET")


def _require_confinement(allow_unconfined: bool) -> None:
    """Refuse (exit 1) to grade other people's code where it cannot be confined, unless allowed."""
    from grader.classroom.grading import refusal
    from grader.sandbox import local_confinement

    confinement = local_confinement()
    if not confinement.sufficient and not allow_unconfined:
        raise click.ClickException(refusal(confinement))


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=False)


def _open(path: Path, must_exist: bool = False):
    from grader.classroom.gradebook import Gradebook, GradebookError

    if must_exist and not path.is_file():
        raise click.UsageError(f"{path} does not exist; grade a class first (`dlcert class grade ...`) or pass --gradebook")
    try:
        return Gradebook(path)
    except GradebookError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(name="class", context_settings={"help_option_names": ["-h", "--help"]})
def classroom() -> None:
    """Instructor mode: grade a whole class, keep a gradebook, report.

    \b
    Example:
      dlcert class grade submissions/ --tasks neurons activations --roster roster.csv
      dlcert class report --format html --out report.html
    """


@classroom.command()
@click.argument("submissions", nargs=-1, required=True, type=PathParam(exists=True, path_type=Path))
@click.option("--tasks", "-t", "targets", multiple=True, help="Modules or tasks to grade (repeatable; default: every task).")
@click.option("--roster", type=PathParam(exists=True, dir_okay=False, path_type=Path), help="CSV of learners (id, name, email, submission).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@SECRET_OPTION
@SECRET_FILE_OPTION
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The case seed when there is no secret.")
@GRADEBOOK_OPTION
@click.option("--out", type=PathParam(file_okay=False, path_type=Path), help="Also write the run's outcomes as JSON (outcomes.json) here.")
@click.option("--regrade", is_flag=True, help="Grade everything again, even results the gradebook has.")
@click.option("--executor", type=click.Choice(["local", "dask"]), help="Where submissions are graded (default: local; dask with --scheduler).")
@click.option("--scheduler", help="A Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask).")
@DEVICE_OPTION
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True,
              help="How the folder of hand-ins is laid out: an LMS's bulk download, or one file or folder per learner (plain).")
@click.option("--max-size", "max_mib", type=click.FloatRange(min=0, min_open=True), default=Limits.max_total_bytes / 2**20,
              show_default=True, help="Most MiB one hand-in may hold once extracted (.venv, .git, __pycache__, ... not counted).")
@click.option("--max-files", type=click.IntRange(min=1), default=Limits.max_files, show_default=True,
              help="Most files one hand-in may hold (skipped tooling folders not counted).")
@ALLOW_UNCONFINED_OPTION
def grade(submissions, targets, roster, jobs, secret, secret_file, seed, gradebook, out, regrade, executor, scheduler, device,
          layout, max_mib, max_files, allow_unconfined) -> None:
    """Grade SUBMISSIONS: learner folders, .zip/.tar(.gz) archives, loose module .py files, or folders of them.

    Each is copied safely into a private temporary folder and graded in the sandbox; results go to the
    gradebook as they arrive, so a rerun grades only what is new or changed. Moodle's, Canvas's and
    Gradescope's bulk downloads and GitHub Classroom's repository folders are recognised (--layout):
    one submission per learner, the latest resubmission, matched to the roster.

    \b
    Examples:
      dlcert class grade hand-ins/ --tasks neurons --jobs 8
      dlcert class grade moodle-download/ --roster grading-worksheet.csv
      dlcert class grade hand-ins/ --secret-file class.secret --roster roster.csv
      dlcert class grade hand-ins/ --scheduler tcp://head:8786
    """
    from grader.classroom import progress as progress_view
    from grader.classroom.classrun import ClassRunError, grade_class
    from grader.classroom.grading import LocalExecutor, class_secret
    from grader.classroom.roster import RosterError, load_roster
    from grader.course import CourseError

    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler ADDRESS")
    if executor == "local" and scheduler:
        raise click.UsageError("--scheduler is a Dask scheduler's address; drop it, or drop --executor local")
    _refuse_argv_secret(secret)
    if not scheduler:
        _require_confinement(allow_unconfined)
    if out:
        out.mkdir(parents=True, exist_ok=True)  # before grading: a bad --out is one line, not a lost run
    try:
        roster_data = load_roster(roster) if roster else None
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc
    client = _dask_client(scheduler) if scheduler else None
    runner = _dask_executor(client) if client else LocalExecutor(jobs)
    book = _open(gradebook)
    console = _console()
    limits = Limits(max_total_bytes=int(max_mib * 2**20), max_files=max_files)
    try:
        with progress_view.ClassProgress(console) as view:
            run = grade_class(submissions, gradebook=book, targets=targets, roster=roster_data,
                              secret=class_secret(secret_file), seed=seed, regrade=regrade, executor=runner, device=device,
                              progress=view.update, layout=layout, limits=limits, allow_unconfined=allow_unconfined)
    except (CourseError, ClassRunError) as exc:
        raise click.UsageError(str(exc)) from exc
    except KeyboardInterrupt:
        console.print(f"Interrupted. Every finished submission is in {gradebook}; run the same command to grade the rest.")
        sys.exit(130)
    finally:
        book.close()
        if client is not None:
            client.close()
    rate = run.graded / run.seconds * 60 if run.seconds else 0.0
    console.print(f"{run.submissions} submissions: {run.graded - run.failed} graded, {run.failed} could not be, {run.skipped} "
                  f"already in {gradebook}; {run.seconds:.1f} s ({rate:.0f} per minute with {getattr(runner, 'jobs', None) or 'dask'} workers).",
                  soft_wrap=True)
    if run.not_graded:
        console.print("Could not be graded:", markup=False)
        for learner, name, why in run.not_graded:
            console.print(f"  {learner} ({name}): {why}", markup=False, soft_wrap=True)
    if roster_data is not None:
        _roster_summary(console, gradebook)
    if out:
        atomic.write_text(out / "outcomes.json", json.dumps({"run_id": run.run_id, "tasks": run.tasks, "outcomes": run.outcomes}, indent=2))


def _dask_client(address: str):
    """A connected Dask client, or a one-line error (no `distributed`, or no scheduler at `address`)."""
    try:
        from distributed import Client
    except ImportError:
        raise click.ClickException("--scheduler needs Dask's `distributed` package: pip install 'dlcert[class]'") from None
    try:
        return Client(address, timeout=DASK_CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(f"no Dask scheduler answered at {address} within {DASK_CONNECT_SECONDS} s ({reason}); "
                                   f"start one with `dask scheduler` and workers with `dask worker {address}`") from None


def _dask_executor(client):
    from grader.classroom.grading import DaskExecutor

    return DaskExecutor(client)


def _roster_summary(console, gradebook: Path) -> None:
    """Who on the roster handed nothing in, and which hand-ins matched nobody on it."""
    from grader.classroom.reports import roster_gaps

    with _open(gradebook, must_exist=True) as book:
        missing, unknown = roster_gaps(book)
    if missing:
        console.print(f"On the roster, no hand-in: {', '.join(missing)}", markup=False, soft_wrap=True)
    if unknown:
        console.print(f"Not on the roster (graded under their own names): {', '.join(unknown)}", markup=False, soft_wrap=True)


@classroom.command()
@click.argument("learner")
@GRADEBOOK_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the history as one JSON object.")
def show(learner, gradebook, as_json) -> None:
    """Show LEARNER's history: every submission, its status and per-task results, and quiz attempts.

    \b
    Example:
      dlcert class show alice --gradebook class.sqlite
    """
    from grader.classroom import reports

    book = _open(gradebook, must_exist=True)
    try:
        history = reports.learner_history(book, learner)
    finally:
        book.close()
    if history is None:
        raise click.UsageError(f"no learner {learner!r} in {gradebook}")
    if as_json:
        click.echo(json.dumps(history, indent=2))
        return
    from rich.console import Console

    reports.print_history(history, Console(highlight=False))


@classroom.command("import-quiz")
@click.argument("files", nargs=-1, required=True, type=PathParam(exists=True, dir_okay=False, path_type=Path))
@click.option("--learner", help="The learner id (default: each file's name without .json).")
@GRADEBOOK_OPTION
def import_quiz(files, learner, gradebook) -> None:
    """Import learners' quiz exports (`dlcert quiz export --attempts`), marked self-reported.

    \b
    Example:
      dlcert class import-quiz exports/*.json    (learner ids from the file names)
    """
    from grader.classroom.quizimport import QuizImportError, read_export

    book = _open(gradebook)
    try:
        for path in files:
            try:
                attempts = read_export(path)
            except QuizImportError as exc:
                raise click.UsageError(str(exc)) from exc
            who = learner or path.name.removesuffix(".json")
            added = book.import_quiz_attempts(who, attempts, str(path))
            click.echo(f"{path}: {added} new attempts for {who} (of {len(attempts)}; self-reported)")
    finally:
        book.close()


def _collect(gradebook: Path, targets):
    from grader.classroom import reports
    from grader.course import CourseError

    book = _open(gradebook, must_exist=True)
    try:
        return reports.collect(book, targets)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        book.close()


def _writable(path: Path, folder: bool) -> None:
    """A one-line error when `path` is the wrong kind of thing to write (a folder for a file, or the reverse)."""
    if folder and path.exists() and not path.is_dir():
        raise click.UsageError(f"{path} is a file; give a folder (it is made if missing, written into if it exists)")
    if not folder and path.is_dir():
        raise click.UsageError(f"{path} is a folder; give a file name, e.g. {path / 'grades.csv'}")


@classroom.command()
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json", "gradescope", "items"]), default="html", show_default=True)
@click.option("--out", type=PathParam(path_type=Path),
              help="html and gradescope: a folder (made if missing, written into if it exists; for html a NAME.html file "
                   "also works). csv, json, items: a file. Default: report/ for html, gradescope/, else stdout.")
@click.option("--tasks", "-t", "targets", multiple=True, help="Only these modules or tasks.")
@GRADEBOOK_OPTION
def report(fmt, out, targets, gradebook) -> None:
    """Report on the class: html (a class page and a page per learner, self-contained), csv/json (one row per
    learner x task), gradescope (one results.json per learner) or items (quiz item statistics, JSON).

    \b
    Examples:
      dlcert class report --out report/        (report/index.html, report/learners/*.html)
      dlcert class report --format csv > grades.csv
    """
    from grader.classroom import pages, reports

    data = _collect(gradebook, targets)
    if fmt in ("html", "gradescope"):
        folder = out or Path("report" if fmt == "html" else "gradescope")
        _writable(folder, folder=not (fmt == "html" and folder.suffix.lower() == ".html"))
        written = pages.write_report(data, folder) if fmt == "html" else reports.write_gradescope(data, folder)
        click.echo(f"wrote {written[0]} and {len(written) - 1} learner pages" if fmt == "html"
                   else f"wrote {len(written)} results.json files under {folder}")
        return
    text = {"csv": reports.to_csv, "json": reports.to_json, "items": reports.items_json}[fmt](data)
    if out is None:
        sys.stdout.write(text)
        return
    _writable(out, folder=False)
    atomic.write_text(out, text)
    click.echo(f"wrote {out}")


@classroom.command()
@click.option("--out", type=PathParam(path_type=Path), default=Path("feedback"), show_default=True,
              help="The folder to write into (made if missing; existing files of the same learners are replaced).")
@click.option("--tasks", "-t", "targets", multiple=True, help="Only these modules or tasks.")
@GRADEBOOK_OPTION
def feedback(out, targets, gradebook) -> None:
    """Write one feedback file per learner to send back: LEARNER.html (self-contained) and LEARNER.md, with
    every task's status, score, diagnosis and failing case, and nothing about other learners.

    \b
    Example:
      dlcert class feedback --out feedback/ --gradebook class.sqlite
    """
    from grader.classroom import pages

    _writable(out, folder=True)
    written = pages.write_feedback(_collect(gradebook, targets), out)
    click.echo(f"wrote feedback for {len(written) // 2} learners under {out} (an .html and an .md each)")


@classroom.command("gradescope-bundle")
@click.option("--tasks", "-t", "targets", multiple=True, help="The assignment's modules or tasks (default: every task).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The case seed.")
@SECRET_OPTION
@SECRET_FILE_OPTION
@click.option("--out", type=PathParam(dir_okay=False, path_type=Path), default=Path("dlcert-autograder.zip"), show_default=True)
@click.option("--wheel", type=PathParam(exists=True, dir_okay=False, path_type=Path), help="Use this dlcert wheel instead of building one.")
@click.option("--visibility", "visibility", multiple=True, metavar="[TARGET=]VISIBILITY",
              help="Gradescope visibility (visible, after_published, after_due_date, hidden) of every test, or of a module's "
                   "or task's tests with TARGET=; repeatable, the most specific wins. Default: visible.")
@click.option("--budget", type=click.FloatRange(min=0), default=DEFAULT_BUDGET, show_default=True,
              help="Seconds one hand-in may take in all; modules not started by then score 0 and say so (0: no budget).")
@click.option("--cuda", is_flag=True, help="Install PyPI's CUDA build of torch instead of the CPU wheel (for a GPU image).")
@click.option("--torch-index", metavar="URL", help="Install torch from this package index instead.")
@ALLOW_UNCONFINED_OPTION
def gradescope_bundle(targets, seed, secret, secret_file, out, wheel, visibility, budget, cuda, torch_index, allow_unconfined) -> None:
    """Write Gradescope's autograder zip: setup.sh, run_autograder and the dlcert wheel. setup.sh pins the
    torch version this dlcert runs with and installs python3-venv and python3-pip where the image lacks them.

    A secret (per-learner seeds from HMAC(secret, the learner's Gradescope email)) is stored in the
    zip as a 0600 file that run_autograder reads, never on a command line.

    \b
    Examples:
      dlcert class gradescope-bundle --tasks neurons --tasks activations --out lab1-autograder.zip
      dlcert class gradescope-bundle -t cnn --visibility after_published --visibility cnn.conv2d_backward=hidden
    """
    from grader.classroom.bundle import BundleError, write_bundle
    from grader.classroom.grading import class_secret
    from grader.course import CourseError, load_course

    _refuse_argv_secret(secret)
    try:
        load_course().select(list(targets))
        path = write_bundle(out, targets=list(targets), seed=seed, secret=class_secret(secret_file), wheel=wheel,
                            visibility=list(visibility), budget=budget or None, cuda=cuda, torch_index=torch_index,
                            allow_unconfined=allow_unconfined)
    except (BundleError, CourseError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {path}: upload it as the assignment's autograder (Ubuntu image, Python 3.10+)")
