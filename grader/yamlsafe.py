"""Read untrusted YAML into plain data with the line of every value, refusing anything hostile.

Only plain mappings, sequences and scalars (str, int, float, bool, null, dates) are built; every
tag, merge key and duplicate key is an error, and aliases are capped so an "alias bomb" cannot
expand. Nothing is ever constructed from a tag, so nothing in a file can run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 50
MAX_NODES = 200_000
MAX_DEPTH = 50

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CACHE_VERSION = 1
_MAP_TAG = "tag:yaml.org,2002:map"

Path_ = tuple  # a path into the data: keys and indices


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, at a line (1-based)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class YamlProblems(Exception):
    """The file could not be read as safe YAML; `problems` says why, with lines."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


@dataclass
class Located:
    """Plain data read from a file and the line of each value, keyed by its path."""

    file: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple | list = ()) -> int:
        """The line of the deepest part of `path` that exists in the data (1 if none)."""
        node = self.data
        found: tuple = ()
        for part in path:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                node = node[part]
                found = found + (part,)
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
                found = found + (part,)
            # anything else (a union tag, a missing key) is skipped
        while found and found not in self.lines:
            found = found[:-1]
        return self.lines.get(found, 1)

    def sub(self, path: tuple) -> "Located":
        """The part of the data at `path`, with lines relative to it."""
        node = self.data
        for part in path:
            node = node[part]
        n = len(path)
        lines = {p[n:]: l for p, l in self.lines.items() if p[:n] == path}
        return Located(self.file, node, lines)


