"""Values across the sandbox boundary: length-prefixed frames of a small tagged binary format.

A frame is a 4-byte little-endian length and that many bytes: one encoded value. Values are
None, bool, int, float, str, NumPy arrays of a fixed set of dtypes (as dtype, shape and raw bytes),
and lists, tuples and str-keyed dicts of them. Nothing is pickled, and no text is parsed as code.

Decoding is for hostile bytes: it is iterative (no recursion to blow up), caps depth, item count
and sizes, and checks every length against the bytes actually present, so an array that claims a
huge shape without the data is refused instead of allocated. The encoder keeps its own references
to what it needs, taken at import (before any learner code runs), and sends anything that is not
plain data (an ndarray subclass, a duck-typed object, an object array) as a `Rejected` naming it.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_FRAME_BYTES = 64 * 2**20
MAX_DEPTH = 20
MAX_ITEMS = 100_000
MAX_TEXT_BYTES = 2**20
MAX_NDIM = 32
DTYPES = ("|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8")
"""The only array dtypes that cross (numbers and booleans, little-endian), by their one-byte code."""

_ndarray, _generic, _dtype, _frombuffer, _empty = np.ndarray, np.generic, np.dtype, np.frombuffer, np.empty
_pack, _unpack_from, _join = struct.pack, struct.unpack_from, b"".join
_DTYPE_CODE = {_dtype(d): i for i, d in enumerate(DTYPES)}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Rejected:
    """A value that was not plain data; `what` says what it was."""

    what: str


class WireError(ValueError):
    """Bytes that are not a well-formed value or frame (a broken or hostile sender)."""


class _TooBig(Exception):
    pass


# --- encoding -------------------------------------------------------------------------------------


def encode(value: Any) -> bytes:
    """The bytes of `value`; a structure too large or too deep becomes one `Rejected` as a whole."""
    out: list[bytes] = []
    budget = [0, 0]  # items, bytes
    try:
        _put(value, out, 0, budget)
    except _TooBig as exc:
        return encode_rejected(str(exc))
    return _join(out)


def encode_rejected(what: str) -> bytes:
    """The bytes of `Rejected(what)`."""
    data = what.encode("utf-8", "replace")[:2000]
    return b"r" + _pack("<I", len(data)) + data


def record(**encoded: bytes) -> bytes:
    """The bytes of a dict whose values are already encoded (so each keeps its own size budget)."""
    parts = [b"d" + _pack("<I", len(encoded))]
    for key, value in encoded.items():
        parts += [encode(key), value]
    return _join(parts)


def _put(v: Any, out: list[bytes], depth: int, budget: list[int]) -> None:
    budget[0] += 1
    if budget[0] > MAX_ITEMS or depth > MAX_DEPTH:
        raise _TooBig("a structure too large or too deep to grade")
    t = type(v)
    if v is None:
        out.append(b"N")
    elif t is bool:
        out.append(b"T" if v else b"F")
    elif t is int:
        if _INT64_MIN <= v <= _INT64_MAX:
            out.append(b"i" + _pack("<q", v))
        else:
            out.append(encode_rejected("an integer too large for 64 bits"))
    elif t is float:
        out.append(b"f" + _pack("<d", v))
    elif t is str:
        data = v.encode("utf-8", "surrogatepass")
        if len(data) > MAX_TEXT_BYTES:
            out.append(encode_rejected(f"a string of {len(data)} bytes (too long)"))
        else:
            out.append(b"s" + _pack("<I", len(data)) + data)
    elif t is _ndarray:
        _put_array(v, out, budget)
    elif isinstance(v, _generic) and t.__module__ == "numpy" and v.dtype.kind in "biuf":
        _put(v.item(), out, depth, budget)
    elif t is list or t is tuple:
        out.append((b"l" if t is list else b"t") + _pack("<I", len(v)))
        for x in v:
            _put(x, out, depth + 1, budget)
    elif t is dict and all(type(k) is str for k in v):
        out.append(b"d" + _pack("<I", len(v)))
        for k, x in v.items():
            _put(k, out, depth + 1, budget)
            _put(x, out, depth + 1, budget)
    elif isinstance(v, _ndarray):
        out.append(encode_rejected(f"a subclass of np.ndarray ({t.__name__}); return a plain np.ndarray"))
    else:
        out.append(encode_rejected(f"a {t.__module__}.{t.__qualname__} object"))


def _put_array(v: np.ndarray, out: list[bytes], budget: list[int]) -> None:
    code = _DTYPE_CODE.get(v.dtype)
    if code is None and v.dtype.kind in "biuf" and v.dtype.byteorder == ">":
        v = v.astype(v.dtype.newbyteorder("<"))
        code = _DTYPE_CODE.get(v.dtype)
    if code is None:
        out.append(encode_rejected(f"an array of dtype {v.dtype} (expected numbers)"))
        return
    if v.ndim > MAX_NDIM:
        out.append(encode_rejected(f"an array of {v.ndim} dimensions"))
        return
    budget[1] += v.nbytes
    if budget[1] > MAX_FRAME_BYTES:
        raise _TooBig(f"arrays of more than {MAX_FRAME_BYTES // 2**20} MiB in all (too large)")
    out.append(b"a" + _pack("<BB", code, v.ndim) + _pack(f"<{v.ndim}Q", *v.shape))
    out.append(v.tobytes(order="C"))


# --- decoding -------------------------------------------------------------------------------------


_TAG_N, _TAG_T, _TAG_F, _TAG_I, _TAG_FLOAT, _TAG_S, _TAG_R, _TAG_A, _TAG_L, _TAG_TUPLE, _TAG_D = b"NTFifsraltd"
_INT, _FLOAT, _SIZE, _ARRAY_HEAD = (struct.Struct(f).unpack_from for f in ("<q", "<d", "<I", "<BB"))
_DTYPE_OBJECTS = tuple(_dtype(d) for d in DTYPES)


def decode(data: bytes | memoryview) -> Any:
    """The value `encode` wrote; raises `WireError` on anything malformed, truncated or over a cap."""
    buf = data if type(data) is bytes else bytes(data)
    end = len(buf)
    pos = 0
    items = 0
    root: list[Any] = []
    stack: list[list] = [[root, 1, _TAG_L, None]]  # [container, items still expected, tag, dict key]
    while stack:
        top = stack[-1]
        if top[1] == 0:
            stack.pop()
            if top[2] == _TAG_TUPLE and stack:
                _store(stack[-1], tuple(top[0]))
            continue
        items += 1
        if items > MAX_ITEMS + 1:
            raise WireError("too many items")
        if pos >= end:
            raise WireError("truncated value")
        tag = buf[pos]
        pos += 1
        if tag == _TAG_N:
            value: Any = None
        elif tag == _TAG_T or tag == _TAG_F:
            value = tag == _TAG_T
        elif tag == _TAG_I or tag == _TAG_FLOAT:
            if pos + 8 > end:
                raise WireError("truncated value")
            value = (_INT if tag == _TAG_I else _FLOAT)(buf, pos)[0]
            pos += 8
        elif tag == _TAG_S or tag == _TAG_R:
            size = _length(buf, pos, end)
            if size > MAX_TEXT_BYTES:
                raise WireError("text too long")
            pos += 4
            if pos + size > end:
                raise WireError("truncated value")
            text = buf[pos : pos + size].decode("utf-8", "replace")
            pos += size
            value = text if tag == _TAG_S else Rejected(text)
        elif tag == _TAG_A:
            value, pos = _take_array(buf, pos, end)
        elif tag == _TAG_L or tag == _TAG_TUPLE or tag == _TAG_D:
            count = _length(buf, pos, end)
            pos += 4
            if count > MAX_ITEMS or len(stack) > MAX_DEPTH + 1:
                raise WireError("a structure too large or too deep")
            container: Any = {} if tag == _TAG_D else []
            top[1] -= 1
            if tag != _TAG_TUPLE:
                _store(top, container)
            stack.append([container, count * 2 if tag == _TAG_D else count, tag, None])
            continue
        else:
            raise WireError(f"unknown tag {bytes([tag])!r}")
        top[1] -= 1
        _store(top, value)
    if pos != end:
        raise WireError("trailing bytes after the value")
    return root[0]


def _length(buf: bytes, pos: int, end: int) -> int:
    if pos + 4 > end:
        raise WireError("truncated value")
    return _SIZE(buf, pos)[0]


def _store(top: list, value: Any) -> None:
    container, _, tag, key = top
    if tag != _TAG_D:
        container.append(value)
    elif key is None:
        if type(value) is not str:
            raise WireError("a dict key that is not a string")
        top[3] = value
    else:
        container[key] = value
        top[3] = None


def _take_array(buf: bytes, pos: int, end: int) -> tuple[np.ndarray, int]:
    """The array at `pos` (a private, writable copy) and the position after it."""
    if pos + 2 > end:
        raise WireError("truncated value")
    code, ndim = _ARRAY_HEAD(buf, pos)
    pos += 2
    if code >= len(DTYPES) or ndim > MAX_NDIM:
        raise WireError("bad array header")
    if pos + 8 * ndim > end:
        raise WireError("truncated value")
    shape = _unpack_from(f"<{ndim}Q", buf, pos)
    pos += 8 * ndim
    dtype = _DTYPE_OBJECTS[code]
    count = 1
    for n in shape:
        count *= n
        if count * dtype.itemsize > MAX_FRAME_BYTES:
            raise WireError("an array larger than a frame")
    size = count * dtype.itemsize
    if pos + size > end:
        raise WireError("truncated value")
    array = _empty(shape, dtype=dtype)
    if count:
        array.reshape(-1)[:] = _frombuffer(buf, dtype=dtype, count=count, offset=pos)
    return array, pos + size


# --- frames ---------------------------------------------------------------------------------------


def frame(payload: bytes) -> bytes:
    """`payload` with its length in front."""
    return _pack("<I", len(payload)) + payload


class FrameReader:
    """Cuts a byte stream into frames; a frame over `limit` bytes is a `WireError`, never buffered."""

    def __init__(self, limit: int = MAX_FRAME_BYTES):
        self.limit = limit
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= 4:
            size = _unpack_from("<I", self.buffer)[0]
            if size > self.limit:
                raise WireError(f"a frame of {size} bytes (the limit is {self.limit})")
            if len(self.buffer) < 4 + size:
                break
            frames.append(bytes(self.buffer[4 : 4 + size]))
            del self.buffer[: 4 + size]
        return frames
