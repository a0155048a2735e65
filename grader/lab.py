"""`dlcert lab gpu`: how much faster is the accelerator on this machine, really? (Not graded.)

The guide's rule of thumb is "a 1000×1000 matrix product takes about 1 s on a CPU and about 1 ms on
a GPU". This lab measures that product, a 4096×4096 one and one training step of a small MLP on the
CPU and on the best device here (CUDA, else MPS), plus what copying data to the device costs, and
explains why the measured ratio is not the rule's 1000×. `gpu_lab()` does the work and returns plain
data; the command only renders it (or prints it as JSON). Torch is imported when the lab runs.
"""
from __future__ import annotations

import json
import statistics
import time
from typing import Any, Callable

import click

RULE_OF_THUMB = {"operation": "matmul 1000×1000", "cpu_s": 1.0, "gpu_s": 1e-3, "text": "~1 s CPU, ~1 ms GPU (1000×)"}
FULL = {"sizes": (1000, 4096), "repeats": 5, "warmup": 2}
QUICK = {"sizes": (1000, 2048), "repeats": 3, "warmup": 1}
MLP_SHAPE = (512, 1024, 10)
MLP_BATCH = 256


def gpu_lab(
    *,
    sizes: tuple[int, ...] = FULL["sizes"],
    repeats: int = FULL["repeats"],
    warmup: int = FULL["warmup"],
    device: str = "auto",
    mlp_shape: tuple[int, int, int] = MLP_SHAPE,
    mlp_batch: int = MLP_BATCH,
) -> dict[str, Any]:
    """Time matmuls of each size in `sizes` and one MLP training step on the CPU and on `device`.

    `device` is "auto" (cuda, else mps, else none), "cuda", "mps" or "cpu" (CPU only). Every time
    is the median of `repeats` runs after `warmup` unmeasured ones, with the device synchronised
    before and after each run. Returns plain data (see `render` for what each field means).
    """
    import torch

    accelerator = _accelerator(torch, device)
    devices = [torch.device("cpu")] + ([accelerator] if accelerator else [])
    timer = _Timer(torch, repeats, warmup)
    rows = []
    for n in sizes:
        rows.append(_row(f"matmul {n}×{n}", 2.0 * n**3, {d.type: timer(_matmul(torch, n, d), d) for d in devices}))
    if accelerator is not None and sizes:
        n = min(sizes)
        rows.append(_row(f"matmul {n}×{n} incl. copies to and from {accelerator.type}", 2.0 * n**3,
                         {"cpu": rows[0]["cpu_s"], accelerator.type: timer(_matmul_with_copies(torch, n, accelerator), accelerator)}))
    rows.append(_row(f"MLP training step {mlp_shape[0]}-{mlp_shape[1]}-{mlp_shape[2]}, batch {mlp_batch}", None,
                     {d.type: timer(_mlp_step(torch, mlp_shape, mlp_batch, d), d) for d in devices}))
    transfer = _transfer(torch, max(sizes, default=1000), accelerator, timer) if accelerator else None
    report = {
        "torch": torch.__version__,
        "cpu_threads": torch.get_num_threads(),
        "device": accelerator.type if accelerator else None,
        "device_name": _device_name(torch, accelerator),
        "repeats": repeats,
        "warmup": warmup,
        "rows": rows,
        "transfer": transfer,
        "rule_of_thumb": dict(RULE_OF_THUMB),
    }
    report["notes"] = notes(report)
    return report


def _accelerator(torch, device: str):
    """The device to compare with the CPU, or None (CPU only)."""
    if device == "cpu":
        return None
    cuda, mps = torch.cuda.is_available(), torch.backends.mps.is_available()
    if device == "auto":
        return torch.device("cuda") if cuda else torch.device("mps") if mps else None
    from grader.devices import require

    return torch.device(require(device))  # the one rule: a named device this machine lacks is an error


def _device_name(torch, accelerator) -> str | None:
    if accelerator is None:
        return None
    if accelerator.type == "cuda":
        return torch.cuda.get_device_name(accelerator)
    return "Apple GPU (MPS)"


