"""Moodle GIFT import, read as Moodle's own importer reads it (question/format/gift/format.php).

Questions are separated by blank lines; `//` lines are comments; `\\` escapes `~ = # { } :` and `\\n`
is a newline. The answer section is the text between the first `{` and the first `}`; text after
it makes the "missing word" form (`_____` stands where the answers were). The type follows
Moodle's order of tests: no braces a description, empty braces an essay, `#` numerical, any `~`
multiple choice (single-answer when some answer starts with `=`), `=` with `->` matching, a lone
T/TRUE/F/FALSE true/false, anything else short answer.

Each type dlcert has is imported with Moodle's meaning; what dlcert cannot keep (partial credit it
cannot score, feedback it has no place for, descriptions, essays, short answers) is reported as a
warning naming the file and line. A `// dlcert: {json}` comment (written by `gift.export`) carries
what GIFT cannot: id, topic, difficulty, mappings, choice keys, tolerance, tags, references.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from grader.quiz.gift import META

# Moodle swaps escaped characters for placeholders before parsing and back after (escapedchar_pre/_post).
_ESCAPES = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005", "n": "\ue006"}
_BACKSLASH = "\ue007"
_RESTORE = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()} | {_BACKSLASH: "\\"}
WEIGHT = re.compile(r"^%(-*)([0-9]{1,2})\.?([0-9]*)%")  # Moodle's $giftanswerweightregex
FORMATS = ("moodle", "html", "plain", "markdown")
TRUE_FALSE = ("T", "TRUE", "F", "FALSE")
BLANK = "_____"
DEFAULT_DIFFICULTY = 2


@dataclass
class Defaults:
    """What a GIFT file cannot say and a bank needs: used where the file (or a dlcert comment) says nothing."""

    topic: str | None = None
    mappings: list[str] = field(default_factory=list)
    cert_domains: dict[str, list[str]] = field(default_factory=dict)
    """Topic → the `cert:domain` mappings of the domains of `--cert` that cover it."""
    difficulty: int = DEFAULT_DIFFICULTY


def import_text(text: str, name: str = "<gift>", defaults: Defaults | None = None) -> tuple[dict, list[str]]:
    """A bank (plain data, ready to dump as YAML) from GIFT text, and a warning per thing not imported."""
    defaults = defaults or Defaults()
    reader = _Reader(name, defaults)
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            chunk.append((number, line.strip()))  # Moodle trims every line
        elif chunk:
            reader.read(chunk)
            chunk = []
    if chunk:
        reader.read(chunk)
    if reader.topicless:
        reader.warnings.append(f"{name}: {len(reader.topicless)} question(s) have no topic (no $CATEGORY ending in a topic, no "
                               f"--topic), first at line {reader.topicless[0]}; the bank will not pass lint until they have one")
    return {"format_version": 1, "title": f"Imported from {name}", "questions": reader.questions}, reader.warnings


def _pre(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for ch, placeholder in _ESCAPES.items():
        text = text.replace("\\" + ch, placeholder)
    return text


def _post(text: str) -> str:
    for placeholder, ch in _RESTORE.items():
        text = text.replace(placeholder, ch)
    return text


class _Text(HTMLParser):
    """Plain text of an `[html]` fragment: tags dropped, entities decoded, <br> and </p> as line breaks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("p", "div", "li"):
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def _html_to_text(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return re.sub(r"[ \t]+", " ", "".join(parser.parts)).strip()


def _formatted(text: str, default: str) -> tuple[str, str]:
    """(plain text, its format) after Moodle's parse_text_with_format: a leading [format] marker is
    removed (an unknown one is kept as text); `[html]` text is turned into plain text."""
    text = text.strip()
    fmt = default
    m = re.match(r"^\[([a-z]*)\]", text)
    if m and m.group(1) in FORMATS:
        fmt, text = m.group(1), text[m.end():]
    text = _post(text).strip()
    return (_html_to_text(text) if fmt == "html" else text), fmt


def _weight(answer: str) -> tuple[float | None, str]:
    """Moodle's answerweightparser: (weight as a fraction, the rest) when `answer` starts with %N%."""
    m = WEIGHT.match(answer)
    if not m:
        return None, answer
    value = float(f"{m.group(2)}.{m.group(3) or 0}") / 100
    return (-value if m.group(1) else value), answer[m.end():]


def _comment(answer: str, fmt: str) -> tuple[str, str]:
    """Moodle's commentparser: (answer text, feedback) split at the first #."""
    bits = answer.split("#", 1)
    text, _ = _formatted(bits[0], fmt)
    feedback = _formatted(bits[1], fmt)[0] if len(bits) > 1 else ""
    return text, feedback


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return s if len(s) >= 3 else f"question-{s}".strip("-")


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _clean(x: float) -> float:
    """Without binary noise: (3.141 + 3.142) / 2 is 3.1415, not 3.1414999999999997."""
    return float(f"{x:.12g}")


def _pct(weight: float) -> str:
    return f"{100 * weight:g}%"


class _Reader:
    """Turns question chunks into bank questions, collecting warnings as it goes."""

    def __init__(self, name: str, defaults: Defaults):
        self.name = name
        self.defaults = defaults
        self.questions: list[dict] = []
        self.warnings: list[str] = []
        self.category: str | None = None
        self.ids: set[str] = set()
        self.topicless: list[int] = []

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.name}:{line}: {message}")

    def read(self, lines: list[tuple[int, str]]) -> None:
        line = lines[0][0]
        meta = None
        for number, text in lines:
            if text.startswith(META.strip()):
                try:
                    meta = json.loads(text[len(META.strip()):].strip())
                    if not isinstance(meta, dict):
                        raise ValueError
                except ValueError:
                    self.warn(number, "unreadable dlcert comment ignored")
                    meta = None
        body = [t for _, t in lines if not t.startswith("//")]
        first = next((n for n, t in lines if not t.startswith("//")), line)
        text = _pre("\n".join(body).strip())
        if not text:
            return
        if text.startswith("$CATEGORY:"):
            self.category = _post(text[len("$CATEGORY:"):]).strip()
            return
        question = self.question(text, meta or {}, first)
        if question is not None:
            self.questions.append(question)

    def question(self, text: str, meta: dict, line: int) -> dict | None:
        title = None
        if text.startswith("::"):
            end = text.find("::", 2)
            if end != -1:
                title, text = _post(text[2:end]).strip(), text[end + 2:].strip()
        start, finish = text.find("{"), text.find("}")
        what = repr(title) if title else repr(_post(text[: start if start != -1 else 40]).strip()[:40])
        if start == -1 and finish == -1:
            self.warn(line, f"{what} has no answer section: a Moodle description, which dlcert has no counterpart for; skipped")
            return None
        if start == -1 or finish == -1 or finish < start:
            self.warn(line, f"{what}: unbalanced braces {{ }}; skipped")
            return None
        answers = text[start + 1:finish].strip()
        if text.endswith("}"):
            stem_text = text[:start] + text[finish + 1:]
        else:  # the missing-word form: the answers stand in the sentence
            stem_text = text[:start] + BLANK + text[finish + 1:]
        general = ""
        split = answers.rfind("####")
        if split != -1:
            general, answers = answers[split + 4:], answers[:split].strip()
        stem, fmt = _formatted(stem_text, "moodle")
        if fmt == "html" and re.search(r"<[a-zA-Z/]", _post(stem_text)):
            self.warn(line, f"{what}: its [html] text became plain text (tags, links and styles dropped)")
        explanation = _formatted(general, fmt)[0] if general else ""
        if not answers:
            self.warn(line, f"{what} is an essay (empty answer section); dlcert has no essay questions; skipped")
            return None
        if answers.startswith("#"):
            body = self.numerical(answers[1:], meta, fmt, line)
        elif "~" in answers:
            body = self.multichoice(answers, meta, fmt, line)
        elif "=" in answers and "->" in answers:
            body = self.matching(answers, fmt, line)
        elif answers.split("#", 1)[0].strip() in TRUE_FALSE:
            body = self.true_false(answers, fmt, line)
        else:
            self.warn(line, f"{what} is a short-answer question (typed text); dlcert has no counterpart; skipped")
            return None
        if body is None:
            return None
        return self.finish(body, meta, title, stem, explanation, line)

    def finish(self, body: dict, meta: dict, title: str | None, stem: str, explanation: str, line: int) -> dict:
        topic = meta.get("topic") or self.topic_from_category() or self.defaults.topic
        if topic is None:
            self.topicless.append(line)
        qid = meta.get("id") or self.new_id(topic, title or stem)
        if meta.get("type") and meta["type"] != body["type"]:
            self.warn(line, f"{qid}: the dlcert comment says {meta['type']}, the GIFT text says {body['type']}; using the GIFT text")
        mappings = meta.get("mappings") or list(dict.fromkeys(self.defaults.mappings + self.defaults.cert_domains.get(topic or "", [])))
        out: dict[str, Any] = {"id": qid, "type": body.pop("type")}
        if topic:
            out["topic"] = topic
        out["difficulty"] = meta.get("difficulty", self.defaults.difficulty)
        out["mappings"] = mappings
        out["stem"] = stem
        out.update(body)
        out["explanation"] = explanation
        for key in ("tags", "references"):
            if meta.get(key):
                out[key] = meta[key]
        return out

    def topic_from_category(self) -> str | None:
        from grader.quiz.schema import TOPICS

        if not self.category:
            return None
        last = self.category.rstrip("/").rsplit("/", 1)[-1].strip().lower()
        return last if last in TOPICS else None

    def new_id(self, topic: str | None, text: str) -> str:
        """`<topic>.<slug>`; questions with the same name or stem get -2, -3, ... in file order."""
        base = f"{topic or 'gift'}.{_slug(text)}"[:76].rstrip("-.")
        qid, n = base, 1
        while qid in self.ids:
            n += 1
            qid = f"{base}-{n}"
        self.ids.add(qid)
        return qid

    # --- the types ------------------------------------------------------------------------------

    def multichoice(self, answers: str, meta: dict, fmt: str, line: int) -> dict | None:
        single = "=" in answers
        parts = answers.replace("=", "~=").split("~")
        if not parts[0].strip():
            parts = parts[1:]
        if len(parts) < 2:
            self.warn(line, "a multiple-choice question needs at least two answers; skipped")
            return None
        keys = meta.get("keys") if isinstance(meta.get("keys"), list) and len(meta["keys"]) == len(parts) else None
        keys = keys or [chr(ord("a") + i) for i in range(len(parts))]
        choices, weights = [], []
        for key, raw in zip(keys, parts):
            raw = raw.strip()
            if raw.startswith("="):
                weight, raw = 1.0, raw[1:]
            else:
                weight, raw = _weight(raw)
                weight = weight or 0.0
            text, feedback = _comment(raw, fmt)
            choice = {"key": key, "text": text}
            if feedback:
                choice["feedback"] = feedback
            choices.append(choice)
            weights.append(weight)
        if single:
            return self._single(choices, weights, line)
        return self._multiple(choices, weights, meta, line)

    def _single(self, choices: list[dict], weights: list[float], line: int) -> dict | None:
        full = [c["key"] for c, w in zip(choices, weights) if w >= 1]
        if not full:
            self.warn(line, "no answer gives full credit; skipped")
            return None
        if len(full) > 1:
            self.warn(line, f"several answers give full credit ({', '.join(full)}); dlcert takes one right answer, "
                            f"{full[0]}, and scores the others as wrong")
        for c, w in zip(choices, weights):
            if 0 < w < 1:
                self.warn(line, f"answer {c['key']} ({c['text'][:40]!r}) earns {_pct(w)} in Moodle; dlcert scores a "
                                f"single-answer question right or wrong, so it counts as wrong")
            elif w < 0:
                self.warn(line, f"answer {c['key']} carries a {_pct(w)} penalty in Moodle; dlcert scores it as wrong")
        return {"type": "single", "choices": choices, "answer": full[0]}

    def _multiple(self, choices: list[dict], weights: list[float], meta: dict, line: int) -> dict | None:
        right = [c["key"] for c, w in zip(choices, weights) if w > 0]
        if not right:
            self.warn(line, "no answer carries a positive weight; skipped")
            return None
        total = sum(w for w in weights if w > 0)
        if meta.get("type") != "multiple":  # a dlcert export means dlcert's all-or-nothing scoring already
            self.warn(line, f"Moodle gives partial credit per option (the positive weights add up to {_pct(total)}); dlcert "
                            f"credits a multiple-answer question only for exactly the options {', '.join(right)}")
        return {"type": "multiple", "choices": choices, "answer": right}

    def matching(self, answers: str, fmt: str, line: int) -> dict | None:
        parts = answers.split("=")
        if not parts[0].strip():
            parts = parts[1:]
        if len(parts) < 2:
            self.warn(line, "a matching question needs at least two pairs; skipped")
            return None
        prompts, choices, answer = [], [], {}
        for raw in parts:
            if "->" not in raw:
                self.warn(line, f"a matching pair without ->: {_post(raw).strip()!r}; skipped")
                return None
            left, right = raw.split("->", 1)
            prompt, _ = _formatted(left, fmt)
            target = _post(right).strip()
            key = next((c["key"] for c in choices if c["text"] == target), None)
            if key is None:
                key = chr(ord("a") + len(choices))
                choices.append({"key": key, "text": target})
            if prompt:  # an empty left side is a distractor answer
                pkey = f"p{len(prompts) + 1}"
                prompts.append({"key": pkey, "text": prompt})
                answer[pkey] = key
        body = {"type": "matching", "prompts": prompts, "choices": choices, "answer": answer}
        if len(set(answer.values())) != len(answer):
            body["reuse"] = True
        return body

    def true_false(self, answers: str, fmt: str, line: int) -> dict:
        bits = answers.split("#", 2)
        value = bits[0].strip() in ("T", "TRUE")
        body: dict[str, Any] = {"type": "true_false", "answer": value}
        wrong = _formatted(bits[1], fmt)[0] if len(bits) > 1 else ""
        right = _formatted(bits[2], fmt)[0] if len(bits) > 2 else ""
        if wrong:
            body["feedback"] = wrong  # Moodle shows it for the wrong answer; so does dlcert
        if right:
            self.warn(line, f"the feedback for the right answer ({right[:60]!r}) has no place in dlcert (only the wrong "
                            f"answer's feedback and the explanation); dropped")
        return body

    def numerical(self, answers: str, meta: dict, fmt: str, line: int) -> dict | None:
        wrong_feedback = ""
        if "~" in answers:
            answers, wrong_feedback = answers[: answers.index("~")], answers[answers.index("~") + 1:]
        parts = answers.split("=")
        if not parts[0].strip():
            parts = parts[1:]
        if not parts:
            self.warn(line, "a numerical question without an answer; skipped")
            return None
        ranges = []  # (weight, (value, margin), text, feedback)
        for raw in parts:
            weight, raw = _weight(raw.strip())
            weight = 1.0 if weight is None else weight
            text, feedback = _comment(raw, fmt)
            target = self._target(text)
            if target is None:
                self.warn(line, f"unreadable numerical answer {text!r}; skipped")
                return None
            ranges.append((weight, target, text, feedback))
        full = [r for r in ranges if r[0] >= 1]
        if not full:
            self.warn(line, "no numerical answer gives full credit; skipped")
            return None
        value, tol = full[0][1]
        for _, (other, margin), text, _ in full[1:]:  # several right answers: one interval where they touch
            low, high = min(value - tol, other - margin), max(value + tol, other + margin)
            if high - low <= 2 * tol + 2 * margin:
                value, tol = (low + high) / 2, (high - low) / 2
            else:
                self.warn(line, f"the full-credit answer {text} does not touch {full[0][2]}; dlcert keeps one answer and "
                                f"tolerance, so {text} counts as wrong")
        for weight, _, text, _ in ranges:
            if 0 < weight < 1:
                self.warn(line, f"the {_pct(weight)} answer {text} has no dlcert counterpart (a numeric answer is right or "
                                f"wrong); answers there count as wrong")
        dropped = [f for *_, f in ranges if f]
        if wrong_feedback.strip("# "):
            dropped.append(_comment(wrong_feedback, fmt)[1] or wrong_feedback)
        if dropped:
            self.warn(line, "per-answer feedback of a numerical question has no place in dlcert; dropped: "
                            + "; ".join(repr(f[:50]) for f in dropped))
        body: dict[str, Any] = {"type": "numeric", "answer": _clean(value), "tolerance": meta.get("tolerance") or {"abs": _clean(tol)}}
        if meta.get("unit"):
            body["unit"] = meta["unit"]
        return body

    def _target(self, text: str) -> tuple[float, float] | None:
        """(answer, error margin) of Moodle's `min..max`, `answer:margin` or `answer`."""
        if text.find("..") > 0:
            lo, hi = (_number(x) for x in text.split("..", 1))
            return ((lo + hi) / 2, abs(hi - lo) / 2) if lo is not None and hi is not None else None
        if text.find(":") > 0:
            value, margin = (_number(x) for x in text.split(":", 1))
            return (value, abs(margin)) if value is not None and margin is not None else None
        value = _number(text)
        return (value, 0.0) if value is not None else None
