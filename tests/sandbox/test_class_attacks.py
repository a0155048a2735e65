"""`dlcert class grade` over hostile hand-ins beside honest ones, and the Gradescope autograder on a
hostile submission: attackers score 0, honest learners get exactly their own verdicts, no hand-in,
gradebook row or Gradescope file changes, no secret shows, and nothing outlives the run."""
from __future__ import annotations

import json
import sqlite3
import sys
import time

import pytest

from tests.classroom import classgen
from tests.sandbox.conftest import CANARY, dlcert, reached, render, snapshot, survivors

TASKS = [t.id for t in classgen.course().exercise("activations").tasks]


@pytest.fixture(scope="module")
def graded(world, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs, temp, gradebook = root / "submissions", root / "tmp", root / "gradebook.sqlite"
    temp.mkdir()
    ann = subs / "ann" / classgen.rel("activations")
    classgen.write_folder(subs / "ann", {classgen.rel("activations"): classgen.solution("activations") + f"\n# {CANARY}\n"})
    classgen.write_zip(subs / "ben.zip", {classgen.rel("activations"): classgen.with_task("activations", "relu", "return args[0] * 0")})
    values = {**world.values(root), "OTHER": ann, "GRADEBOOK": gradebook, "SUBMISSIONS": subs, "TEMP": temp, "CLASSMATE": ann}
    for learner, hostile in (("eve", "reach_out.py"), ("trudy", "class_hunter.py"), ("mallory", "class_daemon.py")):
        classgen.write_folder(subs / learner, {classgen.rel("activations"): render(hostile, **values)})
    before = snapshot(subs)
    done = dlcert("class", "grade", str(subs), "--tasks", "activations", "--jobs", "2", "--gradebook", str(gradebook),
                  "--out", str(root / "out"), env={**world.env, "TMPDIR": str(temp)}, cwd=root)
    assert done.returncode == 0, done.stderr
    left = survivors()
    time.sleep(3.5)  # mallory's daemon would wake now
    with sqlite3.connect(gradebook) as conn:
        conn.row_factory = sqlite3.Row
        subs_rows = {r["id"]: r["learner_id"] for r in conn.execute("SELECT id, learner_id FROM submissions")}
        rows = [dict(r) for r in conn.execute("SELECT * FROM results")]
        dump = "\n".join(conn.iterdump())
    by_learner = {}
    for row in rows:
        by_learner.setdefault(subs_rows[row["submission_id"]], {})[row["task"]] = row
    outcomes = json.loads((root / "out" / "outcomes.json").read_text())
    return {"results": by_learner, "dump": dump, "before": before, "after": snapshot(subs), "left": left,
            "temp": sorted(p.name for p in temp.iterdir()), "outcomes": outcomes, "output": done.stdout + done.stderr}


def test_attackers_score_zero_and_honest_learners_get_their_own_verdicts(graded):
    results = graded["results"]
    assert all(r["status"] == "passed" for r in results["ann"].values()) and len(results["ann"]) == len(TASKS)
    assert {t for t, r in results["ben"].items() if r["status"] != "passed"} == {"activations.relu"}
    for attacker in ("eve", "trudy", "mallory"):
        assert sum(r["score"] for r in results[attacker].values()) == 0, attacker
    eve = {task: json.loads(r["checks"])[0]["message"] for task, r in results["eve"].items()}
    assert [r for m in eve.values() for r in reached(m)] == [] and "files with a canary: []" in eve["activations.leaky_relu"]


def test_no_hand_in_is_read_rewritten_or_killed_for(graded):
    assert graded["after"] == graded["before"]  # mallory's daemon and trudy found nothing to write
    trudy = [json.loads(r["checks"])[0]["message"] for r in graded["results"]["trudy"].values()]
    assert not [m for m in trudy if "READ /" in m or "REWROTE" in m or CANARY in m], trudy
    assert all(o["status"] == "graded" for o in graded["outcomes"]["outcomes"])  # no worker died for anyone


def test_the_gradebook_keeps_the_graders_rows_and_no_secret_shows(graded):
    assert sum(r["score"] for r in graded["results"]["mallory"].values()) == 0  # after the daemon's hour
    assert graded["dump"].count(CANARY) == 0 and CANARY not in graded["output"]


def test_nothing_outlives_the_run_and_no_copy_is_left(graded):
    assert graded["left"] == [] and graded["temp"] == []


def test_the_autograder_keeps_its_results_and_secret(world, tmp_path):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    (root / "source" / "secret").write_text(CANARY + "\n")
    classgen.write_folder(root / "submission", {"activations.py": render("reach_out.py", **{**world.values(root), "AUTOGRADER": root})})
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "eve@example.org"}]}))
    done = subprocess_autograder(world, root, "--secret-file", str(root / "source" / "secret"))
    results = json.loads((root / "results" / "results.json").read_text())
    assert done.returncode == 0, done.stderr
    assert results["score"] == 0 and len(results["tests"]) == len(TASKS)
    assert CANARY not in json.dumps(results) and (root / "source" / "secret").read_text() == CANARY + "\n"
    assert survivors() == []


