"""Export banks as JSON or CSV, and a learner's own attempts as JSON for an instructor."""
from __future__ import annotations

import csv
import io
import json
from typing import Any

from grader.quiz.store import Store, iso, now_utc


def question_dict(question: Any) -> dict:
    """A question as bank data (the YAML field names)."""
    return question.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False)


def to_json(questions: list[Any], case_studies: list[Any] = ()) -> str:
    """The questions (and the case studies they refer to) as bank data, in file order."""
    data: dict[str, Any] = {"format_version": 1}
    if case_studies:
        data["case_studies"] = [c.model_dump(mode="json") for c in case_studies]
    data["questions"] = [question_dict(q) for q in questions]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _answer_text(q: Any) -> str:
    if q.type == "yes_no":
        return ";".join(f"{s.key}={'yes' if s.answer else 'no'}" for s in q.statements)
    answer = getattr(q, "answer", None)
    if isinstance(answer, dict):
        return ";".join(f"{k}={v}" for k, v in answer.items())
    if isinstance(answer, list):
        return ";".join(answer)
    if isinstance(answer, bool):
        return "true" if answer else "false"
    return "" if answer is None else str(answer)


def to_csv(questions: list[Any]) -> str:
    """One row per question, in file order; choices (and matching prompts or yes/no statements) as
    `key=text` joined by ` | `; lists joined by `;`, mappings of an answer as `key=value`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "type", "topic", "difficulty", "mappings", "stem", "choices", "answer",
                     "tolerance_abs", "tolerance_rel", "template", "explanation", "items", "case_study"])
    for q in questions:
        choices = " | ".join(f"{c.key}={c.text}" for c in getattr(q, "choices", None) or [])
        items = " | ".join(f"{p.key}={p.text}" for p in getattr(q, "prompts", None) or getattr(q, "statements", None) or [])
        tol = getattr(q, "tolerance", None)
        template = getattr(q, "template", None)
        writer.writerow([q.id, q.type, q.topic, q.difficulty, ";".join(q.mappings), q.stem.strip(), choices,
                         _answer_text(q), tol.abs if tol else "", tol.rel if tol else "",
                         template.formula if template else "", q.explanation.strip(), items, q.case_study or ""])
    return buf.getvalue()


def attempts_json(store: Store) -> str:
    """Every attempt in the database, marked self-reported (nothing proves who answered or how)."""
    return json.dumps({
        "format_version": 1,
        "self_reported": True,
        "note": "Exported by the learner from their own quiz database; answers are self-reported and unproctored.",
        "exported_at": iso(now_utc()),
        "attempts": store.attempts(),
    }, indent=2, ensure_ascii=False) + "\n"
