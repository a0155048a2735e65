"""How one case is run: the same code drives learner code in the sandbox and trusted code in-process."""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

_monotonic, _errstate = time.monotonic, np.errstate


@dataclass
class Outcome:
    outputs: Any = None
    warnings: list[str] = field(default_factory=list)
    error: BaseException | None = None
    not_implemented: bool = False
    seconds: float = 0.0
    inputs_after: Any = None
    """The arguments as they are after the call (learner code may have changed them)."""


def call(name: str, module: Any, driver: Callable | None, args: dict) -> Outcome:
    """Call task `name` of `module` with `args` (through its harness `driver` if any).

    Overflow, division by zero and invalid operations are warnings here (so instability is seen;
    underflow to 0 is harmless and ignored), and anything raised,
    KeyboardInterrupt and SystemExit included, is caught and returned.
    """
    impl = getattr(module, name)
    outcome = Outcome()
    started = _monotonic()
    with warnings.catch_warnings(record=True) as caught, _errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            if driver is None:
                outcome.outputs = impl(*args.values())
            elif driver.__code__.co_varnames[:1] == ("module",):
                outcome.outputs = driver(module, *args.values())
            else:
                outcome.outputs = driver(impl, *args.values())
        except NotImplementedError:
            outcome.not_implemented = True
        except BaseException as exc:  # learner code may raise anything
            outcome.error = exc
    outcome.seconds = _monotonic() - started
    outcome.inputs_after = args
    outcome.warnings = [f"{w.category.__name__}: {w.message}"[:300] for w in caught][:5]
    return outcome
