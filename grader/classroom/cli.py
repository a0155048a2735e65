"""`dlcert class ...`: thin commands over the classroom stages (each does its work in its module)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

GRADEBOOK_OPTION = click.option(
    "--gradebook", "-g", type=click.Path(dir_okay=False, path_type=Path), default=Path("dlcert-class.sqlite"),
    show_default=True, help="The class gradebook (SQLite).")


SECRET_OPTION = click.option(
    "--secret", hidden=True, help="Refused: a command-line value is visible to every user of the machine.")
SECRET_FILE_OPTION = click.option(
    "--secret-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--tasks", "-t", "targets", multiple=True, help="Modules or tasks to grade (repeatable; default: every task).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CSV of learners (id, name, email, submission).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: every core).")
@SECRET_OPTION
@SECRET_FILE_OPTION
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The case seed when there is no secret.")
@GRADEBOOK_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Also write the run's outcomes as JSON (outcomes.json) here.")
@click.option("--regrade", is_flag=True, help="Grade everything again, even results the gradebook has.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True, help="Where submissions are graded.")
@click.option("--scheduler", help="The Dask scheduler address (with --executor dask), e.g. tcp://10.0.0.5:8786.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True, help="Where the PyTorch references run.")
@ALLOW_UNCONFINED_OPTION
def grade(submissions, targets, roster, jobs, secret, secret_file, seed, gradebook, out, regrade, executor, scheduler, device,
          allow_unconfined) -> None:
    """Grade SUBMISSIONS: learner folders, .zip/.tar(.gz) archives, loose module .py files, or folders of them.

    Each is copied safely into a private temporary folder and graded in the sandbox; results go to the
    gradebook as they arrive, so a rerun grades only what is new or changed.

    \b
    Examples:
      dlcert class grade hand-ins/ --tasks neurons --jobs 8
      dlcert class grade hand-ins/ --secret-file class.secret --roster roster.csv
      dlcert class grade hand-ins/ --executor dask --scheduler tcp://head:8786
    """
    from grader.classroom import progress as progress_view
    from grader.classroom.classrun import grade_class
    from grader.classroom.grading import DaskExecutor, LocalExecutor, class_secret
    from grader.classroom.roster import RosterError, load_roster
    from grader.course import CourseError

    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler ADDRESS")
    _refuse_argv_secret(secret)
    if executor == "local":
        _require_confinement(allow_unconfined)
    try:
        roster_data = load_roster(roster) if roster else None
    except RosterError as exc:
        raise click.UsageError(str(exc)) from exc
    runner = DaskExecutor(scheduler) if executor == "dask" else LocalExecutor(jobs)
    book = _open(gradebook)
    console = _console()
    try:
        with progress_view.ClassProgress(console) as view:
            run = grade_class(submissions, gradebook=book, targets=targets, roster=roster_data,
                              secret=class_secret(secret_file), seed=seed, regrade=regrade, executor=runner, device=device,
                              progress=view.update, allow_unconfined=allow_unconfined)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    except KeyboardInterrupt:
        console.print(f"Interrupted. Every finished submission is in {gradebook}; run the same command to grade the rest.")
        sys.exit(130)
    finally:
        book.close()
    rate = run.graded / run.seconds * 60 if run.seconds else 0.0
    console.print(f"{run.submissions} submissions: {run.graded - run.failed} graded, {run.failed} could not be, {run.skipped} "
                  f"already in {gradebook}; {run.seconds:.1f} s ({rate:.0f} per minute with {getattr(runner, 'jobs', None) or 'dask'} workers).")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "outcomes.json").write_text(json.dumps({"run_id": run.run_id, "tasks": run.tasks, "outcomes": run.outcomes}, indent=2))


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
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
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


@classroom.command()
@click.option("--format", "fmt", type=click.Choice(["html", "csv", "json", "gradescope", "items"]), default="html", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Where to write (a file; a folder for gradescope). Default: stdout, or report.html.")
@click.option("--tasks", "-t", "targets", multiple=True, help="Only these modules or tasks.")
@GRADEBOOK_OPTION
def report(fmt, out, targets, gradebook) -> None:
    """Report on the class: html (self-contained), csv/json (one row per learner x task),
    gradescope (one results.json per learner) or items (quiz item statistics, JSON).

    \b
    Examples:
      dlcert class report --format html --out report.html
      dlcert class report --format csv > grades.csv
    """
    from grader.classroom import reports
    from grader.course import CourseError

    book = _open(gradebook, must_exist=True)
    try:
        data = reports.collect(book, targets)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    finally:
        book.close()
    if fmt == "gradescope":
        folder = out or Path("gradescope")
        written = reports.write_gradescope(data, folder)
        click.echo(f"wrote {len(written)} results.json files under {folder}")
        return
    text = {"html": reports.to_html, "csv": reports.to_csv, "json": reports.to_json, "items": reports.items_json}[fmt](data)
    if out is None and fmt == "html":
        out = Path("report.html")
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")


@classroom.command("gradescope-bundle")
@click.option("--tasks", "-t", "targets", multiple=True, help="The assignment's modules or tasks (default: every task).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="The case seed.")
@SECRET_OPTION
@SECRET_FILE_OPTION
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("dlcert-autograder.zip"), show_default=True)
@click.option("--wheel", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Use this dlcert wheel instead of building one.")
@ALLOW_UNCONFINED_OPTION
def gradescope_bundle(targets, seed, secret, secret_file, out, wheel, allow_unconfined) -> None:
    """Write Gradescope's autograder zip: setup.sh, run_autograder and the dlcert wheel.

    A secret (per-learner seeds from HMAC(secret, the learner's Gradescope email)) is stored in the
    zip as a 0600 file that run_autograder reads, never on a command line.

    \b
    Example:
      dlcert class gradescope-bundle --tasks neurons --tasks activations --out lab1-autograder.zip
    """
    from grader.classroom.bundle import BundleError, write_bundle
    from grader.classroom.grading import class_secret
    from grader.course import CourseError, load_course

    _refuse_argv_secret(secret)
    try:
        load_course().select(list(targets))
        path = write_bundle(out, targets=list(targets), seed=seed, secret=class_secret(secret_file), wheel=wheel,
                            allow_unconfined=allow_unconfined)
    except (BundleError, CourseError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {path}: upload it as the assignment's autograder (Ubuntu image, Python 3.10+)")
