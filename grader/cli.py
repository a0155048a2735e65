"""The `dlcert` command line: thin wrappers over the Python API, one command per learner action."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import __version__

DEVICES = click.Choice(["auto", "cpu", "cuda", "mps"])


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dlcert")
def main() -> None:
    """Learn deep learning by implementing it: dlcert grades your NumPy code against PyTorch.

    \b
    Start here:
      dlcert init ws          make a workspace with every exercise stub
      cd ws && dlcert check   grade everything (or: dlcert check activations.softmax)
    """


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Make a learner workspace in DIRECTORY with every exercise stub.

    Refuses to overwrite an existing workspace or a non-empty folder.

    \b
    Example:
      dlcert init ws && cd ws && dlcert check neurons
    """
    from grader.workspace import WorkspaceError, init_workspace

    try:
        ws = init_workspace(directory)
    except WorkspaceError as exc:
        raise click.UsageError(str(exc)) from exc
    out = console()
    out.print(f"Made a workspace in [bold]{ws.root}[/]: your code goes in {ws.root / 'exercises'}.")
    out.print(f"Next: [bold]cd {directory}[/] and [bold]dlcert check neurons[/] (or open exercises/01_neurons/neurons.py).")


@main.command()
@click.argument("targets", nargs=-1)
@click.option("--workspace", "-w", type=click.Path(file_okay=False, path_type=Path), help="The workspace (default: the nearest one above the current folder).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (the contract in CURRICULUM.md) and nothing else.")
@click.option("--seed", type=int, help="Fix the random cases (default: the workspace's own seed).")
@click.option("--device", type=DEVICES, default="auto", show_default=True, help="Where the PyTorch references run.")
def check(targets: tuple[str, ...], workspace: Path | None, as_json: bool, seed: int | None, device: str) -> None:
    """Grade TARGETS (modules like `activations`, tasks like `activations.softmax`); none = all.

    Exit status: 0 when every checked task passed, 1 when any did not, 2 on a usage error.

    \b
    Examples:
      dlcert check                      every task
      dlcert check losses               one module
      dlcert check activations.softmax  one task, with its diagnosis
      dlcert check --json > result.json
    """
    from grader import render
    from grader.course import CourseError
    from grader.pipeline import check as run_check
    from grader.references import ReferenceError_
    from grader.store import StoreError
    from grader.workspace import WorkspaceError

    try:
        report = run_check(targets, workspace=workspace, seed=seed, device=device)
    except (WorkspaceError, CourseError, StoreError) as exc:
        raise click.UsageError(str(exc)) from exc
    except ReferenceError_ as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(render.report_json(report))
    else:
        render.print_report(report, console())
    sys.exit(0 if report.passed else 1)


def _add_optional_commands() -> None:
    """Commands that live in their own subpackages (quiz, lab, study)."""
    import importlib

    for module, name in (("grader.quiz.cli", "quiz"), ("grader.lab", "lab"), ("grader.study", "study")):
        try:
            command = getattr(importlib.import_module(module), name)
        except ImportError:
            continue
        main.add_command(command)


_add_optional_commands()
