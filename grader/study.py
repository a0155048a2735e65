"""`dlcert study [TOPIC]`: a concise study note per guide topic, rendered as Markdown with rich.

The notes are Markdown files shipped in `grader/quiz/notes/<topic>.md` (one per topic in
`grader.quiz.schema.TOPICS`). With no topic the command lists the topics and how to open them.
The main CLI wires it with `from grader.study import study; main.add_command(study)`.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import click

from grader.quiz.schema import TOPICS

NOTES = Path(__file__).resolve().parent / "quiz" / "notes"


class NoteError(LookupError):
    """No note for that topic."""


def note_path(topic: str) -> Path:
    return NOTES / f"{topic}.md"


def topics() -> list[str]:
    """Guide topics that have a note, in guide order."""
    return [t for t in TOPICS if note_path(t).is_file()]


def read_note(topic: str) -> str:
    """The Markdown text of `topic`'s note; NoteError (with suggestions) if there is none."""
    topic = topic.strip().lower()
    path = note_path(topic)
    if topic not in TOPICS or not path.is_file():
        close = difflib.get_close_matches(topic, topics(), n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise NoteError(f"no study note for {topic!r}.{hint} Topics: {', '.join(topics())}.")
    return path.read_text(encoding="utf-8")


def title_of(text: str) -> str:
    """The first heading of a note, without the #."""
    for line in text.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return ""


def links_of(text: str) -> list[str]:
    """Every http(s) link in a note (for tests and for a plain listing)."""
    return re.findall(r"https?://[^\s,)|]+", text)


@click.command("study")
@click.argument("topic", required=False)
@click.option("--plain", is_flag=True, help="Print the raw Markdown instead of rendering it.")
def study(topic: str | None, plain: bool) -> None:
    """Show the study note for TOPIC; with no TOPIC, list the topics.

    \b
    Examples:
      dlcert study                 list the topics
      dlcert study activations     key ideas, "which one to choose" tables, links
      dlcert study gpu --plain     raw Markdown (for piping or saving)
    """
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.table import Table

    out = Console(highlight=False)
    if topic is None:
        table = Table(title="Study notes", show_header=True)
        table.add_column("topic", style="bold")
        table.add_column("note")
        for t in topics():
            table.add_row(t, title_of(note_path(t).read_text(encoding="utf-8")))
        if plain:
            for t in topics():
                click.echo(t)
            return
        out.print(table)
        out.print("Open one with [bold]dlcert study TOPIC[/]; practise it with "
                  "[bold]dlcert quiz practice --topic TOPIC[/].")
        return
    try:
        text = read_note(topic)
    except NoteError as exc:
        raise click.UsageError(str(exc)) from exc
    if plain:
        click.echo(text, nl=False)
    else:
        out.print(Markdown(text))
