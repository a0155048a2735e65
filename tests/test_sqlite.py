"""sqlite: one open function checks every file, recovers a damaged one, and serialises writers."""
from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from grader.sqlite import open_db
from grader.store import record_attempts, task_history

TABLES = ("a", "b")


def make(path: Path, rows: int = 500) -> None:
    db = open_db(path, tables=TABLES)
    with db.transaction():
        db.execute("CREATE TABLE a (x TEXT)")
        db.execute("CREATE TABLE b (y TEXT)")
        db.executemany("INSERT INTO a VALUES (?)", [("x" * 200,)] * rows)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def dropped_table(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("DROP TABLE b")
    db.commit()
    db.close()


def a_folder(path: Path) -> None:
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        if (path.parent / name).exists():
            (path.parent / name).unlink()
    path.mkdir()


DAMAGE = [garbage, truncated, dropped_table, a_folder]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_file_is_moved_aside_and_a_new_one_started(tmp_path, capsys, damage):
    path = tmp_path / "state.sqlite"
    make(path)
    damage(path)
    before = path.read_bytes() if path.is_file() else None
    db = open_db(path, tables=TABLES)
    assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
    db.close()
    asides = sorted(p for p in tmp_path.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm")))
    assert len(asides) == 1 and asides[0].suffix == ".sqlite"
    if before is not None:
        assert asides[0].read_bytes() == before  # kept as it was, for whoever wants to look
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and asides[0].name in lines[0]
    assert not (tmp_path / "state.sqlite.lock").exists()


def test_a_sound_file_and_a_file_new_to_its_caller_are_left_alone(tmp_path, capsys):
    path = tmp_path / "state.sqlite"
    make(path)
    open_db(path, tables=TABLES).close()
    open_db(path, tables=("other", "tables")).close()  # the quiz's tables in the grader's file: none yet
    assert sorted(p.name for p in tmp_path.iterdir() if ".damaged-" in p.name) == []
    assert capsys.readouterr().err == ""


def _open_and_write(path: str, barrier, n: int) -> None:
    barrier.wait()
    db = open_db(path, tables=TABLES)
    with db.transaction():
        db.execute("CREATE TABLE IF NOT EXISTS a (x TEXT)")
        db.execute("CREATE TABLE IF NOT EXISTS b (y TEXT)")
        db.execute("INSERT INTO a VALUES (?)", (f"writer {n}",))
    db.close()


def test_processes_that_find_the_same_damage_at_once_recover_it_once(tmp_path):
    path = tmp_path / "state.sqlite"
    garbage(path)
    context = multiprocessing.get_context("forkserver")  # no threads inherited from earlier tests (torch)
    barrier = context.Barrier(3)
    workers = [context.Process(target=_open_and_write, args=(str(path), barrier, n)) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert len([p for p in tmp_path.iterdir() if p.name.endswith(".sqlite") and ".damaged-" in p.name]) == 1
    db = sqlite3.connect(path)
    assert sorted(r[0] for r in db.execute("SELECT x FROM a")) == ["writer 0", "writer 1", "writer 2"]


def _record_in_lockstep(path: str, barrier, rounds: int) -> None:
    for i in range(rounds):
        barrier.wait()
        record_attempts(Path(path), [("m.t", "failed", 0.0, 1.0, f"code {i}", 1, 0.01)])


def test_processes_recording_the_same_code_at_once_make_one_attempt_of_it(tmp_path):
    """watch and a check in another terminal grade the same save: one attempt, checked by both, every time."""
    path = tmp_path / "progress.sqlite"
    record_attempts(path, [])
    rounds, processes = 15, 4
    context = multiprocessing.get_context("forkserver")  # no threads inherited from earlier tests (torch)
    barrier = context.Barrier(processes)
    workers = [context.Process(target=_record_in_lockstep, args=(str(path), barrier, rounds)) for _ in range(processes)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert [w.exitcode for w in workers] == [0] * processes
    db = sqlite3.connect(path)
    assert db.execute("SELECT code_hash, checks FROM attempts ORDER BY id").fetchall() == [
        (f"code {i}", processes) for i in range(rounds)]


def test_a_file_that_is_not_named_like_a_database_is_refused_and_never_moved(tmp_path):
    """`--gradebook roster.csv` is a slip of the keyboard, not a damaged gradebook."""
    from grader.errors import PathError

    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nann,Ann\n")
    with pytest.raises(PathError, match="not named like a database") as caught:
        open_db(roster, tables=TABLES)
    assert caught.value.exit_code == 2 and [p.name for p in tmp_path.iterdir()] == ["roster.csv"]
