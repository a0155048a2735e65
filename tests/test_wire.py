"""wire: plain data across the sandbox boundary, nothing pickled, every hostile byte string refused."""
import struct

import numpy as np
import pytest

from grader.wire import MAX_FRAME_BYTES, FrameReader, Rejected, WireError, decode, encode, frame, record


def test_plain_values_roundtrip():
    value = {"a": np.arange(6.0).reshape(2, 3), "b": [1, 2.5, "s", None, True], "c": (np.int64(3), np.float64(0.5)),
             "d": np.zeros((0, 3), dtype=np.int8), "e": np.arange(3, dtype=">f8"), "f": np.array(True), "g": ()}
    back = decode(encode(value))
    assert np.array_equal(back["a"], value["a"]) and back["b"] == value["b"] and back["c"] == (3, 0.5)
    assert back["d"].shape == (0, 3) and back["d"].dtype == np.int8
    assert back["e"].dtype == np.float64 and list(back["e"]) == [0.0, 1.0, 2.0]
    assert back["f"].ndim == 0 and back["g"] == ()


def test_non_plain_values_are_rejected():
    class Sub(np.ndarray):
        pass

    back = decode(encode([np.zeros(2).view(Sub), np.array([object()]), object(), {1: 2}, np.array([1j]), 2**70]))
    assert all(isinstance(v, Rejected) for v in back)
    assert "subclass" in back[0].what and "dtype object" in back[1].what and "64 bits" in back[5].what


def test_too_deep_or_too_big_is_one_rejection():
    deep = []
    for _ in range(30):
        deep = [deep]
    assert isinstance(decode(encode(deep)), Rejected)
    assert isinstance(decode(encode([0] * 200_000)), Rejected)


def test_records_keep_each_field_separately_encoded():
    assert decode(record(a=encode(1), b=encode([np.ones(2)]))) == {"a": 1, "b": [pytest.approx(np.ones(2))]}


HOSTILE = {
    "endless list": b"l\xff\xff\xff\xff",
    "huge sparse array": b"a\x0b\x01" + struct.pack("<Q", 2**40),
    "lying array": b"a\x0b\x01" + struct.pack("<Q", 10) + b"\0" * 8,
    "unknown tag": b"[",
    "nested a million deep": b"l\x01\x00\x00\x00" * 1_000_000 + b"N",
    "key that is not a string": b"d\x01\x00\x00\x00i" + b"\0" * 8 + b"N",
    "trailing bytes": b"NN",
    "empty": b"",
    "bad dtype code": b"a\xff\x00",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bytes_are_refused_without_recursion_or_allocation(name):
    with pytest.raises(WireError):
        decode(HOSTILE[name])


def test_frames_are_cut_and_capped():
    reader = FrameReader()
    data = frame(encode(1)) + frame(encode("two"))
    assert [decode(f) for f in reader.feed(data[:3]) + reader.feed(data[3:])] == [1, "two"]
    with pytest.raises(WireError):
        FrameReader().feed(struct.pack("<I", MAX_FRAME_BYTES + 1))