class _Timer:
    """Median seconds of a callable over `repeats` runs after `warmup` runs, device synchronised."""

    def __init__(self, torch, repeats: int, warmup: int):
        self.torch, self.repeats, self.warmup = torch, max(1, repeats), max(0, warmup)

    def sync(self, device) -> None:
        if device.type == "cuda":
            self.torch.cuda.synchronize(device)
        elif device.type == "mps":
            self.torch.mps.synchronize()

    def __call__(self, work: Callable[[], Any], device) -> float:
        for _ in range(self.warmup):
            work()
        seconds = []
        for _ in range(self.repeats):
            self.sync(device)
            started = time.perf_counter()
            work()
            self.sync(device)  # GPU calls return before the work is done: wait for it
            seconds.append(time.perf_counter() - started)
        return statistics.median(seconds)


def _matmul(torch, n: int, device):
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    return lambda: a @ b


def _matmul_with_copies(torch, n: int, device):
    a, b = torch.randn(n, n), torch.randn(n, n)
    return lambda: (a.to(device) @ b.to(device)).cpu()


def _mlp_step(torch, shape: tuple[int, int, int], batch: int, device):
    d_in, hidden, d_out = shape
    model = torch.nn.Sequential(torch.nn.Linear(d_in, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, d_out)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(batch, d_in, device=device)
    y = torch.randint(0, d_out, (batch,), device=device)

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    return step


def _transfer(torch, n: int, device, timer: _Timer) -> dict[str, float]:
    """Host-to-device copy of one n×n float32 matrix (ordinary, pageable host memory)."""
    host = torch.randn(n, n)
    seconds = timer(lambda: host.to(device), device)
    size = host.numel() * host.element_size()
    return {"bytes": size, "seconds": seconds, "gb_per_s": size / seconds / 1e9}


def _row(name: str, flops: float | None, seconds: dict[str, float]) -> dict[str, Any]:
    cpu = seconds.get("cpu")
    device = next((s for d, s in seconds.items() if d != "cpu"), None)
    return {
        "operation": name,
        "flops": flops,
        "cpu_s": cpu,
        "device_s": device,
        "speedup": cpu / device if cpu and device else None,
    }


def notes(report: dict[str, Any]) -> list[str]:
    """Why the measured figures differ from the rule of thumb, in words, from the report's data."""
    rows, device = report["rows"], report["device"]
    matmuls = [r for r in rows if r["operation"].startswith("matmul") and "incl." not in r["operation"]]
    out = []
    small = matmuls[0] if matmuls else None
    if small:
        gflops = small["flops"] / small["cpu_s"] / 1e9
        out.append(
            f"The rule's ~1 s for the CPU is a teaching figure: a 1000×1000 product is 2 GFLOP, and a modern CPU "
            f"with an optimised BLAS (MKL, OpenBLAS, Accelerate) on {report['cpu_threads']} thread(s) did the "
            f"{small['operation']} in {fmt_seconds(small['cpu_s'])} here ({gflops:.0f} GFLOP/s): much of the rule's "
            f"1000× comes from a CPU figure that is out of date. What ratio remains depends on the GPU and on "
            f"the size of the work.")
    if device is None:
        out.append("No CUDA or MPS device was found (or --device cpu was given): only the CPU was measured. "
                   "Run `dlcert lab gpu` on a machine with an NVIDIA GPU (or a Mac with Apple silicon) to see the other column.")
        return out
    if len(matmuls) >= 2 and matmuls[0]["speedup"] and matmuls[-1]["speedup"]:
        out.append(
            f"Small work hides the GPU: every operation pays a fixed cost (a kernel launch of a few microseconds, "
            f"plus synchronisation), so the {matmuls[0]['operation']} is only {matmuls[0]['speedup']:.0f}× faster, "
            f"while the {matmuls[-1]['operation']}, with {matmuls[-1]['flops'] / matmuls[0]['flops']:.0f}× the work, "
            f"is {matmuls[-1]['speedup']:.0f}× faster. The MLP step is many small operations, hence its modest speed-up.")
    out.append(
        f"Warm-up matters: the first GPU call creates the context, loads kernels and picks algorithms, and can "
        f"take seconds. It is excluded here by {report['warmup']} warm-up run(s); each time is the median of "
        f"{report['repeats']} runs, synchronised before and after (GPU calls return before the work is done, "
        f"so an unsynchronised timer measures only the launch).")
    transfer = report.get("transfer")
    copies = next((r for r in rows if "incl." in r["operation"]), None)
    if transfer:
        text = (f"Copies cost: moving {transfer['bytes'] / 2**20:.0f} MiB from the host to the {device} device took "
                f"{fmt_seconds(transfer['seconds'])} ({transfer['gb_per_s']:.1f} GB/s).")
        if copies and small and small["device_s"]:
            text += (f" With its inputs and result copied each time, the {small['operation']} takes "
                     f"{fmt_seconds(copies['device_s'])} instead of {fmt_seconds(small['device_s'])}: keep the model "
                     f"and the data on the device between steps.")
        out.append(text)
    return out


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def render(report: dict[str, Any], console) -> None:
    """A table of the timings beside the rule of thumb, then the notes."""
    from rich.table import Table

    device = report["device"]
    title = f"CPU ({report['cpu_threads']} threads)" + (f" vs {report['device_name']}" if device else ", no GPU found")
    table = Table(title=title, title_justify="left")
    for column, justify in (("operation", "left"), ("CPU", "right"), (device or "GPU", "right"),
                            ("speed-up", "right"), ("rule of thumb", "left")):
        table.add_column(column, justify=justify)
    rule = report["rule_of_thumb"]
    for row in report["rows"]:
        guide = rule["text"] if row["operation"] == rule["operation"] else ""
        speedup = f"{row['speedup']:.1f}×" if row["speedup"] else "–"
        table.add_row(row["operation"], fmt_seconds(row["cpu_s"]), fmt_seconds(row["device_s"]), speedup, guide)
    console.print(table)
    if console.is_terminal and not console.is_dumb_terminal:
        console.print(timing_bars(report, min(console.width, 100), console.color_system is not None))
    console.print(f"torch {report['torch']}; median of {report['repeats']} runs after {report['warmup']} warm-up run(s).")
    for note in report["notes"]:
        console.print(f"• {note}")


def timing_bars(report: dict[str, Any], width: int, color: bool = True):
    """The CPU and device times of every row, and the host-to-device copy, as bars on a log scale."""
    from rich.text import Text

    from grader import plots

    device = report["device"] or "GPU"
    labels, seconds, colors = [], [], []
    for row in report["rows"]:
        name = row["operation"].split(" incl.")[0].split(",")[0] + (" +copies" if "incl." in row["operation"] else "")
        for who, value, hue in (("CPU", row["cpu_s"], "blue"), (device, row["device_s"], "green")):
            if value is not None and not (who == "CPU" and "incl." in row["operation"]):
                labels.append(f"{name} · {who}")
                seconds.append(value)
                colors.append(hue)
    transfer = report.get("transfer")
    if transfer:
        labels.append(f"copy {transfer['bytes'] / 2**20:.0f} MiB to {device}")
        seconds.append(transfer["seconds"])
        colors.append("yellow")
    return Text.from_ansi(plots.bars(labels, seconds, title="time per run (log scale)", width=width, colors=colors,
                                     texts=[fmt_seconds(v) for v in seconds], time_axis=True, color=color))


@click.group()
def lab() -> None:
    """Hands-on measurements to build intuition (not graded).

    \b
    Example:
      dlcert lab gpu
    """


@lab.command()
@click.option("--quick", is_flag=True, help="Smaller matrices and fewer runs (1000 and 2048, 3 runs).")
@click.option("--repeats", type=click.IntRange(1, 100), help="Timed runs per measurement (the median is shown).")
@click.option("--device", type=click.Choice(["auto", "cuda", "mps", "cpu"]), default="auto", show_default=True,
              help="The device to compare with the CPU (cpu: measure the CPU only).")
@click.option("--json", "as_json", is_flag=True, help="Print the measurements as one JSON object and nothing else.")
def gpu(quick: bool, repeats: int | None, device: str, as_json: bool) -> None:
    """Time matrix products and an MLP step on the CPU and the GPU, beside the guide's rule of thumb.

    The rule: a 1000×1000 matmul takes ~1 s on a CPU and ~1 ms on a GPU. See how far this machine
    is from it, and why.

    \b
    Examples:
      dlcert lab gpu --quick
      dlcert lab gpu --json > timings.json
    """
    settings = dict(QUICK if quick else FULL)
    if repeats:
        settings["repeats"] = repeats
    report = gpu_lab(device=device, **settings)
    if as_json:
        click.echo(json.dumps(report))
        return
    from rich.console import Console

    render(report, Console(highlight=False))
