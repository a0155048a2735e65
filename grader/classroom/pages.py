"""The HTML an instructor reads and the feedback a learner gets, from `reports.collect`'s data.

- `write_report(data, out)`: the class page (per-module summary, score distribution, the most common
  named mistakes, a per-task table) and one page per learner (every task: status, score, the
  diagnosis and the failing case), linked both ways.
- `write_feedback(data, folder)`: per learner, one self-contained HTML file and one Markdown file to
  send back (as nbgrader's feedback does): nothing about other learners.

Every page is self-contained (inline CSS and SVG, no scripts, a CSP that fetches nothing) and
escapes everything learners wrote. Chart geometry is computed here so labels never clip or overlap.
"""
from __future__ import annotations

from pathlib import Path

from grader.atomic import write_text
from grader.classroom.reports import ClassData, LearnerSummary

LEARNERS_FOLDER = "learners"
CHAR_PX = 6.8
"""Width of one character of the charts' 11 px monospace labels (0.6 em, plus a margin)."""


def _env():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = num
    env.filters["fence"] = fence
    return env


def fence(text: str) -> str:
    """A Markdown code fence longer than any run of backticks in `text`, so the text cannot close it."""
    import re

    return "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))


def num(value, digits: int = 2) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def class_page(data: ClassData, learners_folder: str = LEARNERS_FOLDER) -> str:
    handed_in = [l.percent for l in data.learners if l.submission_status != "missing"]
    return _env().get_template("class.html.j2").render(
        data=data, learners_folder=learners_folder,
        histogram=histogram(handed_in),
        pass_chart=bar_chart([(s.task, s.pass_rate) for s in data.task_summaries], 100.0, "%"),
        time_chart=bar_chart([(s.task, s.mean_seconds or 0.0) for s in data.task_summaries], None, " s"),
    )


def learner_page(data: ClassData, learner: LearnerSummary, *, feedback: bool = False, class_page_link: str = "../index.html") -> str:
    """One learner's results; `feedback` leaves out links and class figures (the file goes to the learner)."""
    return _env().get_template("learner.html.j2").render(data=data, l=learner, feedback=feedback, back=class_page_link)


def feedback_markdown(data: ClassData, learner: LearnerSummary) -> str:
    return _env().get_template("feedback.md.j2").render(data=data, l=learner).rstrip() + "\n"


def write_report(data: ClassData, out: Path) -> list[Path]:
    """The class page and the learner pages. `out` is a folder (index.html, learners/), or a `.html` file
    whose learner pages go in the folder `<name>-learners` beside it. An existing folder is written into."""
    if out.suffix.lower() == ".html":
        index, folder = out, out.parent / f"{out.stem}-learners"
    else:
        index, folder = out / "index.html", out / LEARNERS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    write_text(index, class_page(data, folder.name))
    written = [index]
    for learner in data.learners:
        path = folder / learner.page
        write_text(path, learner_page(data, learner, class_page_link=f"../{index.name}"))
        written.append(path)
    return written


def write_feedback(data: ClassData, folder: Path) -> list[Path]:
    """`<learner>.html` and `<learner>.md` per learner with a hand-in, in `folder` (made if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for learner in data.learners:
        if learner.submission_status == "missing":
            continue
        html = folder / learner.page
        write_text(html, learner_page(data, learner, feedback=True))
        md = html.with_suffix(".md")
        write_text(md, feedback_markdown(data, learner))
        written += [html, md]
    return written


# --- chart geometry -----------------------------------------------------------------------------


def histogram(percents: list[float], bins: int = 10) -> dict:
    """Score distribution: counts per 10-point bin (100 goes in the last), with bar geometry that leaves
    room above the tallest bar for its count and below the bars for the bin labels."""
    counts = [0] * bins
    for p in percents:
        counts[min(int(p // (100 / bins)), bins - 1)] += 1
    top = max(counts, default=0) or 1
    step, bar, left, chart_top, plot = 46, 38, 8, 18, 120
    labels = [f"{int(i * 100 / bins)}–{int((i + 1) * 100 / bins)}" for i in range(bins)]  # at most 6 characters: < step
    rows = [{"label": labels[i], "count": n, "x": left + i * step, "width": bar, "height": round(plot * n / top, 2),
             "y": round(chart_top + plot - plot * n / top, 2), "mid": left + i * step + bar / 2}
            for i, n in enumerate(counts)]
    return {"bins": rows, "width": left * 2 + bins * step, "height": chart_top + plot + 24, "base": chart_top + plot}


def bar_chart(values: list[tuple[str, float]], scale: float | None, unit: str) -> dict:
    """Horizontal bars: a label column as wide as the longest label, bars scaled to `scale` (or the
    largest value), and the value right of each bar, inside the chart."""
    top = scale or max((v for _, v in values), default=0.0) or 1.0
    label_width = round(max((len(label) for label, _ in values), default=4) * CHAR_PX + 10)
    bar_width, value_width, row = 300, 80, 22
    rows = [{"label": label, "value": value, "y": i * row, "x": label_width, "width": round(bar_width * value / top, 2),
             "text_x": label_width + round(bar_width * value / top, 2) + 5}
            for i, (label, value) in enumerate(values)]
    return {"rows": rows, "width": label_width + bar_width + value_width, "height": len(values) * row + 6, "unit": unit}
