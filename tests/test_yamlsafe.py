"""yamlsafe: safe YAML with lines, and its cache of parsed files keyed by content hash."""
from __future__ import annotations

import pytest

from grader.yamlsafe import YamlProblems, load_file

TEXT = "module: m\ntasks:\n  - name: t\n    tolerance: {rtol: 1.0e-7}\n    args: {x: [1, -.inf]}\n"


def test_values_keep_their_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_NO_CACHE", "1")
    path = tmp_path / "exercise.yaml"
    path.write_text(TEXT)
    located = load_file(path)
    assert located.data["tasks"][0]["args"]["x"][1] == float("-inf")
    assert located.line(("tasks", 0, "tolerance", "rtol")) == 4
    assert located.line(("tasks", 0, "no-such-key")) == 3


def test_parsed_files_are_cached_by_content_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "exercise.yaml"
    path.write_text(TEXT)
    first = load_file(path)
    files = list((tmp_path / "cache" / "yaml").glob("*.json"))
    assert len(files) == 1
    again = load_file(path, display="renamed.yaml")
    assert again.data == first.data and again.lines == first.lines and again.file == "renamed.yaml"
    files[0].write_text("{not json")  # a damaged cache entry is ignored, not trusted
    assert load_file(path).data == first.data
    path.write_text(TEXT + "# changed\n")
    load_file(path)
    assert len(list((tmp_path / "cache" / "yaml").glob("*.json"))) == 2


def test_tags_and_duplicate_keys_are_refused_with_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_NO_CACHE", "1")
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: !!python/object:os.system 'echo hi'\na: 2\n")
    with pytest.raises(YamlProblems) as err:
        load_file(path)
    text = str(err.value)
    assert f"{path}:2:" in text and f"{path}:3:" in text
