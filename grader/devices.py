"""The devices this machine can run the references on, and the rule for a device asked for by name.

The rule, for every command with `--device`: `auto` picks the best device there is; a device named
explicitly that this machine lacks is an error naming the ones it has (exit 1), never a silent fallback.
"""
from __future__ import annotations

from grader.errors import DlcertError

ALWAYS = ("auto", "cpu")


class DeviceUnavailable(DlcertError):
    """An explicitly requested device is not available here."""


def available() -> list[str]:
    """`cpu`, then `cuda` and `mps` where PyTorch sees them."""
    try:
        import torch
    except ImportError as exc:
        raise DeviceUnavailable(f"PyTorch cannot be imported ({exc}); install it to grade") from exc
    names = ["cpu"]
    if torch.cuda.is_available():
        names.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        names.append("mps")
    return names


def require(requested: str) -> str:
    """`requested` when this machine has it (imports torch only for a named GPU device)."""
    if requested in ALWAYS:
        return requested
    here = available()
    if requested not in here:
        raise DeviceUnavailable(f"--device {requested} was asked for, but {requested.upper()} is not available here "
                                f"(available: {', '.join(here)}; --device auto picks the best of them)")
    return requested
