"""The whole attack suite again, as an unprivileged user (CI runs as root; learners do not).

The user is made up here: a fresh uid with no passwd entry. It cannot reach a Python that lives
under a 0700 folder (/root on this machine and on many CI images), so the run gets a private mount
namespace in which each such folder is a 0755 tmpfs with just the needed paths bound back. The
reference cache and its key are copied to the user, so the run stays warm.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sandbox.conftest import REPO

USER_ID = 47_321


def _closed_folders(paths: list[Path]) -> dict[Path, set[Path]]:
    """Each folder others cannot enter on the way to `paths`, with the children that lead to them."""
    closed: dict[Path, set[Path]] = {}
    for path in paths:
        parts = path.resolve().parts
        for i in range(1, len(parts) - 1):
            folder = Path(*parts[: i + 1])
            if not folder.stat().st_mode & stat.S_IXOTH:
                closed.setdefault(folder, set()).add(Path(*parts[: i + 2]))
                break
    return closed


def _mount_script(closed: dict[Path, set[Path]]) -> str:
    """Shell lines that open each closed folder: keep its needed children aside, tmpfs it, bind them back."""
    lines = ["set -e", "mount --make-rprivate /", "mkdir -p /run/dlcert-user-test"]
    for n, (folder, children) in enumerate(sorted(closed.items())):
        for m, child in enumerate(sorted(children)):
            lines += [f"mkdir -p /run/dlcert-user-test/{n}-{m}", f"mount --bind '{child}' /run/dlcert-user-test/{n}-{m}"]
        lines.append(f"mount -t tmpfs -o mode=0755 tmpfs '{folder}'")
        for m, child in enumerate(sorted(children)):
            lines += [f"mkdir -p '{child}'", f"mount --bind /run/dlcert-user-test/{n}-{m} '{child}'"]
    return "\n".join(lines)


@pytest.fixture
def user_home():
    """A home for the user, outside pytest's 0700 temporary folders."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="dlcert-user-"))
    home.chmod(0o755)
    yield home / "home"
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="making an unprivileged user needs root (CI runs as root)")
def test_the_attack_suite_holds_for_an_unprivileged_user(user_home):
    if shutil.which("setpriv") is None or shutil.which("unshare") is None:
        pytest.skip("needs util-linux's setpriv and unshare to run the suite as another user")
    from grader.references import cache_dir, data_dir

    home = user_home
    home.mkdir()
    for folder, source in (("cache", cache_dir()), ("data", data_dir())):
        shutil.copytree(source, home / folder) if source.is_dir() else (home / folder).mkdir(parents=True)
    (home / "tmp").mkdir()
    for path in [home, *home.rglob("*")]:
        os.chown(path, USER_ID, USER_ID, follow_symlinks=False)
    for parent in home.parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            pytest.skip(f"{parent} cannot be entered by another user")
    needed = [Path(sys.base_prefix), Path(sys.prefix), REPO, Path(os.path.realpath(sys.executable))]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "TMPDIR": str(home / "tmp"),
           "DLCERT_CACHE_DIR": str(home / "cache"), "DLCERT_DATA_DIR": str(home / "data"), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}
    inner = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/sandbox", "-k", "not unprivileged_user"]
    script = _mount_script(_closed_folders(needed)) + "\nexec setpriv --reuid={0} --regid={0} --clear-groups \"$@\"".format(USER_ID)
    done = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", *inner], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "skipped" not in done.stdout.splitlines()[-1], done.stdout[-2000:]
