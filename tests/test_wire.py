"""wire: plain data across the sandbox boundary, nothing pickled."""
import numpy as np

from grader.wire import Rejected, decode, encode, read_npy


def roundtrip(value, tmp_path):
    return decode(encode(value, str(tmp_path)), tmp_path)


def test_plain_values_roundtrip(tmp_path):
    value = {"a": np.arange(6.0).reshape(2, 3), "b": [1, 2.5, "s", None, True], "c": (np.int64(3), np.float64(0.5))}
    back = roundtrip(value, tmp_path)
    assert np.array_equal(back["a"], value["a"]) and back["b"] == value["b"] and back["c"] == (3, 0.5)


def test_non_plain_values_are_rejected(tmp_path):
    class Sub(np.ndarray):
        pass

    back = roundtrip([np.zeros(2).view(Sub), np.array([object()]), object(), {1: 2}], tmp_path)
    assert all(isinstance(v, Rejected) for v in back)
    assert "subclass" in back[0].what and "dtype object" in back[1].what


def test_npy_files_read_back_both_ways(tmp_path):
    text = encode(np.arange(5, dtype=np.int64), str(tmp_path))
    name = tmp_path / "v0.npy"
    assert np.array_equal(np.load(name, allow_pickle=False), read_npy(name))
    assert decode(text, tmp_path).dtype == np.int64


def test_paths_outside_the_folder_are_refused(tmp_path):
    assert isinstance(decode('{"__array__": "../x.npy"}', tmp_path), Rejected)
