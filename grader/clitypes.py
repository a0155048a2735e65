"""Click parameter types shared by every subcommand."""
from __future__ import annotations

import click


class PathParam(click.Path):
    """click.Path that refuses an empty string: `--out ''` would otherwise quietly mean the current folder."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("the path is empty", param, ctx)
        return super().convert(value, param, ctx)
