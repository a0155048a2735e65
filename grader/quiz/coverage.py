"""`dlcert quiz coverage`: how many questions each topic and each certification domain has,
against the targets the question banks must meet (issue 8).

Targets:
- at least `TOTAL_TARGET` questions in all, at least `TOPIC_TARGET` per guide topic;
- at least `TEMPLATE_TARGET` generated numeric templates;
- an exam with a multiple-choice paper (`format` multiple-choice or mixed, with a question
  count N): at least N distinct questions mapped to it, and each domain at least
  ceil(N * weight / 100) (the upper end of a published range), so a blueprint-weighted paper
  never has to repeat a question;
- an exam with no multiple-choice paper (hands-on, or no question count): at least
  `HANDS_ON_TARGET` questions on the skills it assesses, spread so that an equal-weight
  knowledge check of that length can be drawn (each domain ceil(HANDS_ON_TARGET / domains)).

A question counts once per cert however many of its domains it maps to.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import click

from grader.quiz.bank import CATALOG_NAME, QUIZZES_ROOT
from grader.quiz.schema import TOPICS, Bank, Catalog

TOTAL_TARGET = 300
TOPIC_TARGET = 12
TEMPLATE_TARGET = 40
HANDS_ON_TARGET = 40

QUIZZES = QUIZZES_ROOT


def bank_paths(root: Path = QUIZZES) -> list[Path]:
    """Every bank file under `root` (`*.yaml` and `*/*.yaml`, any depth), the catalog excluded."""
    return sorted(p for p in root.rglob("*.yaml") if p.name != CATALOG_NAME)


def _load(path: Path) -> Any:
    from grader.yamlsafe import load_file

    loaded = load_file(path)
    return getattr(loaded, "data", loaded)


def load_bank(path: Path) -> Bank:
    return Bank.model_validate(_load(path))


def load_catalog(path: Path | None = None) -> Catalog:
    return Catalog.model_validate(_load(path or QUIZZES / CATALOG_NAME))


@dataclass
class Row:
    """One line of the report: what is counted, how many, the target, whether it is met."""

    kind: str          # total | templates | topic | cert | domain
    name: str
    count: int
    target: int
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.count >= self.target


@dataclass
class Coverage:
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def missed(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "rows": [dict(asdict(r), ok=r.ok) for r in self.rows],
            "missed": [f"{r.kind} {r.name}: {r.count} < {r.target}" for r in self.missed],
        }


def domain_target(questions: int, weight: Any) -> int:
    """ceil(questions * weight / 100), using the upper end of a [min, max] range."""
    if weight is None:
        return 0
    high = weight[1] if isinstance(weight, (tuple, list)) else weight
    return math.ceil(questions * float(high) / 100 - 1e-9)


def compute(questions: Iterable[Any], catalog: Catalog) -> Coverage:
    """The coverage table for these questions (schema models) against `catalog`."""
    questions = list(questions)
    cov = Coverage()
    cov.rows.append(Row("total", "questions", len(questions), TOTAL_TARGET))
    templates = sum(1 for q in questions if getattr(q, "template", None) is not None)
    cov.rows.append(Row("templates", "generated numeric templates", templates, TEMPLATE_TARGET))
    for topic in TOPICS:
        n = sum(1 for q in questions if q.topic == topic)
        cov.rows.append(Row("topic", topic, n, TOPIC_TARGET))
    for cert in catalog.certs:
        mapped = [q for q in questions if any(m.split(":", 1)[0] == cert.id for m in q.mappings)]
        count = cert.questions.value if cert.questions is not None else None
        paper = cert.format in ("multiple-choice", "mixed") and isinstance(count, (int, float))
        note = cert.format if paper else f"{cert.format}: no multiple-choice paper"
        target = int(count) if paper else HANDS_ON_TARGET
        cov.rows.append(Row("cert", cert.id, len(mapped), target, note))
        for dom in cert.domains:
            key = f"{cert.id}:{dom.id}"
            n = sum(1 for q in questions if key in q.mappings)
            if paper:
                target = domain_target(int(count), dom.weight)
            else:  # an equal-weight knowledge check of HANDS_ON_TARGET questions
                target = math.ceil(HANDS_ON_TARGET / len(cert.domains))
            weight = "" if dom.weight is None else f"weight {dom.weight}"
            cov.rows.append(Row("domain", key, n, target, weight))
    return cov


def load_all(root: Path = QUIZZES) -> tuple[list[Any], Catalog]:
    questions: list[Any] = []
    for path in bank_paths(root):
        questions.extend(load_bank(path).questions)
    return questions, load_catalog(root / CATALOG_NAME)


def report(root: Path = QUIZZES) -> Coverage:
    questions, catalog = load_all(root)
    return compute(questions, catalog)


def render(cov: Coverage, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    table = Table(title="Question bank coverage", show_lines=False)
    for col in ("what", "count", "target", "", "note"):
        table.add_column(col, justify="right" if col in ("count", "target") else "left")
    last = None
    for r in cov.rows:
        if last is not None and r.kind != last and r.kind != "domain":
            table.add_section()
        last = r.kind
        name = {"total": "total questions", "templates": "generated templates"}.get(r.kind)
        name = name or (f"topic {r.name}" if r.kind == "topic" else r.name if r.kind == "cert" else f"  {r.name.split(':', 1)[1]}")
        mark = "[green]ok[/]" if r.ok else "[red]MISSED[/]"
        table.add_row(name, str(r.count), str(r.target), mark, r.note)
    console.print(table)
    if cov.ok:
        console.print("[green]Every coverage target is met.[/]")
    else:
        console.print(f"[red]{len(cov.missed)} target(s) missed:[/]")
        for r in cov.missed:
            console.print(f"  {r.kind} {r.name}: {r.count} < {r.target}")


@click.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object and nothing else.")
@click.option("--dir", "root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="The quizzes folder (default: the shipped one).")
def coverage(as_json: bool, root: Path | None) -> None:
    """Questions per topic and per certification domain against the bank targets.

    Exit status 1 when any target is missed.

    \b
    Examples:
      dlcert quiz coverage
      dlcert quiz coverage --json
    """
    cov = report(root or QUIZZES)
    if as_json:
        click.echo(json.dumps(cov.to_json(), indent=2))
    else:
        render(cov)
    raise SystemExit(0 if cov.ok else 1)
