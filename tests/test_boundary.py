"""boundary: every failure of every command is one line and a documented exit status, never a traceback."""
from __future__ import annotations

import errno

import pytest
from click.testing import CliRunner

from grader import progress
from grader.boundary import EXIT_CRASH, EXIT_INTERRUPTED
from grader.cli import main


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


def run_list(ws, monkeypatch, exc: BaseException, **env):
    """`dlcert list` with the progress reader raising `exc`."""
    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr(progress, "states", broken)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, ["list", "--workspace", str(ws)])


def test_an_unexpected_exception_is_one_line_and_a_crash_log(ws, monkeypatch, tmp_path):
    result = run_list(ws, monkeypatch, ValueError("boom"), DLCERT_DATA_DIR=str(tmp_path / "data"))
    assert result.exit_code == EXIT_CRASH
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "ValueError: boom" in lines[0] and "Traceback" not in result.output
    logs = list((tmp_path / "data" / "crashes").iterdir())
    assert len(logs) == 1 and str(logs[0]) in lines[0]
    text = logs[0].read_text()
    assert "Traceback" in text and "ValueError: boom" in text and "dlcert" in text


def test_dlcert_debug_lets_the_traceback_through(ws, monkeypatch):
    result = run_list(ws, monkeypatch, ValueError("boom"), DLCERT_DEBUG="1")
    assert isinstance(result.exception, ValueError)


def test_ctrl_c_is_exit_130_with_one_line(ws, monkeypatch):
    result = run_list(ws, monkeypatch, KeyboardInterrupt())
    assert result.exit_code == EXIT_INTERRUPTED
    assert len(result.stderr.strip().splitlines()) == 1 and "Interrupted" in result.stderr


@pytest.mark.parametrize("code, status", [(errno.EACCES, 1), (errno.ENOENT, 2)], ids=["permission", "missing"])
def test_an_os_error_on_a_path_names_the_path_and_the_reason(ws, monkeypatch, code, status):
    result = run_list(ws, monkeypatch, OSError(code, "the reason", "/some/where.txt"))
    assert result.exit_code == status
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("Error: cannot open /some/where.txt: ")


def test_a_usage_error_keeps_stdout_empty_under_json(ws):
    result = CliRunner().invoke(main, ["check", "nonsense", "--json", "--workspace", str(ws)])
    assert result.exit_code == 2 and result.stdout == "" and "Traceback" not in result.stderr
