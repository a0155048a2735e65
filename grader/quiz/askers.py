"""Where answers come from: a script's mapping (`--answers`), lines on a pipe, or a person at a
terminal. Each serves practice and review (`ask`, `feedback`) and the exam (`exam_action`,
`notice`); `labelled` says whether answers use the labels shown (a person) or bank keys (a script).
"""
from __future__ import annotations

import sys
from typing import Any

_TIMEOUT = "__dlcert_time_up__"


class ScriptedAsker:
    """Answers from a mapping in the bank's keys; feedback is collected in the result, not printed.
    In an exam it answers each question it has an answer for, skips the others, then submits."""

    labelled = False
    shows_feedback = False

    def __init__(self, answers: dict[str, Any]):
        self.answers = answers

    def ask(self, item, index, total, remaining_s):
        return self.answers.get(item.id)

    def feedback(self, outcome) -> None:
        pass

    def exam_action(self, view):
        from grader.quiz.exam import Action

        if view.item is None:
            return Action("submit")
        if view.item.id in self.answers:
            return Action("answer", self.answers[view.item.id])
        return Action("next")

    def notice(self, text: str) -> None:
        print(f"note: {text}", file=sys.stderr)


class LineAsker:
    """A pipe: each question is printed as plain text (to stderr under --json) and answered by one
    line of input with the labels shown; end of input stops (an exam pauses)."""

    labelled = True

    def __init__(self, stream, out, show_feedback: bool):
        from rich.console import Console

        self.stream = stream
        self.out = out
        self.console = Console(file=out, highlight=False, no_color=True, width=100)
        self.shows_feedback = show_feedback

    def _line(self) -> str | None:
        line = self.stream.readline()
        return None if not line else line.rstrip("\r\n")

    def ask(self, item, index, total, remaining_s):
        from grader.quiz import render
        from grader.quiz.modes import Quit

        self.out.write(render.plain_question(item, index + 1, total, remaining_s))
        self.out.flush()
        line = self._line()
        if line is None or line.strip().lower() in ("q", "quit"):
            raise Quit()
        return line.strip() or None

    def feedback(self, outcome) -> None:
        from grader.quiz import render

        if self.shows_feedback:
            render.outcome_text(self.console, outcome.to_dict())

    def exam_action(self, view):
        from grader.quiz import render
        from grader.quiz.exam import Action, command

        if view.item is None:
            self.out.write("\n".join(render.review_lines(view)) + "\n")
        else:
            self.out.write(render.plain_question(view.item, view.number, view.total, view.remaining_s,
                                                 flagged=view.flagged, answer_text=view.answer_text, exam=True))
        self.out.flush()
        line = self._line()
        return Action("quit") if line is None else command(line, at_review=view.item is None)

    def notice(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


class InteractiveAsker:
    """A terminal: rich panels; practice re-asks until the answer can be read; an exam prompt shows
    a live countdown and ends by itself when time runs out."""

    labelled = True

    def __init__(self, show_feedback: bool, to_stderr: bool = False):
        from rich.console import Console

        self.console = Console(stderr=to_stderr)  # under --json stdout holds the result only
        self.to_stderr = to_stderr
        self.shows_feedback = show_feedback
        self._session = None

    def ask(self, item, index, total, remaining_s):
        from rich.prompt import Prompt

        from grader.quiz import answers, render
        from grader.quiz.modes import Quit

        render.question_panel(self.console, item, index + 1, total, remaining_s)
        while True:
            try:
                raw = Prompt.ask("answer", console=self.console)
            except (EOFError, KeyboardInterrupt):
                raise Quit() from None
            raw = (raw or "").strip()
            if raw.lower() in ("q", "quit"):
                raise Quit()
            if not raw:
                continue
            try:
                answers.parse(item.question, raw, item.shown)
                return raw
            except answers.AnswerError as exc:
                self.console.print(f"[yellow]{exc}[/]")

    def feedback(self, outcome) -> None:
        from grader.quiz import render

        if self.shows_feedback:
            render.outcome_text(self.console, outcome.to_dict())

    def exam_action(self, view):
        from grader.quiz import render
        from grader.quiz.exam import Action, command

        if view.item is None:
            render.review_screen(self.console, view)
        else:
            render.question_panel(self.console, view.item, view.number, view.total, view.remaining_s,
                                  flagged=view.flagged, answer_text=view.answer_text, exam=True)
        text = self._timed_prompt(view)
        if text is None:
            return Action("quit")
        if isinstance(text, tuple):
            return Action("timeout", text[1])
        return command(text, at_review=view.item is None)

    def _timed_prompt(self, view):
        """The typed line; (_TIMEOUT, what was typed) when the clock ran out first; None on Ctrl-C/D."""
        import asyncio
        import time

        from prompt_toolkit import PromptSession
        from prompt_toolkit.application.current import get_app

        from grader.quiz import render

        if self._session is None:
            from prompt_toolkit.output import create_output

            self._session = PromptSession(output=create_output(stdout=sys.stderr if self.to_stderr else sys.stdout))
        counts = f" {len(view.unanswered)} unanswered · {len(view.flagged_numbers)} flagged · ? review, q pause"

        def message():  # re-drawn every half second: the countdown lives in the prompt itself
            if view.deadline is None:
                return "answer> "
            return f"⏱ {render.clock_text(view.deadline - time.monotonic())} answer> "

        def pre_run():
            if view.deadline is None:
                return
            app = get_app()

            async def ring():
                await asyncio.sleep(max(0.0, view.deadline - time.monotonic()))
                if app.is_running:
                    app.exit(result=(_TIMEOUT, app.current_buffer.text))

            app.create_background_task(ring())

        try:
            return self._session.prompt(message, bottom_toolbar=counts, refresh_interval=0.5, pre_run=pre_run)
        except (EOFError, KeyboardInterrupt):
            return None

    def notice(self, text: str) -> None:
        self.console.print(text, style="yellow", markup=False, highlight=False)

    def choose(self, sessions: list[dict]) -> dict:
        """Let the learner pick one of several unfinished exams (the newest by default)."""
        from rich.prompt import Prompt
        from rich.table import Table

        from grader.quiz import render
        from grader.quiz.modes import Quit

        table = Table(title="Unfinished exams")
        for col in ("id", "cert", "started (UTC)", "answered", "time left"):
            table.add_column(col)
        for s in sessions:
            left = "—" if s["remaining_s"] is None else render.clock_text(s["remaining_s"])
            table.add_row(str(s["id"]), s["cert"], s["started_at"][:16].replace("T", " "),
                          f"{s['answered']}/{s['questions']}", left)
        self.console.print(table)
        ids = [str(s["id"]) for s in sessions]
        try:
            picked = Prompt.ask("resume which exam", choices=ids, default=ids[0], console=self.console)
        except (EOFError, KeyboardInterrupt):
            raise Quit() from None
        return next(s for s in sessions if str(s["id"]) == picked)
