"""Notebooks: `grader.check(task, obj)` sends source to the sandbox, and `init --notebooks` writes notebooks
that work in a real Jupyter kernel (nbclient), with a model solution and with a known mistake."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import grader
from grader import sources
from grader.course import load_course
from grader.notebook import NotebookError, module_source
from grader.notebook_files import module_notebook

COURSE = load_course()
ACTIVATIONS = COURSE.exercise("activations")
BACKPROP = COURSE.exercise("backprop")

SCALE = 2.0
EPS_TUPLE = (1e-7, 1.0)


def _helper(x):
    return x * SCALE


def doubled(x):
    """Reads a module, a helper, a constant and a tuple of constants at module level."""
    return np.asarray(_helper(x)) + 0 * EPS_TUPLE[0] + 0 * np.float64(sum(EPS_TUPLE))


def test_the_module_sent_has_the_imports_helpers_and_constants_its_code_reads_and_the_task_name():
    text = module_source(doubled, "relu")
    namespace: dict = {}
    exec(compile(text, "sent.py", "exec"), namespace)  # the test runs it, to prove it is a whole module
    assert "import numpy as np" in text and "SCALE = 2.0" in text and "EPS_TUPLE = (1e-07, 1.0)" in text
    assert text.index("def _helper") < text.index("def doubled")
    assert namespace["relu"](np.array([1.5]))[0] == 3.0


def test_a_class_and_an_object_that_is_neither():
    text = module_source(NotebookError, "Error")
    assert text.count("class NotebookError") == 1 and "from grader.errors import DlcertError" in text
    with pytest.raises(NotebookError, match="function or class itself"):
        module_source(np.zeros(3), "relu")


def test_grader_check_grades_a_function_defined_here_in_the_sandbox(sandbox):
    solution = sources.extract(ACTIVATIONS.solution_path.read_text(), "relu")
    namespace = {"np": np, "__name__": __name__}
    exec(compile(solution, "<cell>", "exec"), namespace)  # no source file for it: found through `In`
    namespace["In"] = ["", solution]
    relu = namespace["relu"]
    report = grader.check("activations.relu", relu, sandbox=sandbox)
    assert report.passed and [r.task for r in report.results] == ["activations.relu"]
    html = report._repr_html_()
    assert "<code>activations.relu</code>" in html and "✓ passed (1/1)" in html
    with pytest.raises(NotebookError, match="is a module"):
        grader.check("activations", relu)


def test_generated_notebooks_are_valid_and_have_a_check_cell_after_each_task():
    nbformat = pytest.importorskip("nbformat")
    for exercise in COURSE.exercises:
        nb = nbformat.reads(json.dumps(module_notebook(exercise)), as_version=4)
        nbformat.validate(nb)
        checks = [c.source for c in nb.cells if c.source.startswith("grader.check(")]
        assert checks == [f'grader.check("{t.id}", {t.name})' for t in exercise.tasks]


def _kernel(tmp_path, monkeypatch) -> str:
    """A kernel spec for this interpreter (the one with dlcert installed), found through JUPYTER_PATH."""
    spec = tmp_path / "jupyter" / "kernels" / "dlcert-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dlcert test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "dlcert-test"


def _text(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") + o.get("data", {}).get("text/html", "")
                   + o.get("evalue", "") for o in cell.outputs)


@pytest.mark.slow
def test_a_generated_notebook_runs_in_a_real_kernel_with_a_solution_a_mistake_and_a_class(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from grader.cli import main
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["init", str(tmp_path / "ws"), "--notebooks"])
    assert result.exit_code == 0, result.output
    nb = nbformat.read(tmp_path / "ws" / "notebooks" / f"{ACTIVATIONS.folder}.ipynb", as_version=4)
    stub = next(i for i, c in enumerate(nb.cells) if c.source.startswith("def softmax("))
    check = nb.cells[stub + 1].source
    mistake = sources.extract(ACTIVATIONS.mistakes_path.read_text(), "softmax__no_max_shift")
    dense = sources.extract(BACKPROP.solution_path.read_text(), "Dense")
    cells = nb.cells[:3] + [
        nbformat.v4.new_code_cell(sources.extract(ACTIVATIONS.solution_path.read_text(), "softmax")),
        nbformat.v4.new_code_cell(check),
        nbformat.v4.new_code_cell(mistake.replace("def softmax__no_max_shift", "def softmax")),
        nbformat.v4.new_code_cell(check),
        nbformat.v4.new_code_cell(dense),  # IPython has no source file for a class: found in the cell history
        nbformat.v4.new_code_cell('grader.check("backprop.Dense", Dense)'),
    ]
    nb.cells = cells
    nbclient.NotebookClient(nb, timeout=300, kernel_name=_kernel(tmp_path, monkeypatch),
                            resources={"metadata": {"path": str(tmp_path / "ws")}}).execute()
    solved, wrong, dense_check = _text(nb.cells[4]), _text(nb.cells[6]), _text(nb.cells[8])
    assert "✓ activations.softmax: passed" in solved and "<table" in solved
    assert "no_max_shift" in wrong and "failed" in wrong
    assert "✓ backprop.Dense: passed" in dense_check
