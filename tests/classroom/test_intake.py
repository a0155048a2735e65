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


def _zip_with_links(path, files: dict, links: dict) -> None:
    import stat as st

    with zipfile.ZipFile(path, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (st.S_IFLNK | 0o777) << 16
            z.writestr(info, target)


def test_tooling_folders_in_a_zipped_workspace_are_skipped_not_counted(tmp_path):
    noise = {f"ws/.venv/lib/site-packages/pkg{i}.py": "x = 1" for i in range(30)}
    noise.update({f"ws/node_modules/m{i}/index.js": "1" for i in range(30)})
    noise.update({"ws/.git/objects/ab/cdef": "blob", "ws/__pycache__/neurons.cpython-311.pyc": "\0"})
    _zip_with_links(tmp_path / "ws.zip", {"ws/" + classgen.rel("neurons"): "x = 1", **noise},
                    {"ws/.venv/bin/python": "/usr/bin/python3", "ws/.venv/lib64": "lib"})
    extract(Submission("ws", tmp_path / "ws.zip", "zip"), tmp_path / "out", Limits(max_files=5, max_total_bytes=100))
    files = [str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert files == ["ws/" + classgen.rel("neurons")]


def test_tooling_folders_in_a_tar_are_skipped_not_counted(tmp_path):
    path = tmp_path / "ws.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        for name, text in {"ws/neurons.py": "x = 1", **{f"ws/.venv/lib/p{i}.py": "y" * 50 for i in range(20)}}.items():
            info = tarfile.TarInfo(name)
            info.size = len(text)
            t.addfile(info, io.BytesIO(text.encode()))
        link = tarfile.TarInfo("ws/.venv/bin/python")
        link.type, link.linkname = tarfile.SYMTYPE, "/usr/bin/python3"
        t.addfile(link)
    extract(Submission("ws", path, "tar"), tmp_path / "out", Limits(max_files=3, max_total_bytes=200))
    assert [p.name for p in (tmp_path / "out").rglob("*.py")] == ["neurons.py"]


def test_a_rejection_says_which_limit_and_how_to_raise_it(tmp_path):
    classgen.write_zip(tmp_path / "many.zip", {f"{i}.py": "1" for i in range(11)})
    message = refused(Submission("m", tmp_path / "many.zip", "zip"), tmp_path / "o1", Limits(max_files=10)).message
    assert "more than 10 files" in message and "--max-files" in message
    classgen.write_zip(tmp_path / "big.zip", {"a.py": "x" * 5000})
    message = refused(Submission("b", tmp_path / "big.zip", "zip"), tmp_path / "o2", Limits(max_total_bytes=4000)).message
    assert "MiB" in message and "--max-size" in message


def test_several_loose_files_are_copied_under_their_own_names(tmp_path):
    (tmp_path / "smithann_1_2_neurons-1.py").write_text("a")
    (tmp_path / "smithann_1_2_activations.py").write_text("b")
    sub = Submission("1", tmp_path, "files", (("smithann_1_2_neurons-1.py", "neurons.py"), ("smithann_1_2_activations.py", "activations.py")))
    extract(sub, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["activations.py", "neurons.py"]
    before = content_hash(sub)
    (tmp_path / "smithann_1_2_activations.py").write_text("c")
    assert content_hash(sub) != before
    os.symlink("/etc/passwd", tmp_path / "evil.py")
    err = refused(Submission("1", tmp_path, "files", (("evil.py", "neurons.py"),)), tmp_path / "out2")
    assert err.status == "rejected"
