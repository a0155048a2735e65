"""Pictures for a terminal, drawn with plotext: a failing case's curve and bar charts.

Each function takes plain data and returns the picture as text (with ANSI colours unless
`color=False`); the callers decide whether to show it (only on a terminal, never with `--json`).
plotext keeps one global figure, so every picture starts by clearing it.
"""
from __future__ import annotations

import math
from typing import Sequence

from grader.results import Curve, Series

EXPECTED, GOT, FIRST_WRONG = "green", "red", "red+"
TIME_TICKS = {0: "1 µs", 1: "10 µs", 2: "100 µs", 3: "1 ms", 4: "10 ms", 5: "100 ms", 6: "1 s", 7: "10 s", 8: "100 s"}
"""Tick labels of a log-scale time axis whose unit is one microsecond (value = log10 of µs)."""


def _figure(width: int, height: int, title: str):
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.theme("simple")
    figure.plot_size(width, height)
    figure.title(title)
    return plotext, figure


def _text(figure, color: bool) -> str:
    return figure.build().string(colorless=not color)


def curve(c: Curve, width: int = 78, height: int = 16, color: bool = True) -> str:
    """The learner's points against the reference's over the failing case, the first wrong point ringed."""
    plotext, figure = _figure(width, height, f"{c.output} against {c.input}: expected and yours")
    expected = [(x, y) for x, y in zip(c.x, c.expected) if y is not None]
    got = [(x, y) for x, y in zip(c.x, c.got) if y is not None]
    signals = []
    if expected:
        line = figure.signal(*zip(*expected), marker=plotext.marker("dot", EXPECTED)).label("expected")
        signals.append(line.lines())
    if got:
        signals.append(figure.signal(*zip(*got), marker=plotext.marker("x", GOT)).label("yours"))
    first = c.first_wrong
    if first is not None:
        y = c.got[first] if c.got[first] is not None else c.expected[first]
        if y is not None:
            signals.append(figure.signal([c.x[first]], [y], marker=plotext.marker("O", FIRST_WRONG)).label("first wrong"))
    for signal in signals:
        figure.draw(signal)
    figure.label(c.input)
    return _text(figure, color)


def run_series(s: Series, width: int = 38, height: int = 14, color: bool = True) -> str:
    """A value over a run, the learner's (x) against the reference's (•), each over its own run's length."""
    plotext, figure = _figure(width, height, f"{s.name}: yours x, target •")
    for values, marker in ((s.target, plotext.marker("dot", EXPECTED)), (s.yours, plotext.marker("x", GOT))):
        points = [(100.0 * i / max(1, len(values) - 1), v) for i, v in enumerate(values) if v is not None]
        if points:
            figure.draw(figure.signal(*zip(*points), marker=marker))
    ruler = figure.ruler("x")
    ruler.ticks([0, 50, 100], ["0", "50%", "100%"])
    ruler.lim(0, 100)
    figure.label("of training")
    return _text(figure, color)


def bars(labels: Sequence[str], values: Sequence[float], *, title: str, width: int = 78, upper: float | None = None,
         colors: Sequence[str] | None = None, texts: Sequence[str] | None = None, time_axis: bool = False,
         color: bool = True) -> str:
    """Horizontal bars, the first label on top; `time_axis` takes seconds and draws them on a log scale."""
    plotext, figure = _figure(width, len(labels) + 4, title)
    lengths = [_log_microseconds(v) for v in values] if time_axis else list(values)
    marker = [plotext.marker("full", c) for c in reversed(colors)] if colors else None
    figure.draw(figure.bar(list(reversed(labels)), list(reversed(lengths)), orientation="h", width=0.6, marker=marker,
                           labeled=list(reversed(texts)) if texts else False))
    ruler = figure.ruler("x")
    if time_axis:
        top = max(1, math.ceil(max(lengths, default=1)))
        ruler.ticks(list(range(top + 1)), [TIME_TICKS.get(i, f"1e{i - 6} s") for i in range(top + 1)])
        ruler.lim(0, top)
    else:
        ruler.lim(0, upper if upper is not None else max(values, default=1) or 1)
    return _text(figure, color)


def _log_microseconds(seconds: float | None) -> float:
    """Bar length on the log time axis: log10 of the time in µs (0 for none or less than 1 µs)."""
    return max(0.0, math.log10(seconds * 1e6)) if seconds else 0.0
