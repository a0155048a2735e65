"""course: exercise metadata is typed data; errors name the file and line."""
import re
import shutil

import pytest

from grader.course import CourseError, load_course, load_exercise

from tests.conftest import FIXTURE_COURSE


def copy_toy(tmp_path):
    target = tmp_path / "01_toy"
    shutil.copytree(FIXTURE_COURSE / "01_toy", target)
    return target


def test_fixture_course_loads(toy_course):
    assert [t.id for t in toy_course.tasks] == ["toy.double", "toy.softplus", "toy.split"]
    assert toy_course.tasks[1].spec.points == 2


def test_unknown_field_is_rejected_with_file_and_line(tmp_path):
    folder = copy_toy(tmp_path)
    meta = folder / "exercise.yaml"
    meta.write_text(meta.read_text().replace("  - name: softplus\n", "  - name: softplus\n    pointz: 3\n"))
    with pytest.raises(CourseError) as err:
        load_exercise(folder)
    line = meta.read_text().splitlines().index("    pointz: 3") + 1
    assert f"exercise.yaml:{line}:" in str(err.value) and "pointz" in str(err.value)


def test_too_few_hints_and_duplicate_keys_are_rejected(tmp_path):
    folder = copy_toy(tmp_path)
    meta = folder / "exercise.yaml"
    meta.write_text(meta.read_text().replace('hints: ["Multiply.", "Return 2 * x."]', 'hints: ["Multiply."]'))
    with pytest.raises(CourseError, match="hints"):
        load_exercise(folder)
    meta.write_text(meta.read_text().replace("title: Toy\n", "title: Toy\ntitle: Again\n"))
    with pytest.raises(CourseError, match="duplicate key 'title'"):
        load_exercise(folder)


def test_selecting_targets(toy_course):
    assert [t.id for t in toy_course.select(["toy"])] == ["toy.double", "toy.softplus", "toy.split"]
    assert [t.id for t in toy_course.select(["toy.split"])] == ["toy.split"]
    with pytest.raises(CourseError, match="did you mean toy.split"):
        toy_course.select(["toy.splt"])
    with pytest.raises(CourseError, match="unknown module"):
        toy_course.select(["nothing"])


@pytest.mark.parametrize("target, task", [
    ("toy", None), ("01_toy", None), ("toy.split", "split"), ("01_toy.split", "split"), ("toy/split", "split"),
    ("01_toy/split", "split"), ("exercises/01_toy/toy.py", None), ("./exercises/01_toy/toy.py", None),
    ("/home/me/ws/exercises/01_toy/toy.py", None), ("toy.py", None), ("exercises/01_toy/", None),
    ("exercises\\01_toy\\toy.py", None), ("split", "split"),
])
def test_targets_in_the_forms_a_learner_types(toy_course, target, task):
    exercise, found = toy_course.resolve(target)
    assert exercise.module == "toy" and (found.name if found else None) == task


@pytest.mark.parametrize("target, suggestion", [
    ("splt", "did you mean toy.split?"), ("toyy", "did you mean toy?"),
    ("toy/splt", "did you mean toy.split?"), ("nothing", "known modules: toy"),
])
def test_an_unknown_target_suggests_the_closest_names(toy_course, target, suggestion):
    with pytest.raises(CourseError, match=re.escape(suggestion)):
        toy_course.resolve(target)


def test_a_file_path_must_match_its_folder(toy_course):
    with pytest.raises(CourseError, match="not the module file"):
        toy_course.resolve("exercises/01_toy/other.py")


def test_the_real_course_has_every_module_of_the_contract():
    course = load_course()
    assert [e.folder for e in course.exercises] == [
        "01_neurons", "02_activations", "03_losses", "04_backprop", "05_optimizers", "06_regularization",
        "07_cnn", "08_rnn", "09_transformers", "10_gpu", "11_training", "12_llm",
    ]
    assert len(course.tasks) >= 64
    for exercise in course.exercises:
        assert exercise.stub_path.is_file() and exercise.solution_path.is_file() and exercise.reference_path.is_file()
