"""Run a command where the kernel refuses what a container refuses: `python restricted.py [--no-landlock] CMD...`.

A seccomp filter makes namespaces and mounts fail with EPERM, as Docker's default profile does (and
with --no-landlock the Landlock calls too, as on an old kernel or an older profile), then execs CMD.
It is how the tests reach the sandbox's fallbacks on a machine that has everything.
"""
import os
import sys

from grader.sandbox import kernel, seccomp

CONTAINER = ("unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen", "fsmount")
LANDLOCK = ("landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self")


def main(argv: list[str]) -> None:
    no_landlock = argv[:1] == ["--no-landlock"]
    command = argv[1:] if no_landlock else argv
    kernel.no_new_privs()
    seccomp.install(seccomp.build(CONTAINER + (LANDLOCK if no_landlock else ()), kernel.CLONE_NAMESPACES, False))
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