class _Limit(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


class _Loader(yaml.SafeLoader):
    """Pure-Python safe loader that counts aliases while composing the node graph."""

    def __init__(self, stream: str, max_aliases: int):
        super().__init__(stream)
        self._aliases = 0
        self._max_aliases = max_aliases

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > self._max_aliases:
                mark = self.peek_event().start_mark
                raise _Limit(mark.line + 1, f"more than {self._max_aliases} aliases (*name): refusing a possible alias bomb")
        return super().compose_node(parent, index)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _describe_tag(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Builder:
    """Turns a composed node graph into plain data, checking tags, keys, size and depth."""

    def __init__(self, loader: _Loader, max_nodes: int):
        self.loader = loader
        self.max_nodes = max_nodes
        self.count = 0
        self.lines: dict[tuple, int] = {}
        self.problems: list[tuple[int, str]] = []

    def build(self, node: yaml.Node, path: tuple, depth: int) -> Any:
        self.count += 1
        if self.count > self.max_nodes:
            raise _Limit(_line(node), f"the document expands to more than {self.max_nodes} values (alias bomb?)")
        if depth > MAX_DEPTH:
            raise _Limit(_line(node), f"nesting deeper than {MAX_DEPTH} levels")
        self.lines.setdefault(path, _line(node))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:merge":
                self.problems.append((_line(node), "merge keys (<<) are not allowed; write the fields out"))
                return None
            if node.tag not in _SCALAR_TAGS:
                self.problems.append((_line(node), f"tag {_describe_tag(node.tag)} is not allowed (plain values only)"))
                return None
            try:
                return self.loader.yaml_constructors[node.tag](self.loader, node)
            except (ValueError, OverflowError, yaml.YAMLError) as exc:
                self.problems.append((_line(node), f"bad value {node.value!r}: {exc}"))
                return None
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.problems.append((_line(node), f"tag {_describe_tag(node.tag)} is not allowed (plain lists only)"))
                return None
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.problems.append((_line(node), f"tag {_describe_tag(node.tag)} is not allowed (plain mappings only)"))
                return None
            out: dict = {}
            first_line: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append((_line(key_node), "a key must be a plain value, not a list or mapping"))
                    continue
                key = self.build(key_node, path + ("<key>",), depth + 1)
                if key is None and key_node.tag != "tag:yaml.org,2002:null":
                    continue  # already reported (tag or merge key)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                if key in out:
                    self.problems.append((_line(key_node), f"duplicate key {key!r} (first at line {first_line[key]})"))
                    continue
                first_line[key] = _line(key_node)
                self.lines[path + (key,)] = _line(key_node)
                out[key] = self.build(value_node, path + (key,), depth + 1)
                self.lines[path + (key,)] = _line(key_node)
            self.lines.pop(path + ("<key>",), None)
            return out
        raise _Limit(_line(node), "unsupported YAML node")  # pragma: no cover


def _text_problems(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """Decode the bytes, reporting binary content, bad UTF-8, emptiness and tab indentation."""
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [Problem(name, line, "binary file (contains NUL bytes); a bank must be UTF-8 YAML text")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(name, line, f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
    if not text.strip() or all(not l.strip() or l.lstrip().startswith("#") for l in text.splitlines()):
        return None, [Problem(name, 1, "the file is empty (expected a mapping with format_version and questions or certs)")]
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(Problem(name, number, "tab in indentation; YAML indents with spaces only"))
    match = _CONTROL.search(text)
    bad = match.start() if match else None
    if bad is not None:
        problems.append(Problem(name, text[:bad].count("\n") + 1, f"control character U+{ord(text[bad]):04X} in the text"))
    return (None if problems else text), problems


def _compose(text: str, max_aliases: int) -> tuple[yaml.Node | None, yaml.SafeLoader]:
    """The node graph of a single-document stream, with aliases counted before composing.

    Uses libyaml when PyYAML has it (about 20x faster), else the pure-Python loader.
    """
    if getattr(yaml, "__with_libyaml__", False):
        aliases = 0
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > max_aliases:
                    raise _Limit(event.start_mark.line + 1,
                                 f"more than {max_aliases} aliases (*name): refusing a possible alias bomb")
        return yaml.compose(text, Loader=yaml.CSafeLoader), yaml.SafeLoader("")
    loader = _Loader(text, max_aliases)
    try:
        return loader.get_single_node(), loader
    finally:
        loader.dispose()


def load_text(
    text: str, name: str, *, max_aliases: int = MAX_ALIASES, max_nodes: int = MAX_NODES
) -> Located:
    """Parse YAML text into plain data with lines; raise `YamlProblems` on anything unsafe or malformed."""
    try:
        node, loader = _compose(text, max_aliases)
    except _Limit as exc:
        raise YamlProblems([Problem(name, exc.line, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "malformed YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlProblems([Problem(name, line, f"YAML syntax error: {what}{context}")]) from None
    except yaml.YAMLError as exc:
        raise YamlProblems([Problem(name, 1, f"YAML error: {exc}")]) from None
    except RecursionError:
        raise YamlProblems([Problem(name, 1, "nesting too deep to read")]) from None
    if node is None:
        raise YamlProblems([Problem(name, 1, "the file holds no YAML document")])
    builder = _Builder(loader, max_nodes)
    try:
        data = builder.build(node, (), 0)
    except _Limit as exc:
        raise YamlProblems([Problem(name, exc.line, exc.message)]) from None
    except RecursionError:
        raise YamlProblems([Problem(name, 1, "nesting too deep to read")]) from None
    if builder.problems:
        raise YamlProblems([Problem(name, l, m) for l, m in sorted(builder.problems)])
    return Located(name, data, builder.lines)


def load_file(path: Path, *, display: str | None = None, max_bytes: int = MAX_BYTES) -> Located:
    """Read and parse one file; every refusal is a `YamlProblems` with `file:line` entries."""
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise YamlProblems([Problem(name, 1, f"file too large ({size} bytes; the limit is {max_bytes})")])
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise YamlProblems([Problem(name, 1, f"cannot read: {exc.strerror or exc}")]) from None
    if len(raw) > max_bytes:
        raise YamlProblems([Problem(name, 1, f"file too large (over {max_bytes} bytes)")])
    digest = hashlib.sha256(raw).hexdigest()
    cached = _cache_get(digest, name)
    if cached is not None:
        return cached
    text, problems = _text_problems(raw, name)
    if problems:
        raise YamlProblems(problems)
    located = load_text(text, name)
    _cache_put(digest, located)
    return located


# --- cache of parsed files, keyed by the SHA-256 of their bytes (plain JSON, never pickle) ------------


def _cache_dir() -> Path | None:
    if os.environ.get("DLCERT_NO_CACHE"):
        return None
    base = os.environ.get("DLCERT_CACHE_DIR")
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("dlcert", appauthor=False)
    return Path(base) / "yaml"


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise TypeError("keys")
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return {"$float": repr(value)}  # strict JSON has no inf or nan
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$float" in value:
            return float(value["$float"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _cache_get(digest: str, name: str) -> Located | None:
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        blob = json.loads((folder / f"{digest}.json").read_text(encoding="utf-8"))
        if blob.get("version") != CACHE_VERSION:
            return None
        lines = {tuple(path): line for path, line in blob["lines"]}
        return Located(name, _decode(blob["data"]), lines)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(digest: str, located: Located) -> None:
    folder = _cache_dir()
    if folder is None:
        return
    try:
        blob = {"version": CACHE_VERSION, "data": _encode(located.data),
                "lines": [[list(path), line] for path, line in located.lines.items()]}
        if not all(isinstance(p, (str, int)) and not isinstance(p, bool) for path, _ in blob["lines"] for p in path):
            return
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f"{digest}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(blob), encoding="utf-8")
        os.replace(tmp, folder / f"{digest}.json")
    except (OSError, TypeError, ValueError):
        return
