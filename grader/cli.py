"""The `dlcert` command line: thin wrappers over the Python API, one command per learner action."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import __version__
from grader.clitypes import DEVICE_OPTION, PathParam

OPTIONAL_COMMANDS = {
    "quiz": ("grader.quiz.cli", "quiz"),
    "class": ("grader.classroom.cli", "classroom"),
    "lab": ("grader.lab", "lab"),
    "study": ("grader.study", "study"),
}
"""Commands that live in their own subpackages: name -> (module, attribute), imported on first use."""


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


class _Group(click.Group):
    """The top-level group: the one error boundary for every command (see `grader.boundary`); it imports
    an optional command only when it is named (fast `list`, `hint`)."""

    def invoke(self, ctx: click.Context):
        from grader.boundary import guarded

        with guarded():
            return super().invoke(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the optional ones only when installed (`--help` imports them)."""
        optional = [name for name in OPTIONAL_COMMANDS if self.get_command(ctx, name) is not None]
        return sorted({*super().list_commands(ctx), *optional})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in OPTIONAL_COMMANDS:
            import importlib

            module, attribute = OPTIONAL_COMMANDS[name]
            try:
                command = getattr(importlib.import_module(module), attribute)
            except ImportError:
                return None
            self.add_command(command, name)
        return command


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlcert")
def main() -> None:
    """Learn deep learning by implementing it: dlcert grades your NumPy code against PyTorch.

    \b
    Start here:
      dlcert init ws          make a workspace with every exercise stub
      cd ws && dlcert check   grade everything (or: dlcert check activations.softmax)

    \b
    Exit status: 0 done, 1 failed (a check that did not pass, a file that could not be
    written), 2 usage error, 70 internal error (a crash log is saved; DLCERT_DEBUG=1 shows
    the traceback), 130 Ctrl-C. A damaged progress database is moved aside and started anew.
    """


NOTEBOOKS_IN_WORKSPACE = "DIRECTORY/notebooks"
"""What a bare `--notebooks` means (click needs a value to stand for "no folder given")."""


@main.command()
@click.argument("directory", type=PathParam(file_okay=False, path_type=Path))
@click.option("--notebooks", type=PathParam(file_okay=False, path_type=Path), is_flag=False,
              flag_value=NOTEBOOKS_IN_WORKSPACE, default=None, metavar="[DIR]",
              help="Also write one Jupyter notebook per module (stub cells, a check cell after each task) "
                   "in DIR, default DIRECTORY/notebooks.")
def init(directory: Path, notebooks: Path | None) -> None:
    """Make a learner workspace in DIRECTORY with every exercise stub.

    Refuses to overwrite an existing workspace, a non-empty folder or existing notebooks.

    \b
    Examples:
      dlcert init ws && cd ws && dlcert check neurons
      dlcert init ws --notebooks        also ws/notebooks/01_neurons.ipynb, ...
    """
    from grader import warmup
    from grader.workspace import init_workspace

    course = _course()
    if notebooks == Path(NOTEBOOKS_IN_WORKSPACE):
        notebooks = directory / "notebooks"
    if notebooks is not None:
        taken = [notebooks / f"{e.folder}.ipynb" for e in course.exercises if (notebooks / f"{e.folder}.ipynb").exists()]
        if taken:
            raise click.UsageError(f"{taken[0]} exists; refusing to overwrite a notebook (choose another --notebooks DIR)")
    ws = init_workspace(directory, course)
    warmup.start(ws.root)  # the references of its seed, computed while the learner reads the first stub
    out = console()
    out.print(f"Made a workspace in [bold]{ws.root}[/]: your code goes in {ws.root / 'exercises'}.")
    if notebooks is not None:
        from grader.notebook_files import write_notebooks

        written = write_notebooks(course, notebooks)
        out.print(f"Wrote {len(written)} notebooks in [bold]{notebooks}[/] (open one in Jupyter; each check cell "
                  "grades the cell above it).")
    out.print(f"Next: [bold]cd {directory}[/] and [bold]dlcert check neurons[/] (or open exercises/01_neurons/neurons.py).")


