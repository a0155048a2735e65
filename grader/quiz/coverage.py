"""`dlcert quiz coverage`: how many questions each topic and each certification domain has,
against the targets the question banks must meet (issue 8).

Targets:
- at least `TOTAL_TARGET` questions in all, at least `TOPIC_TARGET` per guide topic;
- at least `TEMPLATE_TARGET` generated numeric templates;
- an active exam with a multiple-choice paper (`format` multiple-choice or mixed, with a
  question count N): at least `PAPERS_TARGET` full papers without a question in common, drawn as
  the exam draws them (only the cert's `item_types`, each domain its blueprint share of N, at
  least `multiple_share` multi-select, case studies whole); the cert and domain rows count the
  questions of those types against PAPERS_TARGET papers' worth;
- a retired exam: its questions are counted, with no target (they count toward no active paper);
- an exam with no multiple-choice paper (hands-on, or no question count): at least
  `HANDS_ON_TARGET` questions on the skills it assesses, spread so that an equal-weight
  knowledge check of that length can be drawn (each domain ceil(HANDS_ON_TARGET / domains)).

A question counts once per cert however many of its domains it maps to.
"""
from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import click
from pydantic import ValidationError

from grader.errors import DlcertUsageError
from grader.quiz.bank import CATALOG_NAME, QUIZZES_ROOT
from grader.quiz.schema import TOPICS, Bank, Catalog
from grader.yamlsafe import YamlProblems

TOTAL_TARGET = 300
TOPIC_TARGET = 12
TEMPLATE_TARGET = 40
HANDS_ON_TARGET = 40
PAPERS_TARGET = 2

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

    kind: str          # total | templates | topic | papers | cert | domain
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


def _weight(weight: Any) -> str:
    if weight is None:
        return ""
    if isinstance(weight, (tuple, list)):
        return f"weight {weight[0]:g}-{weight[1]:g}%"
    return f"weight {weight:g}%"


def compute(questions: Iterable[Any], catalog: Catalog, blocks: dict[str, str] | None = None,
            today: dt.date | None = None) -> Coverage:
    """The coverage table for these questions (schema models) against `catalog`. `blocks` maps a
    question id to its case study's key (default: the case-study id itself)."""
    from grader.quiz.blueprint import candidates, count_papers, paper_spec

    questions = list(questions)
    blocks = blocks or {}
    today = today or dt.date.today()
    cov = Coverage()
    cov.rows.append(Row("total", "questions", len(questions), TOTAL_TARGET))
    templates = sum(1 for q in questions if getattr(q, "template", None) is not None)
    cov.rows.append(Row("templates", "generated numeric templates", templates, TEMPLATE_TARGET))
    for topic in TOPICS:
        n = sum(1 for q in questions if q.topic == topic)
        cov.rows.append(Row("topic", topic, n, TOPIC_TARGET))
    paired = [(q, blocks.get(q.id, q.case_study)) for q in questions]
    for cert in catalog.certs:
        count = cert.questions.value if cert.questions is not None else None
        paper = cert.format in ("multiple-choice", "mixed") and isinstance(count, (int, float))
        if paper and cert.status(today) != "retired":
            spec = paper_spec(cert, int(count))
            pool = candidates(paired, cert, spec)
            types = ", ".join(sorted(spec.types)) if spec.types else "any type"
            note = f"{int(count)} questions; {types}" + (f"; >= {spec.multiples} multi-select" if spec.multiples else "")
            cov.rows.append(Row("papers", cert.id, count_papers(pool, spec), PAPERS_TARGET, note))
            cov.rows.append(Row("cert", cert.id, len(pool), PAPERS_TARGET * spec.size, "questions of the exam's types"))
            for dom in cert.domains:
                n = sum(1 for c in pool if dom.id in c.domains)
                cov.rows.append(Row("domain", f"{cert.id}:{dom.id}", n, PAPERS_TARGET * spec.quotas[dom.id],
                                    _weight(dom.weight)))
            continue
        mapped = [q for q in questions if any(m.split(":", 1)[0] == cert.id for m in q.mappings)]
        if paper:  # retired: counted, no target
            cov.rows.append(Row("cert", cert.id, len(mapped), 0, "retired: counts toward no active paper"))
        else:
            cov.rows.append(Row("cert", cert.id, len(mapped), HANDS_ON_TARGET, f"{cert.format}: no multiple-choice paper"))
        for dom in cert.domains:
            key = f"{cert.id}:{dom.id}"
            n = sum(1 for q in questions if key in q.mappings)
            target = 0 if paper else math.ceil(HANDS_ON_TARGET / len(cert.domains))
            cov.rows.append(Row("domain", key, n, target, _weight(dom.weight)))
    return cov


def load_all(root: Path = QUIZZES) -> tuple[list[Any], Catalog, dict[str, str]]:
    """Every question under `root`, the catalog, and question id -> case-study key."""
    questions: list[Any] = []
    blocks: dict[str, str] = {}
    for path in bank_paths(root):
        bank = load_bank(path)
        questions.extend(bank.questions)
        blocks.update({q.id: f"{path}#{q.case_study}" for q in bank.questions if q.case_study})
    return questions, load_catalog(root / CATALOG_NAME), blocks


def report(root: Path = QUIZZES) -> Coverage:
    questions, catalog, blocks = load_all(root)
    return compute(questions, catalog, blocks)


def render(cov: Coverage, console=None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    table = Table(title="Question bank coverage", show_lines=False)
    for col in ("what", "count", "target", "", "note"):
        table.add_column(col, justify="right" if col in ("count", "target") else "left")
    last = None
    for r in cov.rows:
        if last is not None and r.kind != last and r.kind not in ("domain", "cert"):
            table.add_section()
        last = r.kind
        name = {"total": "total questions", "templates": "generated templates"}.get(r.kind)
        name = name or {"topic": f"topic {r.name}", "papers": f"{r.name} papers", "cert": f"{r.name} questions"}.get(
            r.kind, f"  {r.name.split(':', 1)[-1]}")
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
    """Questions per topic and per certification domain against the bank targets, and how many
    full disjoint papers each active exam can draw (at least 2: a retake is a new paper).

    Exit status 1 when any target is missed.

    \b
    Examples:
      dlcert quiz coverage
      dlcert quiz coverage --json
    """
    try:
        cov = report(root or QUIZZES)
    except (YamlProblems, ValidationError) as exc:  # a folder that is not a valid quizzes folder
        problem = exc.problems[0] if isinstance(exc, YamlProblems) else exc.errors()[0]["msg"]
        raise DlcertUsageError(f"cannot read the banks in {root or QUIZZES}: {problem} (`dlcert quiz lint` lists every problem)") from exc
    if as_json:
        click.echo(json.dumps(cov.to_json(), indent=2))
    else:
        render(cov)
    raise SystemExit(0 if cov.ok else 1)
