"""Timed exam: papers drawn like the real ones, score on the exam's scale, per-domain breakdown, review,
resume after SIGKILL, and the simulator: skip, flag, back, change, review screen, submit, the clock."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader.quiz import answers as answer_forms
from grader.quiz.bank import load_library
from grader.quiz.blueprint import allocate, build_plan, count_papers, library_candidates, paper_spec
from grader.quiz.exam import Action, command, run_exam, start_exam
from grader.quiz.store import Store

from .conftest import FORMATS_BANK, FORMATS_RIGHT, answers_file

REPO = Path(__file__).resolve().parents[2]
RIGHT = {"t.single": "a", "t.multiple": ["c", "a"], "t.numeric": 4.005}


def test_allocate_largest_remainder():
    assert allocate({"a": 0.6, "b": 0.4}, 5) == {"a": 3, "b": 2}
    assert allocate({"a": 0.2, "b": 0.24, "c": 0.36, "d": 0.2}, 65) == {"a": 13, "b": 16, "c": 23, "d": 13}
    assert sum(allocate({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, 10).values()) == 10


def test_plan_has_no_repeats_and_follows_weights(mini):
    library = load_library([mini])
    cert = library.catalog.cert("test-cert")
    plan, coverage = build_plan(library, cert, 5, np.random.default_rng(0))
    ids = [p["question_id"] for p in plan]
    assert len(ids) == len(set(ids)) == 5
    assert sorted(p["domain"] for p in plan) == ["d1", "d1", "d1", "d2", "d2"]
    assert coverage.complete and coverage.weight_covered == 100


def test_scripted_exam_score_and_breakdown(run, mini, tmp_path):
    answers = answers_file(tmp_path, {**RIGHT, "t.tf": False})  # tf wrong, generated unanswered
    result = run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 7, "--answers", answers, "--json")
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["status"] == "finished"
    assert (r["questions"], r["correct"]) == (5, 3)
    assert r["score"]["value"] == 100 + 900 * 3 / 5 == 640
    assert r["score"]["passed"] is False and r["score"]["estimate"] is True
    assert "estimate" in r["score"]["note"].lower()
    domains = {d["id"]: (d["correct"], d["total"]) for d in r["domains"]}
    assert domains == {"d1": (2, 3), "d2": (1, 2)}
    assert len(r["review"]) == 5 and all("explanation" in e for e in r["review"])
    tf = next(e for e in r["review"] if e["question_id"] == "t.tf")
    assert tf["feedback"] == ["It was true."] and tf["correct_text"] == "true"
    gen = next(e for e in r["review"] if e["question_id"] == "t.generated")
    assert gen["given"] is None and gen["params"] is not None
    assert r["time"]["limit_s"] == 600  # 10 minutes for the real 5 questions


def test_exam_passes_with_every_answer_right(run, mini, tmp_path, data_dir):
    # The generated question's values are drawn from the seed; read them from a first attempt.
    first = json.loads(run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 3, "--answers",
                           answers_file(tmp_path, {}), "--json").stdout)
    gen = next(e for e in first["review"] if e["question_id"] == "t.generated")
    answers = answers_file(tmp_path, {**RIGHT, "t.tf": "t", "t.generated": gen["correct_answer"]})
    r = json.loads(run("--bank", mini, "exam", "--cert", "test-cert", "--seed", 3, "--answers", answers, "--json").stdout)
    assert r["correct"] == 5 and r["score"]["value"] == 1000 and r["score"]["passed"] is True


def test_retired_and_partial_coverage_warnings(run, mini, tmp_path):
    result = run("--bank", mini, "exam", "--cert", "old-cert", "-n", 4, "--answers", answers_file(tmp_path, {}))
    assert result.exit_code == 0
    assert "retired on 2025-01-01" in result.stderr
    assert "supplies 2 of the 4 questions" in result.stderr and "(50%)" in result.stderr


def test_exam_usage_errors(run, mini):
    for args, fragment in ((["exam"], "--cert"), (["exam", "--cert", "nope"], "unknown cert"),
                           (["exam", "--resume"], "no unfinished exam")):
        result = run("--bank", mini, *args)
        assert result.exit_code == 2, args
        assert fragment in result.stderr and result.stdout == ""


def _answers(db: Path) -> list[tuple]:
    """(position, given) of every exam answer committed so far (drafts until the exam is submitted)."""
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        try:
            return conn.execute("SELECT position, given FROM quiz_responses WHERE given IS NOT NULL"
                                " ORDER BY position").fetchall()
        except sqlite3.OperationalError:
            return []


def test_killed_exam_resumes_with_every_earlier_answer(mini, tmp_path, data_dir):
    db = data_dir / "progress.sqlite"
    env = {**os.environ, "DLCERT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", "from grader.quiz.cli import quiz; quiz()", "--bank", str(mini),
           "exam", "--cert", "test-cert", "--seed", "11", "--json"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=tmp_path, text=True)
    # The plan is fixed by the seed; answer the first two questions, line by line, then kill.
    given = []
    for n in (1, 2):
        deadline = time.time() + 30
        while True:
            with sqlite3.connect(db) if db.exists() else _null() as conn:
                plan = conn.execute("SELECT plan FROM quiz_sessions").fetchone() if conn else None
            if plan:
                break
            assert time.time() < deadline, "exam did not start"
            time.sleep(0.05)
        qid = json.loads(plan[0])[n - 1]["question_id"]
        answer = {"t.single": "b", "t.multiple": "a,c", "t.tf": "f", "t.numeric": "4", "t.generated": "1"}[qid]
        given.append(qid)
        proc.stdin.write(answer + "\n")
        proc.stdin.flush()
        while len(_answers(db)) < n:
            assert time.time() < deadline, "answer not committed"
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    before = _answers(db)
    assert [row[0] for row in before] == [0, 1]

    from click.testing import CliRunner

    from grader.quiz.cli import quiz

    scripted = {"t.single": "a", "t.multiple": ["a", "c"], "t.tf": True, "t.numeric": 4}
    rest = answers_file(tmp_path, scripted)
    result = CliRunner().invoke(quiz, ["--bank", str(mini), "exam", "--resume", "--cert", "test-cert",
                                       "--answers", str(rest), "--json"])
    assert result.exit_code == 0, result.stderr
    r = json.loads(result.stdout)
    assert r["status"] == "finished" and r["questions"] == 5
    assert r["answered"] == len(set(given) | set(scripted))  # t.generated has no scripted answer
    with sqlite3.connect(db) as conn:
        attempts = dict(conn.execute("SELECT position, given FROM quiz_attempts").fetchall())
    assert {p: attempts[p] for p, _ in before} == dict(before)  # earlier answers kept, as given
    by_id = {e["question_id"]: e for e in r["review"]}
    assert by_id[given[0]]["given"] == json.loads(before[0][1])
    assert r["seed"] == 11


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


# --- the simulator: skip, flag, back, change, review, submit, the clock ---------------------------------



def typed(item, value) -> str:
    """A normalized answer as a person types it with the labels shown."""
    q, shown = item.question, item.shown
    if q.type == "single":
        return shown.label(value)
    if q.type in ("multiple", "ordering"):
        return " ".join(shown.label(k) for k in value)
    if q.type == "matching":
        return " ".join(f"{shown.label(p, 'prompts')}{shown.label(c)}" for p, c in value.items())
    if q.type == "yes_no":
        return " ".join(f"{shown.label(k, 'statements')}{'y' if v else 'n'}" for k, v in value.items())
    return str(value)


class Person:
    """Plays a list of steps: a typed line, or a function of the view returning one; the clock
    moves `seconds` per step."""

    labelled = True

    def __init__(self, steps, clock=None, seconds=1.0):
        self.steps, self.clock, self.seconds = list(steps), clock, seconds
        self.views, self.notices = [], []

    def exam_action(self, view):
        self.views.append(view)
        if self.clock is not None:
            self.clock.now += self.seconds
        step = self.steps.pop(0)
        text = step(view) if callable(step) else step
        return text if isinstance(text, Action) else command(text, at_review=view.item is None)

    def notice(self, text):
        self.notices.append(text)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def right(view):
    return typed(view.item, FORMATS_RIGHT[view.item.id])


def wrong(view):
    q = view.item.question
    if q.type == "single":
        return view.item.shown.label(next(c.key for c in q.choices if c.key != q.answer))
    return typed(view.item, answer_forms.correct_answer(q)) if q.type == "yes_no" else "x"


def test_skip_flag_back_change_review_and_submit(formats, tmp_path):
    library = load_library([formats], check_templates=False)
    with Store(tmp_path / "s.sqlite") as store:
        session = start_exam(library, store, "fmt-cert", seed=4)
        first_single = next(i for i, e in enumerate(session["plan"]) if library.questions[e["question_id"]].question.type == "single")
        steps = [">"] * first_single + [wrong, "!", "", "<", right, f"goto {first_single + 1}", right, "?", "submit"]
        person = Person(steps)
        # from the first single: answered wrong, flag the next, skip it, come back, answer it, then change the first
        r = run_exam(library, store, session, person)
    assert r["status"] == "finished" and not person.steps
    review = {e["position"]: e for e in r["review"]}
    assert review[first_single]["correct"] is True           # the changed answer is the one counted
    assert review[first_single + 1]["correct"] is True and review[first_single + 1]["flagged"] is True
    assert r["flagged"] == [first_single + 2] and r["answered"] == 2
    screen = person.views[-1]
    assert screen.item is None and screen.flagged_numbers == [first_single + 2]
    assert screen.unanswered == [n for n in range(1, 7) if n not in (first_single + 1, first_single + 2)]
    flagged_view = person.views[first_single + 2]
    assert flagged_view.flagged and flagged_view.number == first_single + 2
    again = next(v for v in person.views[first_single + 3:] if v.number == first_single + 1)
    assert again.answer_text is not None                     # going back shows the answer given


def test_unreadable_answer_is_asked_again_and_review_screen_only_navigates(formats, tmp_path):
    library = load_library([formats], check_templates=False)
    with Store(tmp_path / "s.sqlite") as store:
        session = start_exam(library, store, "fmt-cert", seed=4)
        person = Person(["zzz", "?", "a", "1", "q"])
        r = run_exam(library, store, session, person)
    assert r["status"] == "paused" and r["answered"] == 0
    assert "answer with" in person.notices[0] and "review screen" in person.notices[1]
    assert person.views[1].number == 1 and person.views[3].item is None and person.views[4].number == 1


def test_an_answer_after_the_time_limit_is_refused(formats, tmp_path):
    library = load_library([formats], check_templates=False)
    clock = Clock()
    with Store(tmp_path / "s.sqlite") as store:
        session = start_exam(library, store, "fmt-cert", seed=4, time_limit_min=1)
        person = Person([right, right], clock=clock, seconds=40)  # the second answer comes at 80 s
        r = run_exam(library, store, session, person, clock=clock)
    assert r["status"] == "time_up" and r["answered"] == 1 and r["time"]["used_s"] == 60
    assert r["late_answer"]["position"] == 1 and "not counted" in person.notices[-1]
    assert person.views[1].remaining_s == 20


def test_pipe_refuses_a_line_typed_after_the_end(formats, tmp_path, capsys):
    import io

    from grader.quiz.askers import LineAsker

    library = load_library([formats], check_templates=False)
    clock = Clock()

    class Slow(io.StringIO):
        def readline(self):
            clock.now += 40
            return super().readline()

    out = io.StringIO()
    with Store(tmp_path / "s.sqlite") as store:
        session = start_exam(library, store, "fmt-cert", seed=4, time_limit_min=1)
        r = run_exam(library, store, session, LineAsker(Slow("\n\n"), out, False), clock=clock)
    assert r["status"] == "time_up"
    assert "0:20 left" in out.getvalue() and "Time is up" in out.getvalue()


def test_paused_exams_are_kept_and_resume_picks(run, formats, tmp_path, data_dir):
    first = json.loads(run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 1, "--json", input=">\nq\n").stdout)
    assert first["status"] == "paused"
    second = run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 2, "--json", input="q\n")
    assert f"unfinished exam(s) kept: {first['session']}" in second.stderr
    newest = json.loads(second.stdout)["session"]
    picked = run("--bank", formats, "exam", "--resume", "--json", input="q\n")
    assert json.loads(picked.stdout)["session"] == newest and f"also unfinished: {first['session']}" in picked.stderr
    empty = answers_file(tmp_path, {})
    done = json.loads(run("--bank", formats, "exam", "--resume", first["session"], "--answers", empty, "--json").stdout)
    assert done["session"] == first["session"] and done["status"] == "finished"
    again = run("--bank", formats, "exam", "--resume", first["session"])
    assert again.exit_code == 2 and "was submitted" in again.stderr
    assert run("--bank", formats, "exam", "--resume", "x").exit_code == 2
    with Store(data_dir / "progress.sqlite") as store:
        assert [s["id"] for s in store.unfinished("exam")] == [newest]


def test_answers_from_dev_null_and_stdin(run, formats):
    r = run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 1, "--answers", "/dev/null", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["answered"] == 0
    r = run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 1, "--answers", "-", "--json",
            input=json.dumps(FORMATS_RIGHT))
    assert json.loads(r.stdout)["correct"] == 6


def test_hands_on_cert_has_no_paper(run, formats):
    r = run("--bank", formats, "exam", "--cert", "lab-cert")
    assert r.exit_code == 2 and "assessed hands-on" in r.stderr and "dlcert check" in r.stderr


def test_paper_composition(formats):
    library = load_library([formats], check_templates=False)
    cert = library.catalog.cert("fmt-cert")
    for seed in range(8):
        plan, cov = build_plan(library, cert, 6, np.random.default_rng(seed))
        types = [library.questions[p["question_id"]].question.type for p in plan]
        assert cov.complete and len(set(p["question_id"] for p in plan)) == 6
        assert "true_false" not in types and "numeric" not in types      # not this exam's item types
        assert types.count("multiple") >= 2                              # ceil(0.3 * 6)
        assert sorted(p["domain"] for p in plan) == ["f1"] * 3 + ["f2"] * 3
        shop = [i for i, p in enumerate(plan) if p["block"]]
        assert len(shop) == 2 and shop[1] == shop[0] + 1                 # the case study stays together
        assert all(p["shown"] for p in plan if types[plan.index(p)] != "yes_no")
    spec = paper_spec(cert, 6)
    assert count_papers(library_candidates(library, cert, spec), spec) == 1


def test_retake_prefers_unseen_questions(formats, tmp_path):
    twin = FORMATS_BANK.replace("id: mlops.", "id: mlops.twin-").replace("id: foundations.", "id: foundations.twin-") \
        .replace("id: shop\n", "id: shop-twin\n").replace("case_study: shop\n", "case_study: shop-twin\n")
    (formats / "twin.yaml").write_text(twin)
    library = load_library([formats], check_templates=False)
    cert = library.catalog.cert("fmt-cert")
    spec = paper_spec(cert, 6)
    assert count_papers(library_candidates(library, cert, spec), spec) == 2
    with Store(tmp_path / "s.sqlite") as store:
        papers = [{e["question_id"] for e in start_exam(library, store, "fmt-cert")["plan"]} for _ in range(2)]
    assert len(papers[0]) == len(papers[1]) == 6 and not papers[0] & papers[1]


def test_exam_in_a_real_terminal_skip_flag_back_and_the_clock(formats, tmp_path, data_dir):
    """A live countdown in the prompt; ! flags, empty skips, < goes back; when time runs out the
    prompt ends by itself and what was typed is refused with a message."""
    import re

    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "DLCERT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), "COLUMNS": "100",
           "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(sys.executable, ["-c", "from grader.quiz.cli import quiz; quiz()", "--bank", str(formats),
                                           "exam", "--cert", "fmt-cert", "--seed", "4", "--time-limit", "0.08"],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30, dimensions=(40, 100))
    child.expect(r"Question 1/6  ⏱ 0:0\d left")
    child.expect(r"⏱ 0:0(\d) answer>")
    start = int(child.match.group(1))
    child.expect(pexpect.TIMEOUT, timeout=1.2)       # no input: the countdown redraws by itself
    redrawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    assert any(d in redrawn for d in map(str, range(start))), repr(child.before)
    child.sendline("!")
    child.expect(r"Question 1/6  ⏱ 0:0\d left  \[flagged\]")
    child.expect("answer>")
    child.sendline("")
    child.expect("Question 2/6")
    child.expect("answer>")
    child.sendline("<")
    child.expect(r"Question 1/6.*\[flagged\]")
    child.expect("answer>")
    child.send("a")                                   # typed, never entered: the bell rings first
    child.expect(r"Time is up: your answer to question 1 \(.a.\) came after the end and is not counted")
    child.expect("Time is up: unanswered questions count as wrong")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_resume_in_a_terminal_lets_you_pick(run, formats, tmp_path, data_dir):
    pexpect = pytest.importorskip("pexpect")
    older = json.loads(run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 1, "--json", input="q\n").stdout)
    run("--bank", formats, "exam", "--cert", "fmt-cert", "--seed", 2, "--json", input="q\n")
    env = {**os.environ, "DLCERT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), "COLUMNS": "100",
           "NO_COLOR": "1", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(sys.executable, ["-c", "from grader.quiz.cli import quiz; quiz()", "--bank", str(formats),
                                           "exam", "--resume"], env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30)
    child.expect("Unfinished exams")
    child.expect("resume which exam")
    child.sendline(str(older["session"]))
    child.expect("Question 1/6")
    child.expect("answer>")
    child.sendline("q")
    child.expect(rf"Paused .* --resume (\x1b\[[0-9;]*m)*{older['session']}\b")  # rich may style the number
    child.expect(pexpect.EOF)
