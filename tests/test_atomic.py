"""atomic: a file or folder is written whole or not at all, and a failure names the target."""
from __future__ import annotations

import os

import pytest

from grader import atomic
from grader.errors import PathError


def litter(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_file_replaces_its_target_whole_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic.write_text(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) == 0o640 and litter(tmp_path) == []


def test_a_write_that_fails_halfway_leaves_the_old_target_and_no_temporary_file(tmp_path):
    target = tmp_path / "hand-in.zip"
    target.write_bytes(b"the previous hand-in")
    with pytest.raises(RuntimeError):
        with atomic.replacing(target) as handle:
            handle.write(b"half of it")
            raise RuntimeError("the disk filled up")
    assert target.read_bytes() == b"the previous hand-in" and litter(tmp_path) == []


@pytest.mark.parametrize("where, reason", [("missing/dir/out.json", "does not exist"), ("file/out.json", "is a file")])
def test_a_target_that_cannot_be_written_is_a_usage_error_naming_it(tmp_path, where, reason):
    (tmp_path / "file").write_text("")
    target = tmp_path / where
    with pytest.raises(PathError) as caught:
        atomic.write_text(target, "x")
    assert caught.value.exit_code == 2 and str(target) in caught.value.message and reason in caught.value.message


def test_a_target_that_is_a_folder_is_refused_and_kept(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(PathError, match="it is a folder"):
        atomic.write_text(tmp_path / "out", "x")
    assert (tmp_path / "out").is_dir() and litter(tmp_path) == []


def test_a_folder_appears_whole_or_not_at_all(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic.new_folder(tmp_path / "ws") as temp:
            (temp / "a.py").write_text("")
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "ws").mkdir()  # an empty folder made for it is fine
    with atomic.new_folder(tmp_path / "ws") as temp:
        (temp / "a.py").write_text("x")
    assert (tmp_path / "ws" / "a.py").read_text() == "x" and litter(tmp_path) == []
