"""The same per-submission grading inline, on local processes and on a Dask LocalCluster; --secret seeds."""
from __future__ import annotations

import subprocess
import time

import pytest

from grader.classroom.classrun import grade_class
from grader.classroom.gradebook import Gradebook
from grader.classroom.grading import DaskExecutor, InlineExecutor, close_all_warm, derive_seed
from tests.classroom import classgen
from tests.classroom.conftest import class_command

TARGETS = ["neurons"]


@pytest.fixture
def small_class(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    classgen.write_folder(folder / "ann", {classgen.rel("neurons"): classgen.solution("neurons")})
    classgen.write_zip(folder / "ben.zip", {classgen.rel("neurons"): classgen.with_task("neurons", "perceptron", "return None")})
    (folder / "cat.zip").write_bytes(b"garbage")
    classgen.write_tar(folder / "dan.tar.gz", {"neurons.py": classgen.solution("neurons")})
    return folder


def statuses(book: Gradebook) -> dict:
    out = {}
    for sub in book.submissions():
        out[sub.learner_id] = (sub.status, {r["task"]: r["status"] for r in book.results(sub.id)})
    return out


WANT = {
    "ann": ("graded", {"neurons.perceptron": "passed", "neurons.dense_forward": "passed"}),
    "ben": ("graded", {"neurons.perceptron": "failed", "neurons.dense_forward": "passed"}),
    "cat": ("corrupt", {}),
    "dan": ("graded", {"neurons.perceptron": "passed", "neurons.dense_forward": "passed"}),
}


def test_inline_executor_and_secret_seeds(small_class, tmp_path):
    with Gradebook(tmp_path / "b.sqlite") as book:
        run = grade_class([small_class], gradebook=book, targets=TARGETS, secret="s3cret", executor=InlineExecutor())
        assert statuses(book) == WANT
        seeds = {s.learner_id: s.seed for s in book.submissions()}
        assert seeds == {name: derive_seed("s3cret", name) for name in WANT}
        assert len(set(seeds.values())) == len(seeds)  # learners cannot share expected outputs
        assert run.graded == 4 and run.failed == 1
        again = grade_class([small_class], gradebook=book, targets=TARGETS, secret="s3cret", executor=InlineExecutor())
        assert again.graded == 0 and again.skipped == 4
        other = grade_class([small_class], gradebook=book, targets=TARGETS, secret="another", executor=InlineExecutor())
        assert other.graded == 4  # new seeds are new results
        before = book.count("results")
        forced = grade_class([small_class], gradebook=book, targets=TARGETS, secret="another", regrade=True, executor=InlineExecutor())
        assert forced.graded == 4 and book.count("results") == before  # regraded in place
    close_all_warm()
    assert derive_seed(None, "ann", 7) == 7
    assert derive_seed("k", "ann") == derive_seed("k", "ann") != derive_seed("k", "ann2")


@pytest.mark.parametrize("window, commits", [(3600.0, 1), (0.0, 3)], ids=["one-batch", "one-per-hand-in"])
def test_graded_hand_ins_are_committed_in_batches(small_class, tmp_path, monkeypatch, window, commits):
    """At scale one transaction per hand-in is an fsync each; results are grouped over a time window."""
    from grader.classroom import classrun

    monkeypatch.setattr(classrun, "COMMIT_EVERY_SECONDS", window)
    calls = []
    with Gradebook(tmp_path / "b.sqlite") as book:
        record = book.record_many
        monkeypatch.setattr(book, "record_many", lambda graded, *rest: (calls.append(len(graded)), record(graded, *rest)))
        grade_class([small_class], gradebook=book, targets=TARGETS, executor=InlineExecutor())
        assert statuses(book) == WANT and len(calls) == commits and sum(calls) == 3
    close_all_warm()


def test_a_changed_submission_is_graded_again(small_class, tmp_path):
    with Gradebook(tmp_path / "b.sqlite") as book:
        grade_class([small_class], gradebook=book, targets=TARGETS, executor=InlineExecutor())
        (small_class / "ann" / classgen.rel("neurons")).write_text(classgen.stub("neurons"))
        run = grade_class([small_class], gradebook=book, targets=TARGETS, executor=InlineExecutor())
        assert run.graded == 1 and run.skipped == 3
        latest = book.latest_submissions()["ann"]
        assert {r["status"] for r in book.results(latest.id)} == {"not_implemented"}
        assert len(book.submissions("ann")) == 2  # the history keeps both
    close_all_warm()


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_verdicts(small_class, tmp_path):
    distributed = pytest.importorskip("distributed")
    started = time.monotonic()
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  protocol="tcp") as cluster, \
            distributed.Client(cluster) as client, Gradebook(tmp_path / "dask.sqlite") as book:
        run = grade_class([small_class], gradebook=book, targets=TARGETS, executor=DaskExecutor(client))
        assert statuses(book) == WANT
        assert run.graded == 4
        workers = {o["worker"] for o in run.outcomes}
        assert workers  # each outcome says where it ran
        again = grade_class([small_class], gradebook=book, targets=TARGETS, executor=DaskExecutor(client))
        assert again.graded == 0 and again.skipped == 4  # the same resumable gradebook
        # the command line, in its own process, against the scheduler's address: --scheduler implies Dask
        done = subprocess.run([*class_command(), "grade", str(small_class), "-t", "neurons", "-g", str(tmp_path / "cli.sqlite"),
                               "--scheduler", cluster.scheduler_address], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "dask workers" in done.stderr
        with Gradebook(tmp_path / "cli.sqlite") as cli_book:
            assert statuses(cli_book) == WANT
    close_all_warm()
    assert time.monotonic() - started < 60
