"""Click parameter types and options shared by every subcommand."""
from __future__ import annotations

import click


class PathParam(click.Path):
    """click.Path that refuses an empty string: `--out ''` would otherwise quietly mean the current folder."""

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            self.fail("the path is empty", param, ctx)
        return super().convert(value, param, ctx)


DEVICE_HELP = ("Where the PyTorch references run: auto = CUDA when there is one, else the CPU (MPS has no float64, "
               "so mps runs them on the CPU). A device named here that this machine lacks is an error (exit 1).")


def _device(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from grader.devices import require

    return require(value)


DEVICE_OPTION = click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto",
                             show_default=True, callback=_device, help=DEVICE_HELP)
