"""Moodle GIFT export and import.

GIFT has single/multiple choice, true/false, numerical and matching questions, but no ordering or
yes/no-series type, topics, difficulty or mappings. Export keeps the id in `::title::`, puts the
topic in `$CATEGORY`, and carries everything else in a `// dlcert: {json}` comment line, so a round
trip is lossless for what GIFT can express. Options are written in file order (Moodle shuffles them
itself; `shuffle: false` is kept in the comment). Generated questions are exported as one fixed
instance; a case-study question carries its scenario before the stem; matching distractors are
written as pairs with an empty left side (Moodle's extra answers); ordering and yes/no questions
are skipped with a warning. Import reads that comment when present and falls back to defaults.
"""
from __future__ import annotations

import json
import re
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


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out).strip()


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


# --- import -----------------------------------------------------------------------------------


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
        elif text.startswith(sep, i):
            parts.append("".join(cur))
            cur = []
            i += len(sep)
        else:
            cur.append(text[i])
            i += 1
    parts.append("".join(cur))
    return parts


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def _choice_tokens(body: str) -> list[tuple[str, str]]:
    """[(marker '=' or '~', rest)] for the unescaped = and ~ that start answers."""
    tokens, i, start, mark = [], 0, None, None
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "=~":
            if mark is not None:
                tokens.append((mark, body[start:i]))
            mark, start = ch, i + 1
        i += 1
    if mark is not None:
        tokens.append((mark, body[start:]))
    return tokens


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")[:60]
    return s if len(s) >= 3 else f"gift-{s or 'question'}"


def import_text(text: str, name: str = "<gift>") -> tuple[dict, list[str]]:
    """A bank (plain data, ready to dump as YAML) from GIFT text, and warnings for what was skipped."""
    questions, warnings = [], []
    category = None
    meta: dict | None = None
    buffer: list[str] = []
    start_line = 1

    def flush():
        nonlocal meta, buffer
        chunk = "\n".join(buffer).strip()
        if chunk:
            q = _parse_question(chunk, meta, category, warnings, f"{name}:{start_line}")
            if q is not None:
                questions.append(q)
        meta, buffer = None, []

    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            if buffer and "}" in "".join(buffer):
                flush()
            continue
        if stripped.startswith(META.strip()):
            flush()
            try:
                meta = json.loads(stripped[len(META.strip()):].strip())
                if not isinstance(meta, dict):
                    raise ValueError
            except ValueError:
                warnings.append(f"{name}:{number}: unreadable dlcert comment ignored")
                meta = None
            start_line = number
            continue
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            flush()
            category = stripped[len("$CATEGORY:"):].strip()
            continue
        if not buffer:
            start_line = number
        buffer.append(line)
    flush()
    return {"format_version": 1, "title": f"Imported from {name}", "questions": questions}, warnings


def _parse_question(chunk: str, meta: dict | None, category: str | None, warnings: list[str], where: str) -> dict | None:
    meta = dict(meta or {})
    title = None
    if chunk.startswith("::"):
        end = chunk.find("::", 2)
        if end == -1:
            warnings.append(f"{where}: unterminated ::title::; skipped")
            return None
        title, chunk = unescape(chunk[2:end]), chunk[end + 2:]
    chunk = re.sub(r"^\[(html|moodle|markdown|plain)\]", "", chunk.strip())
    open_ = _find_unescaped(chunk, "{")
    close = chunk.rfind("}")
    if open_ == -1 or close < open_:
        warnings.append(f"{where}: no answer section {{...}} (a description item); skipped")
        return None
    stem = unescape(chunk[:open_])
    trailing = unescape(chunk[close + 1:])
    body = chunk[open_ + 1:close].strip()
    if trailing:
        warnings.append(f"{where}: missing-word format (text after the answers) is not supported; skipped")
        return None
    general = None
    parts = _split_unescaped(body, "####")
    if len(parts) > 1:
        body, general = parts[0].strip(), unescape("####".join(parts[1:]))
    qid = meta.get("id") or (_slug(title) if title else _slug(stem[:40]))
    topic = meta.get("topic") or (category.rsplit("/", 1)[-1] if category else None)
    out: dict[str, Any] = {"id": qid}
    question: dict[str, Any] = {}
    if body.startswith("#"):
        answers = [a for a in _split_unescaped(body[1:], "=") if a.strip()] if body[1:].lstrip().startswith("=") else [body[1:]]
        first = _split_unescaped(answers[0], "#")[0].strip()
        try:
            if ".." in first:
                lo, hi = (float(x) for x in first.split(".."))
                value, tol = (lo + hi) / 2, (hi - lo) / 2
            elif ":" in first:
                v, t = first.split(":", 1)
                value, tol = float(v), float(t)
            else:
                value, tol = float(first), 0.0
        except ValueError:
            warnings.append(f"{where}: unreadable numerical answer {first!r}; skipped")
            return None
        question = {"type": "numeric", "answer": value,
                    "tolerance": meta.get("tolerance") or {"abs": tol}}
        if meta.get("unit"):
            question["unit"] = meta["unit"]
    elif re.fullmatch(r"(T|TRUE|F|FALSE)(#.*)?", body, flags=re.S):
        bits = _split_unescaped(body, "#")
        question = {"type": "true_false", "answer": bits[0].strip() in ("T", "TRUE")}
        if len(bits) > 1 and bits[1].strip():
            question["feedback"] = unescape(bits[1])
    else:
        if "->" in body:
            warnings.append(f"{where}: matching questions are not supported; skipped")
            return None
        tokens = _choice_tokens(body)
        if not tokens:
            warnings.append(f"{where}: essay or empty answer section is not supported; skipped")
            return None
        if all(m == "=" for m, _ in tokens):
            warnings.append(f"{where}: short-answer questions are not supported; skipped")
            return None
        keys = meta.get("keys") or [chr(ord("a") + i) for i in range(len(tokens))]
        if len(keys) != len(tokens):
            keys = [chr(ord("a") + i) for i in range(len(tokens))]
        choices, right = [], []
        for key, (mark, rest) in zip(keys, tokens):
            weight = None
            m = re.match(r"\s*%(-?[0-9.]+)%", rest)
            if m:
                weight, rest = float(m.group(1)), rest[m.end():]
            text_fb = _split_unescaped(rest, "#")
            choice = {"key": key, "text": unescape(text_fb[0])}
            if len(text_fb) > 1 and text_fb[1].strip():
                choice["feedback"] = unescape("#".join(text_fb[1:]))
            choices.append(choice)
            if mark == "=" or (weight is not None and weight > 0):
                right.append(key)
        if not right:
            warnings.append(f"{where}: no right answer marked; skipped")
            return None
        if len(right) == 1 and not any(re.match(r"\s*%", r) for _, r in tokens):
            question = {"type": "single", "choices": choices, "answer": right[0]}
        else:
            question = {"type": "multiple", "choices": choices, "answer": right}
    if meta.get("type") and meta["type"] != question["type"] and not (meta["type"] == "multiple" and question["type"] == "single"):
        warnings.append(f"{where}: {qid}: dlcert comment says {meta['type']}, GIFT says {question['type']}; using GIFT")
    out["type"] = question.pop("type")
    if topic:
        out["topic"] = topic
    out["difficulty"] = meta.get("difficulty", 2)
    out["mappings"] = meta.get("mappings", [])
    out["stem"] = stem
    out.update(question)
    out["explanation"] = general or ""
    for key in ("tags", "references"):
        if meta.get(key):
            out[key] = meta[key]
    return out
