"""Moodle GIFT export (import, as Moodle reads GIFT: `grader.quiz.giftimport`).

GIFT has single/multiple choice, true/false, numerical and matching questions, but no ordering or
yes/no-series type, topics, difficulty or mappings. Export keeps the id in `::title::`, puts the
topic in `$CATEGORY`, and carries everything else in a `// dlcert: {json}` comment line, so a round
trip is lossless for what GIFT can express. Options are written in file order (Moodle shuffles them
itself; `shuffle: false` is kept in the comment). Generated questions are exported as one fixed
instance; a case-study question carries its scenario before the stem; matching distractors are
written as pairs with an empty left side (Moodle's extra answers); ordering and yes/no questions
are skipped with a warning. The importer (`grader.quiz.giftimport`) reads that comment back.
"""
from __future__ import annotations

import json
from typing import Any

import numpy as np

from grader.quiz import templates

META = "// dlcert: "
_SPECIAL = "~=#{}:"
_MOODLE_WEIGHTS = (100, 50, 100 / 3, 25, 20, 100 / 6, 100 / 7, 12.5, 100 / 9, 10)


def escape(text: str) -> str:
    """GIFT-escape special characters and newlines."""
    text = text.strip().replace("\\", "\\\\")
    for ch in _SPECIAL:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def _weight(k: int) -> str:
    w = 100 / k
    return f"{w:.5f}".rstrip("0").rstrip(".")


def export(questions: list[Any], seed: int = 0, cases: dict[str, Any] | None = None) -> tuple[str, list[str]]:
    """GIFT text for `questions` and warnings for what could not be expressed. `cases` maps a
    question id to its case study (its scenario is written before the stem)."""
    rng = np.random.default_rng(seed)
    blocks, warnings, category = [], [], None
    generated = 0
    cases = cases or {}
    for q in questions:
        if q.type in ("ordering", "yes_no"):
            kind = "ordering questions" if q.type == "ordering" else "yes/no series"
            warnings.append(f"{q.id}: {kind} have no GIFT equivalent; skipped")
            continue
        if q.type == "matching" and any("->" in part.text for part in (*q.prompts, *q.choices)):
            warnings.append(f"{q.id}: a matching text contains '->', which GIFT cannot escape; skipped")
            continue
        meta: dict[str, Any] = {"id": q.id, "type": q.type, "topic": q.topic, "difficulty": q.difficulty,
                                "mappings": list(q.mappings)}
        for name in ("tags", "references", "renamed_from"):
            if getattr(q, name):
                meta[name] = list(getattr(q, name))
        if not q.shuffle:
            meta["shuffle"] = False
        stem, explanation = q.stem, q.explanation
        case = cases.get(q.id)
        if case is not None:
            meta["case_study"] = case.id
            stem = f"Case study: {case.title}. {case.scenario.strip()}\n\n{stem.strip()}"
        lines = []
        if f"dlcert/{q.topic}" != category:
            category = f"dlcert/{q.topic}"
            lines += [f"$CATEGORY: {category}", ""]
        if q.type in ("single", "multiple"):
            meta["keys"] = [c.key for c in q.choices]
            right = {q.answer} if q.type == "single" else set(q.answer)
            parts = []
            for c in q.choices:
                fb = f"#{escape(c.feedback)}" if c.feedback else ""
                if q.type == "single":
                    parts.append(("=" if c.key in right else "~") + escape(c.text) + fb)
                else:
                    w = _weight(len(right)) if c.key in right else "-100"
                    parts.append(f"~%{w}%{escape(c.text)}{fb}")
            body = "\n".join("\t" + p for p in parts)
        elif q.type == "matching":
            meta["keys"] = {"prompts": [p.key for p in q.prompts], "choices": [c.key for c in q.choices]}
            texts = {c.key: c.text for c in q.choices}
            pairs = [f"={escape(p.text)} -> {escape(texts[q.answer[p.key]])}" for p in q.prompts]
            used = set(q.answer.values())
            pairs += [f"= -> {escape(c.text)}" for c in q.choices if c.key not in used]
            body = "\n".join("\t" + p for p in pairs)
        elif q.type == "true_false":
            fb = f"#{escape(q.feedback)}" if q.feedback else ""
            body = ("TRUE" if q.answer else "FALSE") + fb
        else:
            answer = q.answer
            if q.template is not None:
                inst = templates.instantiate(q, rng)
                stem, explanation, answer = inst.stem, inst.explanation, inst.answer
                meta["instance_of_template"] = q.template.formula
                generated += 1
            tol = max(q.tolerance.abs, q.tolerance.rel * abs(answer))
            meta["tolerance"] = {"abs": q.tolerance.abs, "rel": q.tolerance.rel}
            if q.unit:
                meta["unit"] = q.unit
            body = f"#{answer!r}:{tol!r}"
        lines.append(META + json.dumps(meta, ensure_ascii=False))
        lines.append(f"::{escape(q.id)}::{escape(stem)} {{\n{body}\n\t####{escape(explanation)}\n}}")
        blocks.append("\n".join(lines))
    if generated:
        warnings.append(f"{generated} generated question(s) exported as one fixed instance each (seed {seed})")
    return "\n\n".join(blocks) + "\n", warnings