def test_the_autograder_refuses_a_secret_in_argv(world, tmp_path):
    root = tmp_path / "autograder"
    classgen.write_folder(root / "submission", {"activations.py": classgen.solution("activations")})
    done = subprocess_autograder(world, root, "--secret", "visible-to-ps")
    assert done.returncode == 1 and "--secret-file" in done.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 0


def subprocess_autograder(world, root, *args):
    import subprocess

    command = [sys.executable, "-m", "grader.classroom.autograder", "--root", str(root), "--tasks", "activations", *args]
    return subprocess.run(command, env=world.env, capture_output=True, text=True, timeout=300)


def test_class_grade_takes_its_secret_from_a_file_or_the_environment_never_argv(world, tmp_path):
    from grader.classroom.grading import derive_seed

    subs = tmp_path / "subs"
    classgen.write_folder(subs / "ann", {classgen.rel("neurons"): classgen.solution("neurons")})
    args = ("class", "grade", str(subs), "--tasks", "neurons", "--jobs", "1", "--gradebook")
    refused = dlcert(*args, str(tmp_path / "a.sqlite"), "--secret", "visible-to-ps", env=world.env)
    assert refused.returncode == 2 and "--secret-file" in refused.stderr and not (tmp_path / "a.sqlite").exists()
    (tmp_path / "secret").write_text("s3cret\n")
    env = {k: v for k, v in world.env.items() if k != "DLCERT_CLASS_SECRET"}
    for book, extra, environ in (("b", ("--secret-file", str(tmp_path / "secret")), env),
                                 ("c", (), {**env, "DLCERT_CLASS_SECRET": "s3cret"})):
        done = dlcert(*args, str(tmp_path / f"{book}.sqlite"), *extra, env=environ)
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(tmp_path / f"{book}.sqlite") as conn:
            assert conn.execute("SELECT seed FROM submissions").fetchone()[0] == derive_seed("s3cret", "ann")


def test_the_gradescope_bundle_keeps_its_secret_in_a_private_file(tmp_path):
    import zipfile

    from grader.classroom.bundle import write_bundle

    wheel = tmp_path / "dlcert-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    out = write_bundle(tmp_path / "autograder.zip", targets=["neurons"], secret="s3cret-value", wheel=wheel)
    with zipfile.ZipFile(out) as bundle:
        run = bundle.read("run_autograder").decode()
        info = bundle.getinfo("secret")
        assert bundle.read("secret").decode().strip() == "s3cret-value" and (info.external_attr >> 16) & 0o777 == 0o600
        assert "s3cret-value" not in run and '--secret-file "$ROOT/source/secret"' in run
        assert "chmod 600 secret" in bundle.read("setup.sh").decode()
