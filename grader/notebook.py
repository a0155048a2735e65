"""`grader.check(task, fn)` in a notebook: grade a function or class defined in the kernel, in the sandbox.

Only source text leaves the kernel, and the object is never called here: its own source (from
`inspect`, or from the kernel's cell history `In` where inspect finds none, as for a class defined
in IPython), and the module-level names that source reads, made into a module file (modules as
import lines, helper functions and classes by their source, plain constants by value). That file
is graded as `dlcert check` grades a module with one task.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import types
from typing import Any

from grader import sources
from grader.errors import DlcertError
from grader.results import Report

LITERALS = (bool, int, float, complex, str, bytes, type(None))


class NotebookError(DlcertError):
    """What `grader.check(task, obj)` cannot grade: a module named, an object without source."""


def check_object(task_id: str, obj: Any, *, seed: int | None = None, device: str = "auto", sandbox=None) -> Report:
    """Grade `obj` (a function or class) as the learner's `task_id`, in the sandbox; returns the Report."""
    from grader.course import load_course
    from grader.pipeline import LearnerFile, grade

    exercise, task = load_course().resolve(task_id)
    if task is None:
        raise NotebookError(f"{task_id!r} is a module; name one of its tasks, e.g. {exercise.tasks[0].id!r}")
    text = module_source(obj, task.name)
    return grade([task], lambda e: LearnerFile(f"{e.module}.py", text), seed=_seed(seed), device=device,
                 sandbox=sandbox)


def _seed(seed: int | None) -> int:
    """The given seed, else the seed of the workspace the kernel runs in, else 0."""
    if seed is not None:
        return seed
    from grader.workspace import WorkspaceError, find_workspace, open_workspace

    root = find_workspace()
    try:
        return open_workspace(root).seed if root else 0
    except WorkspaceError:
        return 0


def module_source(obj: Any, name: str) -> str:
    """A module file that defines `name` as `obj` does, with what its code reads at module level."""
    if not isinstance(obj, (type, types.FunctionType)):
        raise NotebookError(f"grader.check takes the function or class itself (e.g. `{name}`), not a "
                            f"{type(obj).__name__}")
    imports: list[str] = []
    definitions: list[str] = []
    _collect(obj, imports, definitions, set())
    text = "\n".join(dict.fromkeys(imports)) + "\n\n\n" + "\n\n".join(definitions)
    if obj.__name__ != name:
        text += f"\n\n{name} = {obj.__name__}\n"
    return text


def _collect(obj: Any, imports: list[str], definitions: list[str], done: set[str]) -> None:
    """Add `obj`'s source after the sources and imports of the module-level names it reads."""
    done.add(obj.__name__)
    source = _source(obj)
    namespace = _namespace(obj)
    try:
        names = sorted({n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)})
    except SyntaxError as exc:
        raise NotebookError(f"the source found for {obj.__name__} does not parse ({exc})") from exc
    for name in names:
        if name in done or name not in namespace:
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            imports.append(f"import {value.__name__}" if value.__name__ == name else f"import {value.__name__} as {name}")
        elif isinstance(value, (type, types.FunctionType)) and value.__module__ == obj.__module__:
            _collect(value, imports, definitions, done)
        elif isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)) and _importable(value):
            imports.append(f"from {value.__module__} import {value.__name__}"
                           + ("" if value.__name__ == name else f" as {name}"))
        elif _literal(value):
            definitions.append(f"{name} = {value!r}")
    definitions.append(source)


def _importable(value: Any) -> bool:
    module = sys.modules.get(getattr(value, "__module__", None) or "")
    return module is not None and getattr(module, value.__name__, None) is value and value.__module__ != "__main__"


def _literal(value: Any) -> bool:
    """A plain constant whose repr reads back as itself (not nan or inf)."""
    if isinstance(value, (tuple, list)):
        return all(map(_literal, value))
    if not isinstance(value, LITERALS):
        return False
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        return False


def _namespace(obj: Any) -> dict[str, Any]:
    if isinstance(obj, types.FunctionType):
        return obj.__globals__
    return vars(sys.modules[obj.__module__]) if obj.__module__ in sys.modules else {}


def _source(obj: Any) -> str:
    """`obj`'s source: inspect's, else the last cell of the kernel's history that defines it."""
    try:
        found = textwrap.dedent(inspect.getsource(obj))
        if sources.extract(found, obj.__name__):
            return found
    except (OSError, TypeError):
        pass
    for cell in reversed(list(_namespace(obj).get("In", []) or [])):
        found = sources.extract(cell, obj.__name__) if isinstance(cell, str) else None
        if found:
            return found
    raise NotebookError(f"cannot find the source of {obj.__name__}: define it in a cell (or a file) and pass it "
                        "to grader.check")
