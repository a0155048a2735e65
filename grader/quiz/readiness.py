"""Readiness per certification domain: recent quiz answers plus the exercise modules of its topics."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from grader.quiz.store import Store, default_db_path, now_utc, parse_iso

if TYPE_CHECKING:
    from grader.quiz.bank import Library

HALF_LIFE_DAYS = 14.0
"""An answer this many days old counts half as much as one given today."""
PRIOR_WRONG = 3.0
"""Quiz accuracy is computed as if there were this many extra wrong answers, so two lucky right
answers do not read as 100 % ready."""
QUIZ_SHARE = 0.7
"""Share of quiz accuracy in a domain's readiness when exercise modules cover its topics (the rest
is the share of those modules' tasks passed)."""


@dataclass
class DomainReadiness:
    """Readiness of one blueprint domain."""

    id: str
    name: str
    weight: float
    """The domain's share of the exam (0-1; a range's midpoint, or equal shares if unpublished)."""
    readiness: float
    """0-1: QUIZ_SHARE * quiz score + (1 - QUIZ_SHARE) * exercise share, or the quiz score alone."""
    quiz_score: float
    """Recency-weighted share of right answers, shrunk towards 0 by PRIOR_WRONG."""
    answers: int
    """Quiz answers to this domain's questions, ever."""
    recent_accuracy: float | None
    """Recency-weighted share of right answers without the shrinking (None with no answers)."""
    questions_available: int
    exercise_passed: int
    exercise_total: int
    modules: list[str] = field(default_factory=list)
    """Exercise modules whose topics this domain covers."""
    modules_to_do: list[str] = field(default_factory=list)


@dataclass
class CertReadiness:
    """Readiness for one certification."""

    cert: str
    name: str
    status: str
    overall: float
    """Weight-averaged readiness over the domains (0-1)."""
    domains: list[DomainReadiness]
    next_step: str
    """What to study next, in one sentence."""

    def to_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1)
def exercise_tasks() -> dict[str, list[str]]:
    """Module name -> task ids, read from every `exercises/NN_<module>/exercise.yaml` that loads."""
    from grader.yamlsafe import YamlProblems, load_file

    root = Path(__file__).resolve().parents[2] / "exercises"
    out: dict[str, list[str]] = {}
    for meta in sorted(root.glob("[0-9][0-9]_*/exercise.yaml")):
        module = meta.parent.name[3:]
        try:
            data = load_file(meta).data
        except YamlProblems:
            continue
        tasks = data.get("tasks") if isinstance(data, dict) else None
        if isinstance(tasks, list):
            names = [t.get("name") for t in tasks if isinstance(t, dict) and isinstance(t.get("name"), str)]
            out[module] = [f"{module}.{n}" for n in names]
    return out


