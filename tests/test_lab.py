"""`dlcert lab gpu`: the measuring function on tiny sizes, the notes, the table and the command."""
import io
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from grader import lab

TINY = {"sizes": (16, 32), "repeats": 2, "warmup": 1, "mlp_shape": (8, 16, 3), "mlp_batch": 4}


def test_cpu_only_run_returns_plain_data():
    report = lab.gpu_lab(device="cpu", **TINY)
    json.dumps(report)  # plain data all the way down
    assert report["device"] is None and report["transfer"] is None
    assert [r["operation"] for r in report["rows"]][:2] == ["matmul 16×16", "matmul 32×32"]
    assert all(r["cpu_s"] > 0 and r["device_s"] is None and r["speedup"] is None for r in report["rows"])
    assert report["rows"][0]["flops"] == 2 * 16**3
    assert any("No CUDA or MPS" in n for n in report["notes"])


def test_notes_explain_a_gpu_run():
    rows = [
        {"operation": "matmul 1000×1000", "flops": 2e9, "cpu_s": 0.02, "device_s": 1e-4, "speedup": 200.0},
        {"operation": "matmul 4096×4096", "flops": 2 * 4096**3, "cpu_s": 1.2, "device_s": 2e-3, "speedup": 600.0},
        {"operation": "matmul 1000×1000 incl. copies to and from cuda", "flops": 2e9, "cpu_s": 0.02, "device_s": 1.5e-3, "speedup": 13.0},
    ]
    report = {"rows": rows, "device": "cuda", "cpu_threads": 8, "repeats": 5, "warmup": 2,
              "transfer": {"bytes": 64 * 2**20, "seconds": 0.005, "gb_per_s": 13.4}}
    text = " ".join(lab.notes(report))
    assert "200×" in text and "600×" in text  # small work hides the GPU
    assert "warm-up" in text.lower() and "synchronised" in text
    assert "1.50 ms" in text and "100 µs" in text  # the copies dwarf the product


def test_timer_takes_the_median():
    import torch

    calls = []
    timer = lab._Timer(torch, repeats=3, warmup=2)
    assert timer(lambda: calls.append(1), torch.device("cpu")) >= 0
    assert len(calls) == 5


def test_render_shows_the_rule_of_thumb():
    from rich.console import Console

    buffer = io.StringIO()
    lab.render(lab.gpu_lab(device="cpu", sizes=(1000,), repeats=1, warmup=0, mlp_shape=(4, 4, 2), mlp_batch=2),
               Console(file=buffer, width=140))
    text = buffer.getvalue()
    assert "rule of thumb" in text and "~1 s CPU, ~1 ms GPU" in text and "no GPU found" in text


def test_command_prints_json_only(monkeypatch):
    monkeypatch.setattr(lab, "QUICK", {"sizes": (8,), "repeats": 1, "warmup": 0})
    result = CliRunner().invoke(lab.lab, ["gpu", "--quick", "--json", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"][0]["operation"] == "matmul 8×8"


def test_command_has_help_and_refuses_a_missing_device():
    import torch

    assert "rule of thumb" in CliRunner().invoke(lab.lab, ["gpu", "--help"]).output
    if not torch.cuda.is_available():
        result = CliRunner().invoke(lab.lab, ["gpu", "--device", "cuda"])
        assert result.exit_code == 1 and "not available" in result.output


def test_importing_the_lab_does_not_import_torch():
    code = "import sys, grader.lab; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.gpu
def test_cuda_timings():
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    report = lab.gpu_lab(device="cuda", **TINY)
    assert report["device"] == "cuda" and report["device_name"]
    assert all(r["device_s"] > 0 and r["speedup"] > 0 for r in report["rows"])
    assert "incl. copies" in report["rows"][2]["operation"]
    assert report["transfer"]["gb_per_s"] > 0