@main.command()
@click.argument("targets", nargs=-1)
@click.option("--workspace", "-w", type=PathParam(file_okay=False, path_type=Path), help="The workspace (default: the nearest one above the current folder).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract in CURRICULUM.md) and nothing else.")
@click.option("--seed", type=int, help="Fix the random cases (default: the workspace's own seed).")
@DEVICE_OPTION
def check(targets: tuple[str, ...], workspace: Path | None, as_json: bool, seed: int | None, device: str) -> None:
    """Grade TARGETS (modules like `activations`, tasks like `activations.softmax`); none = all.

    A target may also be written `02_activations`, `activations/softmax` or as the module's file,
    `exercises/02_activations/activations.py`.

    Exit status: 0 when every checked task passed, 1 when any did not, 2 on a usage error.

    \b
    Examples:
      dlcert check                      every task
      dlcert check losses               one module
      dlcert check activations.softmax  one task, with its diagnosis
      dlcert check --json > result.json
    """
    from grader.sandbox import Sandbox

    ws = _open_workspace(workspace)
    with Sandbox().start() as sandbox:  # the supervisor boots while the rest of the grader loads
        from grader import render
        from grader.course import CourseError
        from grader.pipeline import check as run_check
        from grader.pipeline import record_report
        from grader.references import ReferenceError_

        course = _course()
        try:
            tasks = course.select(list(targets))
            report = run_check(targets, workspace=ws.root, seed=seed, device=device, record=False, course=course,
                               sandbox=sandbox)
        except CourseError as exc:
            raise click.UsageError(str(exc)) from exc
        except ReferenceError_ as exc:
            raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(render.report_json(report))
    else:
        render.print_report(report, console())
    record_report(ws, report, tasks)  # after the verdict is shown: a database that cannot be written costs no grading
    sys.exit(0 if report.passed else 1)


WORKSPACE_OPTION = click.option(
    "--workspace", "-w", type=PathParam(file_okay=False, path_type=Path),
    help="The workspace (default: the nearest one above the current folder).",
)


def _open_workspace(workspace: Path | None):
    """The workspace to act on, or a usage error that says how to get one."""
    from grader.workspace import find_workspace, open_workspace

    root = workspace or find_workspace()
    if root is None:
        raise click.UsageError("not inside a dlcert workspace; pass --workspace DIR or run `dlcert init DIR` first")
    return open_workspace(Path(root))


def _course():
    from grader.course import CourseError, load_course

    try:
        return load_course()
    except CourseError as exc:
        raise click.ClickException(f"the installed course is broken: {exc}") from exc


def _state_of(ws, task_name: str | None):
    """The state of TASK, or of the current task (the first not passed nor skipped) when None."""
    from grader.course import CourseError
    from grader.progress import current_task, states

    course = _course()
    all_states = states(course, ws)
    if task_name is None:
        state = current_task(all_states)
        if state is None:
            raise click.ClickException("every task has passed (or is skipped): nothing is current")
        return state
    try:
        exercise, task = course.resolve(task_name)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    if task is None:
        raise click.UsageError(f"{task_name!r} is a module; name one of its tasks, e.g. `{exercise.tasks[0].id}` "
                               "(see `dlcert list`)")
    return next(s for s in all_states if s.task.id == task.id)


@main.command(name="list")
@WORKSPACE_OPTION
def list_tasks(workspace: Path | None) -> None:
    """List modules and tasks with their status and points, and the next task to do.

    \b
    Example:
      dlcert list
    """
    from grader import render
    from grader.progress import current_task, states

    ws = _open_workspace(workspace)
    all_states = states(_course(), ws)
    current = current_task(all_states)
    table = render.task_list_table(all_states, current.task.id if current else None)
    out = console()
    out.print(table)
    if current is not None:
        out.print(f"Next: [bold]{current.task.id}[/] — `dlcert check {current.task.id}` or `dlcert watch`")


