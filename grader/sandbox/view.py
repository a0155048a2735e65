"""What a job's process may see: the interpreter's standard library, its track's packages, the
system's shared libraries and three devices, each at its own path and read-only; nothing else.

A `View` is built once per supervisor and track. With a mount namespace it becomes the job's root
(`mount_root`: a tmpfs with read-only bind mounts, the folders in between 0755, then pivot_root);
without one, the same view becomes a Landlock allowlist (`allowlist`). Folders inside a shown
folder that must stay hidden (site-packages, dlcert's own package, the reference cache, ...) are
`masks`: empty in the root, left out of the allowlist.
"""
from __future__ import annotations

import functools
import glob
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import kernel, landlock

SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32", "/lib", "/lib64", "/lib32", "/libx32")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")
CPU_INFO = "/sys/devices/system/cpu"
"""Read by PyTorch's CPU detection at import (it prints an error to stderr without it)."""
CUDA_PATHS = ("/sys/module/nvidia", "/sys/bus/pci/devices", "/sys/devices")
SCRATCH = "/tmp"
"""The one writable folder inside a job's root (also its HOME and TMPDIR)."""


@dataclass(frozen=True)
class View:
    binds: tuple[str, ...]
    """Host folders and files shown read-only at their own path."""
    masks: tuple[str, ...]
    """Folders inside `binds` shown empty (binds inside them are shown again on top)."""
    links: tuple[tuple[str, str], ...]
    """Symbolic links to recreate at the top (e.g. /lib -> usr/lib on merged-/usr systems)."""
    devices: tuple[str, ...]
    """Device files shown read-write."""
    listed: tuple[str, ...] = ()
    """Import folders that hold shown packages: their names must be listable (Python's importer lists them)."""


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


def _package_paths(name: str) -> list[str]:
    """The folder of an importable package and the bundled-library folder beside it, if any."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = list(spec.submodule_search_locations)[0]
    libs = os.path.join(os.path.dirname(folder), f"{name}.libs")
    return [folder] + ([libs] if os.path.isdir(libs) else [])


def _distribution_paths(root: str) -> list[str]:
    """Every top-level file and folder of distribution `root` and of the installed ones it requires."""
    from importlib import metadata

    seen, todo, paths = set(), [root], set()
    while todo:
        name = todo.pop()
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        paths.update(_top_level(dist))
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(re.match(r"[A-Za-z0-9._-]*", requirement).group().rstrip("."))
    return sorted(p for p in paths if os.path.exists(p))


def _top_level(dist) -> set[str]:
    """A distribution's top-level entries in its site-packages folder (and its .dist-info folder)."""
    info = getattr(dist, "_path", None)
    names = (dist.read_text("top_level.txt") or "").split()
    if info is not None and names:
        site = os.path.dirname(str(info))
        found = {str(info)}
        for name in names:
            found.update(glob.glob(os.path.join(site, name)) + glob.glob(os.path.join(site, name + ".*")))
        return found
    tops = {file.parts[0] for file in dist.files or [] if file.parts and file.parts[0] != ".."}
    return {os.path.normpath(str(dist.locate_file(top))) for top in tops if top != "__pycache__" and not top.endswith(".pth")}


def _stdlib_paths() -> list[str]:
    paths = {os.path.dirname(os.__file__), *(p for p in sys.path if os.path.basename(p) == "lib-dynload")}
    return sorted(os.path.realpath(p) for p in paths if os.path.isdir(p))


def _dlcert_paths() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    return [str(root / name) for name in ("grader", "exercises", "reference")]


@functools.lru_cache(maxsize=4)
def build(track: str, hidden: tuple[str, ...] = ()) -> View:
    """The view of `track` ("numpy" or "torch"); `hidden` are more paths that must never show."""
    binds, links = [], []
    for path in SYSTEM_LIBRARIES:
        if os.path.islink(path):
            links.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            binds.append(path)
    if os.path.isfile("/etc/ld.so.cache"):
        binds.append("/etc/ld.so.cache")
    binds += _stdlib_paths() + _package_paths("numpy")
    devices = [d for d in DEVICES if os.path.exists(d)]
    if track == "torch":
        binds += _distribution_paths("torch")
        binds += [CPU_INFO] if os.path.isdir(CPU_INFO) else []
        cuda = sorted(glob.glob("/dev/nvidia*"))
        if cuda:
            devices += [d for d in cuda if not os.path.isdir(d)]
            binds += [p for p in CUDA_PATHS if os.path.exists(p)]
    binds = sorted({os.path.realpath(b) for b in binds})
    candidates = {os.path.realpath(p) for p in [*sys.path, *_site_paths(), *_dlcert_paths(), *hidden] if p}
    masks = sorted(c for c in candidates if c not in binds and os.path.isdir(c) and any(_inside(c, b) for b in binds))
    shown = [b for b in binds if not any(_inside(b, o) for o in binds if o != b) or any(_inside(b, m) for m in masks)]
    listed = sorted({os.path.realpath(p) for p in sys.path if p and any(_inside(b, os.path.realpath(p)) for b in shown)})
    return View(tuple(shown), tuple(masks), tuple(links), tuple(devices), tuple(listed))


def _site_paths() -> list[str]:
    """Every site-packages folder this interpreter knows of, its base installation's included."""
    import site
    import sysconfig

    paths = [os.path.join(p, name) for p in _stdlib_paths() for name in ("site-packages", "dist-packages")]
    paths += glob.glob("/usr/lib*/python*/*-packages")
    base = sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    paths += [base["purelib"], base["platlib"]]
    try:
        paths += [*site.getsitepackages(), site.getusersitepackages()]
    except AttributeError:  # a virtualenv's old site.py
        pass
    return paths


