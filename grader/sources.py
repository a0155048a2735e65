"""Find, extract and replace top-level functions and classes in Python source, by name (via ast)."""
from __future__ import annotations

import ast


def definitions(source: str) -> dict[str, tuple[int, int]]:
    """Top-level def/class name → (first line, last line), 1-based and inclusive (decorators included)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # null bytes, absurd nesting: not code to edit
        return {}
    spans = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            spans[node.name] = (first, node.end_lineno)
    return spans


def extract(source: str, name: str) -> str | None:
    """The source of top-level `name`, or None."""
    span = definitions(source).get(name)
    if span is None:
        return None
    lines = source.splitlines()
    return "\n".join(lines[span[0] - 1 : span[1]]) + "\n"


def replace(source: str, name: str, new: str) -> str | None:
    """`source` with top-level `name` replaced by `new`; None when `name` is not there (or it does not parse)."""
    span = definitions(source).get(name)
    if span is None:
        return None
    lines = source.splitlines(keepends=True)
    return "".join(lines[: span[0] - 1]) + new.rstrip("\n") + "\n" + "".join(lines[span[1] :])
