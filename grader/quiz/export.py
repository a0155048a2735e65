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


def to_json(questions: list[Any]) -> str:
    return json.dumps({"format_version": 1, "questions": [question_dict(q) for q in questions]},
                      indent=2, ensure_ascii=False) + "\n"


def to_csv(questions: list[Any]) -> str:
    """One row per question; choices as `key=text` joined by ` | `; lists joined by `;`."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "type", "topic", "difficulty", "mappings", "stem", "choices", "answer",
                     "tolerance_abs", "tolerance_rel", "template", "explanation"])
    for q in questions:
        choices = " | ".join(f"{c.key}={c.text}" for c in getattr(q, "choices", None) or [])
        answer = q.answer
        if isinstance(answer, list):
            answer = ";".join(answer)
        elif isinstance(answer, bool):
            answer = "true" if answer else "false"
        tol = getattr(q, "tolerance", None)
        template = getattr(q, "template", None)
        writer.writerow([q.id, q.type, q.topic, q.difficulty, ";".join(q.mappings), q.stem.strip(), choices,
                         "" if answer is None else answer, tol.abs if tol else "", tol.rel if tol else "",
                         template.formula if template else "", q.explanation.strip()])
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
