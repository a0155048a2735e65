"""The reference cache is trusted only where it authenticates: an entry tampered with, swapped for
another's, replaced by a link or a FIFO, or written without the key is recomputed, never used."""
from __future__ import annotations

import os

import numpy as np
import pytest

from grader import references
from grader.cases import build_cases
from grader.course import load_course

TASK = load_course().select(["activations.sigmoid"])[0]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCERT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DLCERT_DATA_DIR", str(tmp_path / "data"))
    cases = build_cases(TASK, 0)
    right = references.ReferenceRunner("cpu").outputs(TASK, cases)
    entries = sorted((tmp_path / "cache").iterdir())
    return cases, right, entries


def fresh(cases):
    return references.ReferenceRunner("cpu").outputs(TASK, cases)  # a new runner: nothing in memory


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_a_tampered_entry_is_recomputed_and_rewritten(cache):
    cases, right, entries = cache
    data = bytearray(entries[0].read_bytes())
    data[-1] ^= 1  # one bit of the value
    entries[0].write_bytes(bytes(data))
    assert same(fresh(cases), right)
    assert entries[0].read_bytes() != bytes(data)


def test_an_entry_moved_to_another_key_does_not_authenticate(cache):
    cases, right, entries = cache
    entries[1].write_bytes(entries[0].read_bytes())  # valid bytes, wrong name
    assert same(fresh(cases), right)


def test_an_entry_without_the_key_is_not_used(cache, tmp_path):
    cases, right, entries = cache
    (tmp_path / "data" / "cache.key").write_bytes(os.urandom(32))  # another install's key
    references._install_key.cache_clear()
    before = [e.read_bytes() for e in entries]
    try:
        assert same(fresh(cases), right)
        assert all(e.read_bytes() != b for e, b in zip(entries, before))  # each recomputed and signed anew
    finally:
        references._install_key.cache_clear()


def test_links_and_fifos_in_the_cache_are_not_followed(cache, tmp_path):
    cases, right, entries = cache
    secret = tmp_path / "secret"
    secret.write_text("not a reference")
    entries[0].unlink()
    entries[0].symlink_to(secret)
    entries[1].unlink()
    os.mkfifo(entries[1])  # opening it for reading without O_NONBLOCK would hang the grader
    assert same(fresh(cases), right)
    assert all(e.is_file() and not e.is_symlink() for e in entries[:2]) and secret.read_text() == "not a reference"


def test_the_key_file_is_private(cache, tmp_path):
    key = tmp_path / "data" / "cache.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == references.KEY_BYTES


def test_folders_of_the_old_cache_format_do_not_block_caching(cache, tmp_path):
    cases, right, entries = cache
    for entry in entries:
        entry.unlink()
        old = entry.with_suffix("")
        old.mkdir()
        (old / "value.json").write_text('{"__array__": "v0.npy"}')  # what the first format stored
    assert same(fresh(cases), right) and all(e.is_file() for e in entries)
