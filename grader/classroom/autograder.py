"""Gradescope's side of the bundle: grade `<root>/submission` into `<root>/results/results.json`.

`run_autograder` calls `python -m grader.classroom.autograder --root /autograder ...`. The submission
goes through the same safe intake and sandboxed pipeline as `dlcert class grade`; whatever happens,
a valid results.json is written (a broken submission scores 0 and says why).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from grader.classroom.grading import GradeJob, close_warm, derive_seed, grade_submission
from grader.classroom.reports import gradescope_results, parse_visibility


def learner_from_metadata(root: Path) -> str | None:
    """The first submitter's email (else id) from Gradescope's submission_metadata.json."""
    try:
        users = json.loads((root / "submission_metadata.json").read_text()).get("users") or []
        return str(users[0].get("email") or users[0].get("id")) if users else None
    except (OSError, ValueError, AttributeError, IndexError):
        return None


def run(root: Path, tasks: list[str], seed: int, secret: str | None = None, device: str = "cpu",
        budget: float | None = None, visibility: dict[str, str] | None = None) -> dict:
    started = time.monotonic()
    learner = learner_from_metadata(root) or "submission"
    learner_seed = derive_seed(secret, learner, seed)
    from grader.course import load_course

    job = GradeJob(0, learner, str(root / "submission"), "folder", [t.id for t in load_course().select(tasks)], learner_seed, device,
                   budget=budget)
    try:
        outcome = grade_submission(job)
    finally:
        close_warm()
    seconds = time.monotonic() - started
    if outcome["status"] == "graded":
        return gradescope_results(outcome["results"], execution_time=seconds, output=f"Graded by dlcert (seed {learner_seed}).",
                                  visibility=visibility)
    zero = [{"task": t, "status": outcome["status"], "score": 0.0, "max_score": load_course().select([t])[0].spec.points,
             "message": outcome["message"]} for t in job.tasks]
    return gradescope_results(zero, execution_time=seconds, output=f"Your submission could not be graded: {outcome['message']}",
                              visibility=visibility)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcert-autograder")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--secret", default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--budget", type=float, default=None, help="seconds for the whole hand-in")
    parser.add_argument("--visibility", action="append", default=[], help="VISIBILITY or TARGET=VISIBILITY (Gradescope's)")
    args = parser.parse_args(argv)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        results = run(args.root, args.tasks, args.seed, args.secret, args.device, args.budget, parse_visibility(args.visibility))
    except Exception as exc:  # the autograder must always leave a results.json behind
        results = {"score": 0.0, "execution_time": 0, "output": f"The autograder failed: {exc!r}", "tests": []}
        out.write_text(json.dumps(results, indent=2))
        return 1
    out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
