"""Expected outputs: the PyTorch references run on the grading device, cached on disk.

Torch is imported only here and only on a cache miss, so a warm `check` never pays for it. The
cache is written only by the grader, in a folder no job can see, and every entry carries an
HMAC-SHA256 under a per-install key (a 0600 file in the user data folder, made on first use): an
entry that does not authenticate (tampered, truncated, written by someone else) is recomputed and
rewritten, never used. Entries are read with O_NOFOLLOW and size-checked: a symlink or a FIFO put in
the cache folder is not followed, it is just a miss.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import hmac
import importlib.util
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from grader import __version__, wire
from grader.cases import Case, build_cases
from grader.course import Task


@dataclass(frozen=True)
class DeviceChoice:
    """Where references run, and why (MPS has no float64, so it falls back to CPU)."""

    name: str
    note: str = ""


def choose_device(requested: str = "auto") -> DeviceChoice:
    import torch

    if requested == "auto":
        if torch.cuda.is_available():
            return DeviceChoice("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return DeviceChoice("cpu", "MPS has no float64: references run on the CPU in float64")
        return DeviceChoice("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ReferenceError_("--device cuda was asked for, but CUDA is not available here")
    if requested == "mps":
        return DeviceChoice("cpu", "MPS has no float64: references run on the CPU in float64")
    return DeviceChoice(requested)


class ReferenceError_(Exception):
    """A reference could not be computed (a course bug, or an unavailable device)."""


def to_torch(value: Any, device: str) -> Any:
    """NumPy arrays become tensors on `device` (float64, int64 or bool); containers are walked."""
    import torch

    if isinstance(value, np.ndarray):  # a copy: a reference never shares memory with a case's inputs
        return torch.from_numpy(np.array(value, order="C")).to(device)
    if isinstance(value, list):
        return [to_torch(v, device) for v in value]
    if isinstance(value, tuple):
        return tuple(to_torch(v, device) for v in value)
    if isinstance(value, dict):
        return {k: to_torch(v, device) for k, v in value.items()}
    return value


def to_numpy(value: Any) -> Any:
    """Tensors become NumPy arrays on the CPU (0-d tensors become Python numbers)."""
    import torch

    if isinstance(value, torch.Tensor):
        array = value.detach().cpu().numpy()
        return array.item() if array.ndim == 0 else array
    if isinstance(value, torch.device):
        return value.type
    if isinstance(value, list):
        return [to_numpy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(to_numpy(v) for v in value)
    if isinstance(value, dict):
        return {k: to_numpy(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def cache_dir() -> Path:
    """DLCERT_CACHE_DIR, else the per-user cache folder."""
    if os.environ.get("DLCERT_CACHE_DIR"):
        return Path(os.environ["DLCERT_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("dlcert", appauthor=False)) / "references"


def data_dir() -> Path:
    """DLCERT_DATA_DIR, else the per-user data folder (where the cache key lives)."""
    if os.environ.get("DLCERT_DATA_DIR"):
        return Path(os.environ["DLCERT_DATA_DIR"])
    import platformdirs

    return Path(platformdirs.user_data_dir("dlcert", appauthor=False))


KEY_BYTES = 32
MAX_ENTRY_BYTES = 256 * 2**20
_MAGIC = b"dlcert-reference-1\n"
ENTRY_SUFFIX = ".ref"
"""Entry files are `<key>.ref` (the folders of the cache's first format, `<key>/`, are ignored)."""


@functools.lru_cache(maxsize=4)
def _install_key(folder: Path) -> bytes:
    """The per-install key, `folder`/cache.key: made on first use (the first maker wins a race), and
    replaced when it is not a private regular file of ours (the cache is then recomputed)."""
    path = folder / "cache.key"
    key = _read_private(path, KEY_BYTES)
    if key is not None and len(key) == KEY_BYTES:
        return key
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".cache.key.{os.getpid()}.{os.urandom(4).hex()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, os.urandom(KEY_BYTES))
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        if len(_read_private(path, KEY_BYTES) or b"") != KEY_BYTES:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return _read_private(path, KEY_BYTES)


def _read_private(path: Path, limit: int) -> bytes | None:
    """A regular file's bytes, without following a link or blocking on a FIFO; None if not one of ours, 0600."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        if hasattr(os, "geteuid") and (info.st_uid != os.geteuid() or info.st_mode & 0o077):
            return None
        return os.read(fd, limit + 1)
    finally:
        os.close(fd)


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def read_entry(folder: Path, name: str) -> Any:
    """The value cached under `name`; raises KeyError when there is none that authenticates."""
    data = _read_private(folder / (name + ENTRY_SUFFIX), MAX_ENTRY_BYTES)
    if data is None or not data.startswith(_MAGIC):
        raise KeyError(name)
    mac, payload = data[len(_MAGIC) : len(_MAGIC) + 32], data[len(_MAGIC) + 32 :]
    if not hmac.compare_digest(mac, _mac(_install_key(data_dir()), name, payload)):
        raise KeyError(name)
    try:
        return wire.decode(payload)
    except wire.WireError as exc:
        raise KeyError(name) from exc


def write_entry(folder: Path, name: str, value: Any) -> None:
    """Cache `value` under `name`, atomically (a private temporary file renamed into place)."""
    payload = wire.encode(value)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + _mac(_install_key(data_dir()), name, payload) + payload)
        os.replace(tmp, folder / (name + ENTRY_SUFFIX))
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _digest(value: Any, h: "hashlib._Hash") -> None:
    if isinstance(value, np.ndarray):
        h.update(f"a{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        h.update(b"l" if isinstance(value, list) else b"t")
        for v in value:
            _digest(v, h)
        h.update(b"]")
    elif isinstance(value, dict):
        h.update(b"d")
        for k in value:
            h.update(repr(k).encode())
            _digest(value[k], h)
        h.update(b"}")
    else:
        h.update(repr(value).encode())


def source_hash(task: Task) -> str:
    """Changes whenever the reference code or the task's spec changes."""
    h = hashlib.sha256(__version__.encode())
    h.update(task.exercise.reference_path.read_bytes())
    h.update(task.spec.model_dump_json().encode())
    return h.hexdigest()


def case_key(task: Task, case: Case, device: str, spec_hash: str) -> str:
    h = hashlib.sha256(f"{task.id}|{case.name}|{device}|{spec_hash}".encode())
    _digest(case.args, h)
    return h.hexdigest()[:32]


@contextlib.contextmanager
def computing(name: str, wait: bool = True) -> Iterator[bool]:
    """Hold the exclusive lock `name` on computing references (a lock file in `data_dir()/locks`, which no
    job can see, released even if the holder is killed); yields False when `wait` is False and another
    process holds it. Where the lock cannot be made (a read-only folder), work goes on unlocked."""
    folder = data_dir() / "locks"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / name, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        yield True
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


MEMORY_ENTRIES = 20_000
"""At most this many reference outputs are kept in a runner's memory (a class with per-learner seeds)."""
PREPARED_TASKS = 2_000
"""At most this many (task, seed) preparations are kept by a runner (`for_seed`)."""


def _freeze(value: Any) -> None:
    """Make every array in `value` read-only, so no grader-side code can change a shared case."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (list, tuple)):
        for v in value:
            _freeze(v)
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v)


class ReferenceRunner:
    """Computes (or fetches from the cache) the reference outputs of a task's cases."""

    def __init__(self, device: str = "auto", use_cache: bool = True):
        self.requested = device
        self.use_cache = use_cache
        self._device: DeviceChoice | None = None
        self._memory: dict[str, Any] = {}
        """Cache entries this runner already read or computed, by key (a warm worker reads each once)."""
        self._prepared: dict[tuple, tuple] = {}
        """(task id, its spec's identity, seed) → (spec, cases, outputs): see `for_seed`."""

    @property
    def device(self) -> DeviceChoice:
        if self._device is None:
            self._device = choose_device(self.requested)
        return self._device

    def _device_key(self) -> str:
        """The cache key's device part. "auto" is one key: CPU and CUDA agree within every tolerance
        (the `gpu` tests prove it), and resolving it would import torch on every run."""
        return self.requested

    def outputs(self, task: Task, cases: list[Case]) -> list[Any]:
        """The raw reference return value per case (tuple, dict or single value).

        Missing ones are computed under the task's lock, and looked up again once it is held: another
        process (the init warm-up, another class worker) may have just computed them."""
        spec_hash = source_hash(task)
        folder = cache_dir()
        keys = [case_key(task, case, self._device_key(), spec_hash) for case in cases]
        results: list[Any] = [None] * len(cases)
        missing = self._look_up(folder, keys, range(len(cases)), results)
        if not missing:
            return results
        with computing(task.id) if self.use_cache else contextlib.nullcontext():
            missing = self._look_up(folder, keys, missing, results)
            if missing:
                function = self._function(task)
            for i in missing:
                results[i] = to_numpy(function(*to_torch(list(cases[i].args.values()), self.device.name)))
                if self.use_cache:
                    write_entry(folder, keys[i], results[i])
                    self._remember(keys[i], results[i])
        return results

    def for_seed(self, task: Task, seed: int) -> tuple[list[Case], list[Any]]:
        """The task's cases for `seed` and their reference outputs, built once per runner: a class worker
        grades many hand-ins of one seed. The cases' arrays are made read-only, since every hand-in shares them."""
        key = (task.id, id(task.spec), seed)
        entry = self._prepared.get(key)
        if entry is None or entry[0] is not task.spec:
            cases = build_cases(task, seed)
            outputs = self.outputs(task, cases)
            for case in cases:
                _freeze(case.args)
            if len(self._prepared) >= PREPARED_TASKS:
                self._prepared.clear()
            entry = self._prepared[key] = (task.spec, cases, outputs)
        return entry[1], entry[2]

    def _look_up(self, folder: Path, keys: list[str], wanted, results: list[Any]) -> list[int]:
        """Fill `results` at `wanted` from memory or the disk cache; the indexes still missing."""
        missing = []
        for i in wanted:
            if self.use_cache and keys[i] in self._memory:
                results[i] = self._memory[keys[i]]
                continue
            if self.use_cache:
                try:
                    results[i] = self._remember(keys[i], read_entry(folder, keys[i]))
                    continue
                except KeyError:
                    pass
            missing.append(i)
        return missing

    def _remember(self, key: str, value: Any) -> Any:
        if len(self._memory) >= MEMORY_ENTRIES:
            self._memory.clear()
        self._memory[key] = value
        return value

    def _function(self, task: Task):
        module = _load_reference(task.exercise.reference_path)
        function = getattr(module, task.name, None)
        if function is None:
            raise ReferenceError_(f"{task.exercise.reference_path} has no reference for {task.name}")
        return function


@functools.lru_cache(maxsize=32)
def _load_reference(path: Path):
    """Import a reference file by path (so a test course can bring its own references)."""
    spec = importlib.util.spec_from_file_location(f"_dlcert_reference_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
