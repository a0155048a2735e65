"""Read a YAML file safely, remembering the line of every value so errors can say `file:line`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


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
    """Parse `path` with PyYAML's safe rules; return the data and the line of every value."""
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
    return _construct(node, (), lines, path), lines
