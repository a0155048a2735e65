"""Safe intake: discovery, learner ids, extraction limits and refusals, finding the module files."""
from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.classroom.intake import (
    IntakeError, Limits, Submission, content_hash, discover, extract, kind_of, learner_id, locate_modules, safe_parts,
)
from grader.course import load_course
from tests.classroom import classgen

MODULES = [e.module for e in load_course().exercises]


def refused(sub: Submission, dest: Path, limits: Limits = Limits()) -> IntakeError:
    with pytest.raises(IntakeError) as info:
        extract(sub, dest, limits)
    return info.value


@pytest.mark.parametrize("name, want", [
    ("alice.zip", "alice"), ("bob.tar.gz", "bob"), ("c.tgz", "c"), ("d.tar", "d"), ("e.py", "e"), ("f.docx", "f"),
])
def test_learner_ids_come_from_names(tmp_path, name, want):
    (tmp_path / name).write_bytes(b"x")
    assert learner_id(tmp_path / name) == want


def test_a_folder_name_is_kept_whole(tmp_path):
    (tmp_path / "jane.doe").mkdir()
    assert learner_id(tmp_path / "jane.doe") == "jane.doe"


@pytest.mark.parametrize("name", ["../x.py", "a/../../x.py", "/etc/passwd", "C:\\\\x.py", "a\\\\..\\\\..\\\\x.py", "a\x00b"])
def test_unsafe_member_names_are_refused(name):
    with pytest.raises(IntakeError) as info:
        safe_parts(name)
    assert info.value.status == "rejected"


def test_safe_names_are_split():
    assert safe_parts("./a/b\\c.py") == ["a", "b", "c.py"]


def test_discovery_of_a_mixed_class(tmp_path):
    classgen.write_folder(tmp_path / "ann", {classgen.rel("neurons"): "x"})
    classgen.write_zip(tmp_path / "ben.zip", {"neurons.py": "x"})
    (tmp_path / "roster.csv").write_text("id\nann\n")
    (tmp_path / ".DS_Store").write_bytes(b"")
    os.symlink("/etc/passwd", tmp_path / "eve.zip")
    found = {s.learner: s.kind for s in discover([tmp_path], MODULES)}
    assert found == {"ann": "folder", "ben": "zip", "eve": "link"}
    # a learner folder given directly, and a loose module file named after its module
    assert [(s.learner, s.kind) for s in discover([tmp_path / "ann"], MODULES)] == [("ann", "folder")]
    loose = tmp_path / "ann" / "exercises" / "01_neurons" / "neurons.py"
    assert [(s.learner, s.kind) for s in discover([loose], MODULES)] == [("01_neurons", "py")]


def test_kind_is_judged_by_content(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"not a zip at all")
    classgen.write_zip(tmp_path / "b.tar", {"x.py": "1"})  # a zip named .tar
    assert kind_of(tmp_path / "a.zip") == "file" and kind_of(tmp_path / "b.tar") == "zip"


def test_a_link_submission_is_refused(tmp_path):
    os.symlink("/etc/passwd", tmp_path / "eve.zip")
    err = refused(Submission("eve", tmp_path / "eve.zip", "link"), tmp_path / "out")
    assert err.status == "rejected" and "symbolic link" in err.message


def test_zip_extracts_only_code_inside_the_copy(tmp_path):
    classgen.write_zip(tmp_path / "a.zip", {"p/exercises/01_neurons/neurons.py": "x = 1", "p/data.bin": b"\0" * 10,
                                            "manifest.json": "{}"})
    extract(Submission("a", tmp_path / "a.zip", "zip"), tmp_path / "out")
    files = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert files == ["manifest.json", "p/exercises/01_neurons/neurons.py"]


def test_a_lying_zip_header_is_caught(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as z:
        z.writestr("neurons.py", "x = 1  # padding padding")
    raw = bytearray(data.getvalue())
    # shrink the declared size in the central directory: more bytes come out than declared
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24: central + 28] = (3).to_bytes(4, "little")
    (tmp_path / "lie.zip").write_bytes(bytes(raw))
    err = refused(Submission("lie", tmp_path / "lie.zip", "zip"), tmp_path / "out")
    assert err.status in ("rejected", "corrupt")


def test_limits_on_files_size_and_ratio(tmp_path):
    classgen.write_zip(tmp_path / "many.zip", {f"{i}.py": "1" for i in range(11)})
    assert "10 files" in refused(Submission("m", tmp_path / "many.zip", "zip"), tmp_path / "o1", Limits(max_files=10)).message
    classgen.write_zip(tmp_path / "big.zip", {"a.py": "x" * 5000})
    assert "MiB" in refused(Submission("b", tmp_path / "big.zip", "zip"), tmp_path / "o2", Limits(max_total_bytes=4000)).message
    classgen.write_zip(tmp_path / "bomb.zip", {"a.py": "0" * 100_000})
    err = refused(Submission("c", tmp_path / "bomb.zip", "zip"), tmp_path / "o3", Limits(max_ratio=10, ratio_floor=1000))
    assert "fold" in err.message


def test_tar_devices_and_hard_links_are_refused(tmp_path):
    for kind, name in ((tarfile.CHRTYPE, "dev"), (tarfile.LNKTYPE, "hard"), (tarfile.FIFOTYPE, "fifo")):
        path = tmp_path / f"{name}.tar"
        with tarfile.open(path, "w") as t:
            info = tarfile.TarInfo("neurons.py")
            info.type = kind
            info.linkname = "/etc/passwd"
            t.addfile(info)
        assert refused(Submission(name, path, "tar"), tmp_path / f"o-{name}").status == "rejected"


def test_folder_with_a_fifo_is_refused(tmp_path):
    classgen.write_folder(tmp_path / "f", {"neurons.py": "x = 1"})
    os.mkfifo(tmp_path / "f" / "pipe.py")
    assert refused(Submission("f", tmp_path / "f", "folder"), tmp_path / "out").status == "rejected"


def test_content_hash_follows_the_code_not_the_noise(tmp_path):
    classgen.write_folder(tmp_path / "a", {"neurons.py": "x = 1", ".venv/y.py": "1", "notes.txt": "a"})
    classgen.write_folder(tmp_path / "b", {"neurons.py": "x = 1", "notes.txt": "b"})
    classgen.write_folder(tmp_path / "c", {"neurons.py": "x = 2"})
    h = {n: content_hash(Submission(n, tmp_path / n, "folder")) for n in "abc"}
    assert h["a"] == h["b"] != h["c"]


def test_modules_are_found_at_any_depth_with_preferences(tmp_path):
    course = load_course()
    neurons, activations = course.exercise("neurons"), course.exercise("activations")
    classgen.write_folder(tmp_path, {
        "deep/er/exercises/01_neurons/neurons.py": "a",
        "neurons.py": "b",  # a bare name loses to the full exercises/NN_module path
        "x/activations.py": "c",
        "exercises/01_neurons/solution.py": "d",
    })
    found = locate_modules(tmp_path, [neurons, activations])
    assert found["01_neurons"].read_text() == "a" and found["02_activations"].read_text() == "c"


def test_a_lone_file_is_matched_by_what_it_defines(tmp_path):
    course = load_course()
    (tmp_path / "homework.py").write_text("def relu(x):\n    pass\ndef relu_backward(x, g):\n    pass\n")
    found = locate_modules(tmp_path, course.exercises)
    assert list(found) == ["02_activations"]
    (tmp_path / "homework.py").write_text("def nothing_known():\n    pass\n")
    assert locate_modules(tmp_path, course.exercises) == {}
