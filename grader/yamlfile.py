"""Read a YAML file safely, remembering the line of every value so errors can say `file:line`."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import yaml

CACHE_VERSION = 1


class YamlError(Exception):
    """A YAML file that cannot be read, with the place it went wrong."""

    def __init__(self, path: Path, line: int | None, message: str):
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class LineMap(dict):
    """Maps a location tuple (keys and indexes from the root) to its 1-based line number."""

    def line_of(self, loc: tuple) -> int | None:
        """The line of `loc`, or of its nearest parent that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self:
                return self[loc]
            loc = loc[:-1]
        return self.get((), None)


def _construct(node: yaml.Node, loc: tuple, lines: LineMap, path: Path) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, path)
            if key in out:
                raise YamlError(path, key_node.start_mark.line + 1, f"duplicate key {key!r}")
            out[key] = _construct(value_node, loc + (key,), lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(child, loc + (i,), lines, path) for i, child in enumerate(node.value)]
    return _scalar(node, path)


def _scalar(node: yaml.Node, path: Path) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlError(path, node.start_mark.line + 1, "a mapping key must be a plain value")
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        raise YamlError(path, node.start_mark.line + 1, str(exc.problem)) from exc


def load_yaml(path: Path) -> tuple[Any, LineMap]:
    """Parse `path` with PyYAML's safe rules; return the data and the line of every value.

    What a file parses to is cached by the SHA-256 of its bytes, so the course is parsed once, not at
    every `dlcert` start (pure-Python YAML costs about half a second for the whole course).
    """
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise YamlError(path, None, f"cannot read: {exc}") from exc
    cached = _cache_get(digest)
    if cached is not None:
        return cached
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError(path, None, f"cannot read: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise YamlError(path, line, f"YAML syntax: {exc.problem}") from exc
    if node is None:
        raise YamlError(path, 1, "the file is empty")
    lines = LineMap()
    data = _construct(node, (), lines, path)
    _cache_put(digest, data, lines)
    return data, lines


# --- the cache of parsed files: plain JSON, keyed by content hash, never trusted beyond parsing ------


def _cache_file(digest: str) -> Path | None:
    """DLCERT_CACHE_DIR/course-yaml (else the per-user cache folder); None when DLCERT_NO_CACHE is set."""
    if os.environ.get("DLCERT_NO_CACHE"):
        return None
    base = os.environ.get("DLCERT_CACHE_DIR")
    if not base:
        import platformdirs

        base = platformdirs.user_cache_dir("dlcert", appauthor=False)
    return Path(base) / "course-yaml" / f"{digest}.json"


def _cache_get(digest: str) -> tuple[Any, LineMap] | None:
    file = _cache_file(digest)
    if file is None:
        return None
    try:
        blob = json.loads(file.read_text(encoding="utf-8"))
        if blob["version"] != CACHE_VERSION:
            return None
        return blob["data"], LineMap((tuple(loc), line) for loc, line in blob["lines"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(digest: str, data: Any, lines: LineMap) -> None:
    """Store what JSON gives back unchanged (string keys; no dates); anything else is not cached."""
    file = _cache_file(digest)
    if file is None or not _json_exact(data):
        return
    try:
        text = json.dumps({"version": CACHE_VERSION, "data": data, "lines": [[list(loc), n] for loc, n in lines.items()]})
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, file)
    except (OSError, TypeError, ValueError):
        return


def _json_exact(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_exact(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_exact(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))