def readiness(
    cert_id: str,
    passed_tasks: Iterable[str] = (),
    *,
    db_path: Path | None = None,
    library: Library | None = None,
    now: dt.datetime | None = None,
    modules: dict[str, list[str]] | None = None,
) -> CertReadiness:
    """Readiness for `cert_id`, per blueprint domain, for `dlcert progress` and `dlcert quiz readiness`.

    Args:
        cert_id: a cert id from quizzes/certs.yaml (e.g. "aws-mla-c01").
        passed_tasks: ids of the exercise tasks the learner has passed ("activations.softmax", ...).
        db_path: the quiz database (default: the workspace's, see `store.default_db_path`).
        library: loaded banks and catalog (default: the shipped ones).
        now: the time to weigh answers from (default: now, UTC).
        modules: module -> task ids (default: read from exercises/*/exercise.yaml).

    Quiz answers to a domain's questions (the share of each item earned: a yes/no series in an exam
    earns per statement) are weighted by recency (half-life HALF_LIFE_DAYS) and shrunk by PRIOR_WRONG; exercise modules join a domain through its guide topics (module name =
    topic). Raises KeyError for an unknown cert.
    """
    from grader.quiz.bank import load_library
    from grader.quiz.blueprint import domain_weights

    library = library or load_library(check_templates=False)
    cert = library.catalog.cert(cert_id) if library.catalog else None
    if cert is None:
        raise KeyError(f"unknown cert {cert_id!r}")
    now = now or now_utc()
    modules = exercise_tasks() if modules is None else modules
    passed = set(passed_tasks)
    with Store(db_path or default_db_path()) as store:
        store.migrate_renamed(library.renames)
        history = store.attempts()
    weights = domain_weights(cert)
    domains = []
    for d in cert.domains:
        ids = {e.question.id for e in library.by_mapping(cert.id, d.id)}
        total_w = right_w = 0.0
        count = 0
        for attempt in history:
            if attempt["question_id"] not in ids:
                continue
            age = max(0.0, (now - parse_iso(attempt["answered_at"])).total_seconds() / 86400)
            w = 0.5 ** (age / HALF_LIFE_DAYS)
            total_w += w
            right_w += w * attempt["credit"]
            count += 1
        quiz_score = right_w / (total_w + PRIOR_WRONG)
        mods = [m for m in modules if m in d.topics]
        tasks = [t for m in mods for t in modules[m]]
        done = [t for t in tasks if t in passed]
        exercise = len(done) / len(tasks) if tasks else None
        score = quiz_score if exercise is None else QUIZ_SHARE * quiz_score + (1 - QUIZ_SHARE) * exercise
        to_do = [m for m in mods if any(t not in passed for t in modules[m])]
        domains.append(DomainReadiness(
            id=d.id, name=d.name, weight=round(weights[d.id], 4), readiness=round(score, 4),
            quiz_score=round(quiz_score, 4), answers=count,
            recent_accuracy=round(right_w / total_w, 4) if total_w else None,
            questions_available=len(ids), exercise_passed=len(done), exercise_total=len(tasks),
            modules=mods, modules_to_do=to_do,
        ))
    overall = sum(x.weight * x.readiness for x in domains)
    return CertReadiness(cert.id, cert.name, cert.status(now.date()), round(overall, 4), domains,
                         _next_step(cert.id, domains))


def _next_step(cert_id: str, domains: list[DomainReadiness]) -> str:
    """The domain where study gains the most exam weight: weight x (1 - readiness)."""
    if not domains:
        return "Nothing to study: the cert has no domains."
    best = max(domains, key=lambda x: (x.weight * (1 - x.readiness), x.weight))
    parts = [f"Study {best.name} ({round(100 * best.weight)}% of the exam, readiness {round(100 * best.readiness)}%)"]
    if best.questions_available:
        parts.append(f"practise with `dlcert quiz practice --cert {cert_id} --domain {best.id}`")
    else:
        parts.append("the bank has no questions for it yet, so use the vendor's guide")
    if best.modules_to_do:
        parts.append(f"finish exercise module(s) {', '.join(best.modules_to_do)} (`dlcert check {best.modules_to_do[0]}`)")
    return parts[0] + ": " + "; ".join(parts[1:]) + "."


def render_readiness(out, db_path: Path, passed_tasks: Iterable[str], *, now: dt.datetime | None = None) -> None:
    """Print readiness per certification domain to a rich console (for `dlcert progress`).

    Certs the learner has answered quiz questions for are shown domain by domain with what to study
    next; without any quiz answers, one line says how to start. Never raises for missing data.
    """
    with Store(db_path) as store:
        answered = {a["question_id"] for a in store.attempts()}
    shown = 0
    try:
        from grader.quiz.bank import load_library  # the banks load only once there are answers to weigh

        library = load_library(check_templates=False) if answered else None
    except Exception:  # a broken bank must not break `dlcert progress`
        return
    now = now or now_utc()
    passed = set(passed_tasks)
    for cert in (library.catalog.certs if library and library.catalog else []):
        if cert.status(now.date()) == "retired":
            continue
        if not any(e.question.id in answered for e in library.by_mapping(cert.id)):
            continue
        rep = readiness(cert.id, passed, db_path=db_path, library=library, now=now)
        shown += 1
        out.print(f"\n[bold]Readiness: {rep.name}[/] — {round(100 * rep.overall)}% overall")
        for d in rep.domains:
            bar = "█" * round(10 * d.readiness) + "·" * (10 - round(10 * d.readiness))
            out.print(f"  {bar} {round(100 * d.readiness):>3}%  {d.name} [dim]({round(100 * d.weight)}% of the exam)[/]")
        out.print(f"  Next: {rep.next_step}")
    if not shown:
        out.print("\nReadiness per exam domain: no quiz answers yet; start with `dlcert quiz practice --cert CERT` "
                  "(`dlcert quiz certs` lists them).")
