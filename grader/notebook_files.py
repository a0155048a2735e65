"""`dlcert init --notebooks`: one Jupyter notebook per module, made from its stub.

A notebook holds the module's docstring (the maths and worked examples), a set-up cell (the stub's
imports and helpers, and `import grader`), then for each task its stub (with its docstring) and a
check cell, `grader.check("<task id>", <name>)`. Written as nbformat 4.5 JSON by hand (the tests
validate it with nbformat), so making a workspace needs no Jupyter package.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from grader import atomic, sources
from grader.course import Course, Exercise

SETUP_NOTE = ("Run the cells in order. Each check cell grades the cell above it in dlcert's sandbox (your code is "
              "never run in this kernel by the grader); the kernel needs dlcert installed (`pip install -e` of the "
              "dlcert repository, or `!pip install` it first in Colab).")


def write_notebooks(course: Course, folder: Path) -> list[Path]:
    """One `NN_module.ipynb` per module of `course` in `folder` (made if missing); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for exercise in course.exercises:
        path = folder / f"{exercise.folder}.ipynb"
        atomic.write_text(path, json.dumps(module_notebook(exercise), indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def module_notebook(exercise: Exercise) -> dict:
    """The notebook of one module, as nbformat 4.5 JSON."""
    stub = exercise.stub_path.read_text()
    docstring = ast.get_docstring(ast.parse(stub)) or ""
    tasks = {t.name for t in exercise.tasks}
    cells = [_markdown(f"# {exercise.folder}: {exercise.spec.title}\n\n{exercise.spec.summary}\n\n{SETUP_NOTE}"),
             _markdown(docstring), _code(_setup(stub, tasks))]
    for task in exercise.tasks:
        cells.append(_code(sources.extract(stub, task.name) or f"# {task.name} is missing from the stub\n"))
        cells.append(_code(f'grader.check("{task.id}", {task.name})'))
    for i, cell in enumerate(cells):
        cell["id"] = f"{exercise.module}-{i}"
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _setup(stub: str, tasks: set[str]) -> str:
    """The stub without its docstring and task definitions (imports, constants, helpers), then `import grader`."""
    tree = ast.parse(stub)
    lines = stub.splitlines()
    keep = []
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and node is tree.body[0]:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name in tasks:
            continue
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        keep.append("\n".join(lines[first - 1:node.end_lineno]))
    return "\n".join(keep + ["", "import grader"]).strip() + "\n"


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": text.rstrip("\n")}