# --- as a root (mount namespace) ------------------------------------------------------------------


def _order(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _locked_flags(fd: int) -> int:
    """The flags a bind mount of `fd`'s mount must keep when remounted (a user namespace may not drop them)."""
    f = os.fstatvfs(fd).f_flag
    flags = 0
    for st, ms in ((os.ST_NOEXEC, kernel.MS_NOEXEC), (os.ST_NOATIME, kernel.MS_NOATIME),
                   (os.ST_NODIRATIME, kernel.MS_NODIRATIME), (os.ST_RELATIME, kernel.MS_RELATIME)):
        if f & st:
            flags |= ms
    return flags


def _make_mountpoint(target: str, is_dir: bool) -> None:
    if os.path.lexists(target):
        return
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if is_dir:
        os.mkdir(target, 0o755)
    else:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))


def mount_root(view: View, base: str, scratch_mb: int, uid: int, gid: int) -> None:
    """Make `view` this process's root, with a private tmpfs of `scratch_mb` MiB at /tmp.

    Runs in a fresh mount namespace (and PID namespace, for /proc) with CAP_SYS_ADMIN there. `base`
    is an existing host folder to build on; the host paths are opened first, so binding them works
    even when they lie under `base`.
    """
    kernel.mount(None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
    sources = {p: os.open(p, os.O_PATH | os.O_CLOEXEC) for p in (*view.binds, *view.devices) if os.path.exists(p)}
    try:
        kernel.mount("tmpfs", base, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "mode=0755,size=4m,nr_inodes=8192")
        os.chmod(base, 0o755)
        # The scratch first: a bind that lies under /tmp on the host (a venv in /tmp) is shown on top of it.
        _make_mountpoint(base + SCRATCH, True)
        kernel.mount("tmpfs", base + SCRATCH, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV,
                     f"mode=0700,uid={uid},gid={gid},size={scratch_mb}m,nr_inodes=4096")
        for path in sorted([*view.binds, *view.masks], key=_order):
            target = base + path
            if path in view.masks:
                _make_mountpoint(target, True)
                kernel.mount("tmpfs", target, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "mode=0755,size=64k")
                continue
            if path not in sources:
                continue
            fd = sources[path]
            _make_mountpoint(target, stat.S_ISDIR(os.fstat(fd).st_mode))  # the host path itself may lie under `base`
            kernel.mount(f"/proc/self/fd/{fd}", target, None, kernel.MS_BIND | kernel.MS_REC)
            kernel.mount(None, target, None, kernel.MS_REMOUNT | kernel.MS_BIND | kernel.MS_RDONLY | kernel.MS_NOSUID
                         | kernel.MS_NODEV | _locked_flags(fd))
        for mask in view.masks:
            kernel.mount(None, base + mask, None, kernel.MS_REMOUNT | kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV)
        for device in view.devices:
            if device in sources:
                _make_mountpoint(base + device, False)
                kernel.mount(f"/proc/self/fd/{sources[device]}", base + device, None, kernel.MS_BIND)
        for link, points_to in view.links:
            if not os.path.lexists(base + link):
                os.symlink(points_to, base + link)
    finally:
        for fd in sources.values():
            os.close(fd)
    _make_mountpoint(base + "/proc", True)
    kernel.mount("proc", base + "/proc", "proc", kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC)
    os.mkdir(base + "/.old", 0o700)
    kernel.pivot_root(base, base + "/.old")
    os.chdir("/")
    kernel.umount2("/.old", kernel.MNT_DETACH)
    os.rmdir("/.old")
    kernel.mount(None, "/", None, kernel.MS_REMOUNT | kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV)


# --- as an allowlist (Landlock) -------------------------------------------------------------------


def allowlist(view: View, scratch: str, in_root: bool) -> list[tuple[str, int]]:
    """Landlock rules for `view`: read-only binds, read-write devices and `scratch`.

    In a job's own root the masks are already empty mounts; on the host's filesystem (`in_root`
    false) each bind that holds a mask is granted entry by entry instead, around the mask.
    """
    return [(scratch, landlock.SCRATCH), *_shown_rules(view, in_root)]


@functools.lru_cache(maxsize=8)
def _shown_rules(view: View, in_root: bool) -> tuple[tuple[str, int], ...]:
    rules: list[tuple[str, int]] = [(d, landlock.DEVICE | (landlock.IOCTL_DEV if "nvidia" in d else 0)) for d in view.devices]
    if in_root:  # every folder of the job's own root may be listed: it holds only what the view shows
        return (*rules, ("/", landlock.READ_DIR), ("/proc", landlock.READ), *((b, landlock.READ) for b in view.binds))
    rules += [(folder, landlock.READ_DIR) for folder in view.listed]
    for bind in view.binds:
        rules += _around_masks(bind, view.masks)
    return tuple(rules)


def _around_masks(path: str, masks: tuple[str, ...]) -> list[tuple[str, int]]:
    if path in masks:
        return []
    if not any(_inside(m, path) for m in masks):
        return [(path, landlock.READ)]
    rules = [(path, landlock.READ_DIR)]
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return rules
    for name in names:
        rules += _around_masks(os.path.join(path, name), masks)
    return rules
