"""Gradescope's side of the bundle: grade `<root>/submission` into `<root>/results/results.json`.

`run_autograder` calls `python -m grader.classroom.autograder --root /autograder ...`. The submission
goes through the same safe intake and sandboxed pipeline as `dlcert class grade`; whatever happens,
a valid results.json is written (a broken submission scores 0 and says why). It refuses to grade
(exit 1, and a results.json that says why) where learner code cannot be confined, unless
`--allow-unconfined`; the class secret comes from `--secret-file` or $DLCERT_CLASS_SECRET, never argv.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from grader.atomic import write_text
from grader.classroom.grading import GradeJob, class_secret, close_warm, derive_seed, grade_submission, refusal
from grader.classroom.reports import gradescope_results, parse_visibility


def learner_from_metadata(root: Path) -> str | None:
    """The first submitter's email (else id) from Gradescope's submission_metadata.json."""
    try:
        users = json.loads((root / "submission_metadata.json").read_text()).get("users") or []
        return str(users[0].get("email") or users[0].get("id")) if users else None
    except (OSError, ValueError, AttributeError, IndexError):
        return None


def run(root: Path, tasks: list[str], seed: int, secret: str | None = None, device: str = "cpu",
        budget: float | None = None, visibility: dict[str, str] | None = None, allow_unconfined: bool = False) -> dict:
    started = time.monotonic()
    learner = learner_from_metadata(root) or "submission"
    learner_seed = derive_seed(secret, learner, seed)
    from grader.course import load_course

    job = GradeJob(0, learner, str(root / "submission"), "folder", [t.id for t in load_course().select(tasks)], learner_seed,
                   device, budget=budget, allow_unconfined=allow_unconfined)
    try:
        outcome = grade_submission(job)
    finally:
        close_warm()
    seconds = time.monotonic() - started
    if outcome["status"] == "graded":
        notes = f" Note: {outcome['message']}." if outcome["message"] else ""
        return gradescope_results(outcome["results"], execution_time=seconds, output=f"Graded by dlcert (seed {learner_seed}).{notes}",
                                  visibility=visibility)
    return _zero(job.tasks, outcome["status"], outcome["message"], seconds, visibility)


def _zero(tasks: list[str], status: str, message: str, seconds: float, visibility: dict[str, str] | None = None) -> dict:
    from grader.course import load_course

    zero = [{"task": t, "status": status, "score": 0.0, "max_score": load_course().select([t])[0].spec.points,
             "message": message} for t in tasks]
    return gradescope_results(zero, execution_time=seconds, output=f"Your submission could not be graded: {message}",
                              visibility=visibility)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcert-autograder")
    parser.add_argument("--root", type=Path, default=Path("/autograder"))
    parser.add_argument("--tasks", nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--secret", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--secret-file", type=Path, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--budget", type=float, default=None, help="seconds for the whole hand-in")
    parser.add_argument("--visibility", action="append", default=[], help="VISIBILITY or TARGET=VISIBILITY (Gradescope's)")
    parser.add_argument("--allow-unconfined", action="store_true")
    args = parser.parse_args(argv)
    out = args.root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        problem = _refused(args)
        visibility = parse_visibility(args.visibility)
        if problem:
            from grader.course import load_course

            tasks = [t.id for t in load_course().select(args.tasks)]
            write_text(out, json.dumps(_zero(tasks, "error", problem, 0.0, visibility), indent=2))
            print(problem, file=sys.stderr)
            return 1
        results = run(args.root, args.tasks, args.seed, class_secret(args.secret_file), args.device, args.budget, visibility,
                      args.allow_unconfined)
    except Exception as exc:  # the autograder must always leave a results.json behind
        results = {"score": 0.0, "execution_time": 0, "output": f"The autograder failed: {exc!r}", "tests": []}
        write_text(out, json.dumps(results, indent=2))
        return 1
    write_text(out, json.dumps(results, indent=2))
    return 0


def _refused(args) -> str | None:
    """Why this run must not grade: a secret in argv, or learner code that cannot be confined here."""
    if args.secret is not None:
        return "--secret on the command line is visible to every user of this machine; use --secret-file or DLCERT_CLASS_SECRET"
    if args.allow_unconfined:
        return None
    from grader.sandbox import local_confinement

    confinement = local_confinement()
    return None if confinement.sufficient else refusal(confinement)


if __name__ == "__main__":
    sys.exit(main())
