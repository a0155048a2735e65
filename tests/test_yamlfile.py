"""The parsed-YAML cache: same data and lines as a fresh parse; damaged or stale entries are ignored."""
from __future__ import annotations

from grader.yamlfile import load_yaml


def test_cached_parse_equals_fresh_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_CACHE_DIR", str(tmp_path / "cache"))
    meta = tmp_path / "exercise.yaml"
    meta.write_text("module: m\ntasks:\n  - name: t\n    tolerance: {rtol: 1.0e-7}\n    args: {x: [1, -.inf]}\n")
    monkeypatch.setenv("DLCERT_NO_CACHE", "1")
    fresh = load_yaml(meta)
    monkeypatch.delenv("DLCERT_NO_CACHE")
    first, again = load_yaml(meta), load_yaml(meta)
    assert first == again == fresh and again[1].line_of(("tasks", 0, "tolerance", "rtol")) == 4
    [entry] = (tmp_path / "cache" / "course-yaml").glob("*.json")
    entry.write_text("{not json")
    assert load_yaml(meta) == fresh
    meta.write_text("module: n\n")
    assert load_yaml(meta)[0] == {"module": "n"}
    assert len(list((tmp_path / "cache" / "course-yaml").glob("*.json"))) == 2