@main.command()
@click.argument("task", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show again every hint you have seen for TASK.")
@click.option("--level", type=click.IntRange(min=1), help="Show hint number LEVEL (1 = the gentlest).")
@WORKSPACE_OPTION
def hint(task: str | None, show_all: bool, level: int | None, workspace: Path | None) -> None:
    """Show the next hint for TASK (default: the current task); each call goes one level deeper.

    \b
    Examples:
      dlcert hint                       the current task
      dlcert hint activations.softmax
      dlcert hint --all                 every hint seen so far, again
      dlcert hint --level 1             the first hint, again
    """
    from grader.progress import next_hint_level
    from grader.store import record_hint

    if show_all and level is not None:
        raise click.UsageError("--all and --level are alternatives; give one")
    ws = _open_workspace(workspace)
    state = _state_of(ws, task)
    hints = state.task.spec.hints
    if level is not None and level > len(hints):
        raise click.UsageError(f"{state.task.id} has {len(hints)} hints; --level goes from 1 to {len(hints)}")
    seen = min(state.hints, len(hints))
    if show_all:
        levels = list(range(1, max(seen, 1) + 1))
    else:
        levels = [level or next_hint_level(state)]
    if max(levels) > state.hints:
        record_hint(ws.db_path, state.task.id, max(levels))
    out = console()
    for n in levels:
        out.print(f"[bold]Hint {n}/{len(hints)}[/] for {state.task.id}:")
        out.print(hints[n - 1])
    if max(levels) == len(hints) and not show_all:
        out.print("[dim]That was the last hint. Once the task passes, `dlcert solution` shows the model solution.[/]")
    elif show_all and seen < len(hints):
        out.print(f"[dim]`dlcert hint {state.task.id}` shows the next one.[/]")


@main.command()
@click.argument("task")
@WORKSPACE_OPTION
def solution(task: str, workspace: Path | None) -> None:
    """Show the model solution of TASK, once TASK has passed.

    \b
    Example:
      dlcert solution activations.softmax
    """
    from rich.syntax import Syntax

    from grader import sources

    ws = _open_workspace(workspace)
    state = _state_of(ws, task)
    if not state.passed_ever:
        raise click.ClickException(
            f"{state.task.id} has not passed yet; solve it first (`dlcert check {state.task.id}`, `dlcert hint {state.task.id}`)"
        )
    code = sources.extract(state.task.exercise.solution_path.read_text(), state.task.name)
    console().print(Syntax(code or "", "python", theme="ansi_dark", background_color="default"))


@main.command()
@click.argument("task", required=False)
@WORKSPACE_OPTION
def skip(task: str | None, workspace: Path | None) -> None:
    """Move past TASK (default: the current task); it stays listed as skipped until `unskip`.

    \b
    Example:
      dlcert skip backprop.numerical_gradient
    """
    from grader.store import set_skipped

    ws = _open_workspace(workspace)
    state = _state_of(ws, task)
    set_skipped(ws.db_path, state.task.id, True)
    console().print(f"Skipped {state.task.id}. `dlcert unskip {state.task.id}` brings it back.")


@main.command()
@click.argument("task")
@WORKSPACE_OPTION
def unskip(task: str, workspace: Path | None) -> None:
    """Bring a skipped TASK back into the queue.

    \b
    Example:
      dlcert unskip backprop.numerical_gradient
    """
    from grader.store import set_skipped

    ws = _open_workspace(workspace)
    state = _state_of(ws, task)
    set_skipped(ws.db_path, state.task.id, False)
    console().print(f"{state.task.id} is back in the queue.")


@main.command()
@click.argument("target")
@WORKSPACE_OPTION
def reset(target: str, workspace: Path | None) -> None:
    """Restore the stub of TARGET (a module, or one task's function), backing up your code first.

    \b
    Examples:
      dlcert reset activations           the whole module file
      dlcert reset activations.softmax   only softmax, the rest of the file untouched
    """
    from grader.course import CourseError
    from grader.workspace import reset as reset_stub

    ws = _open_workspace(workspace)
    try:
        exercise, task = _course().resolve(target)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    saved = reset_stub(ws, exercise, task.name if task else None)
    out = console()
    out.print(f"Restored the stub of {task.id if task else exercise.folder}.")
    if saved:
        out.print(f"Your previous code is saved in {saved}")


@main.command()
@WORKSPACE_OPTION
def progress(workspace: Path | None) -> None:
    """Show progress per module: percent, attempts, hints used, time spent and the next task.

    \b
    Example:
      dlcert progress
    """
    from grader import render
    from grader.progress import current_task, passed_tasks, states, summaries

    ws = _open_workspace(workspace)
    course = _course()
    all_states = states(course, ws)
    out = console()
    modules = summaries(course, all_states)
    out.print(render.progress_table(modules, out.width))
    if render.pictures(out):
        out.print(render.progress_bars(modules, min(out.width, 100), out.color_system is not None))
    total = sum(s.task.spec.points for s in all_states)
    earned = sum(s.task.spec.points for s in all_states if s.done)
    out.print(f"[bold]{earned:g}/{total:g} points[/]")
    current = current_task(all_states)
    if current is not None:
        out.print(f"Next: [bold]{current.task.id}[/]")
    _print_readiness(out, ws, passed_tasks(all_states))


def _print_readiness(out, ws, passed: set[str]) -> None:
    """Readiness per certification domain, from quiz mode."""
    from grader.quiz.readiness import render_readiness

    render_readiness(out, ws.db_path, passed)


@main.command()
@click.option("--no-torch", is_flag=True, help="Skip the PyTorch probe (fast; no torch import).")
def info(no_torch: bool) -> None:
    """Show versions, what confines learner code here, the grading device and whether CUDA is available.

    \b
    Examples:
      dlcert info
      dlcert info --no-torch
    """
    import platform

    import numpy

    from grader.workspace import find_workspace

    out = console()
    out.print(f"dlcert {__version__}, Python {platform.python_version()} ({sys.executable}), NumPy {numpy.__version__}")
    out.print(f"platform: {platform.platform()}")
    ws = find_workspace()
    out.print(f"workspace: {ws or 'none here (dlcert init DIR makes one)'}")
    _print_confinement(out)
    if no_torch:
        return
    import torch

    from grader.references import choose_device

    choice = choose_device("auto")
    out.print(f"PyTorch {torch.__version__}; CUDA available: {torch.cuda.is_available()}"
              + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    mps = getattr(torch.backends, "mps", None)
    out.print(f"MPS available: {bool(mps and mps.is_available())}")
    out.print(f"references run on: {choice.name}" + (f" ({choice.note})" if choice.note else ""))


def _print_confinement(out) -> None:
    """The sandbox's confinement table: what learner code cannot do here, and by what."""
    from rich.table import Table

    from grader.sandbox import SandboxError, local_confinement

    try:
        confinement = local_confinement()
    except SandboxError as exc:
        out.print(f"sandbox: {exc}")
        return
    table = Table(title="learner code is confined by", title_justify="left", box=None, header_style="bold")
    for column in ("", "in force", "by"):
        table.add_column(column)
    for m in confinement.mechanisms:
        table.add_row(m.name, "[green]yes[/]" if m.in_force else "[red]no[/]", m.by)
    out.print(table)
    if confinement.caps.why:
        out.print(f"[dim]why not more: {confinement.caps.why}[/]")
    if not confinement.sufficient:
        out.print("`dlcert class grade` and the Gradescope autograder refuse to grade here without --allow-unconfined.")


@main.command()
@click.option("--out", "out_file", type=PathParam(dir_okay=False, path_type=Path), default=Path("dlcert-submission.zip"),
              show_default=True, help="Where to write the zip.")
@WORKSPACE_OPTION
def submit(out_file: Path, workspace: Path | None) -> None:
    """Zip your code with a manifest (tasks, file hashes, dlcert version) for your instructor.

    The progress database is never included.

    \b
    Example:
      dlcert submit --out alice.zip
    """
    from grader.submit import make_submission

    ws = _open_workspace(workspace)
    manifest = make_submission(ws, _course(), out_file)
    console().print(f"Wrote {out_file} ({len(manifest['files'])} module files). Hand it to your instructor.")


@main.command()
@WORKSPACE_OPTION
def upgrade(workspace: Path | None) -> None:
    """Add stubs of exercises and tasks that this dlcert has and your workspace lacks.

    Your code is never changed: new modules are added as files, new tasks are appended.

    \b
    Example:
      pip install -U dlcert && dlcert upgrade
    """
    from grader.workspace import upgrade as add_missing

    ws = _open_workspace(workspace)
    added = add_missing(ws, _course())
    out = console()
    if not added:
        out.print("Your workspace already has every exercise and task of this dlcert.")
    for item in added:
        out.print(f"added {item}")


@main.command()
@click.argument("target", required=False)
@click.option("--poll", is_flag=True, help="Poll for changes (WSL2, network drives, some editors).")
@click.option("--seed", type=int, help="Fix the random cases.")
@DEVICE_OPTION
@click.option("--max-runs", type=int, hidden=True, help="Stop after this many re-checks (for scripts and tests).")
@WORKSPACE_OPTION
def watch(target: str | None, poll: bool, seed: int | None, device: str, max_runs: int | None,
          workspace: Path | None) -> None:
    """Re-check on every save and show the current task's diagnosis; `q` or Ctrl-C to stop.

    TARGET (a module or a task, in any form `check` takes) keeps watch on it; the current task
    moves on when it passes. In a terminal, keys drive it: h next hint, l list, n next pending
    task, c check all, r re-run, q quit.

    \b
    Examples:
      dlcert watch
      dlcert watch activations    only that module's tasks
      dlcert watch --poll         on WSL2 or a network drive
    """
    import threading

    from grader.course import CourseError
    from grader.watch import WatchSession, file_changes

    ws = _open_workspace(workspace)
    course = _course()
    try:
        focus = course.select([target]) if target else None
    except CourseError as exc:
        raise click.UsageError(str(exc)) from exc
    session = WatchSession(ws, course, console(), seed=seed, device=device, focus=focus, focus_name=target)
    stop = threading.Event()
    try:
        session.run(file_changes(ws.root / "exercises", poll, stop), max_runs=max_runs, keys=sys.stdin.isatty())
    finally:
        stop.set()
