"""The 10_gpu references, the harness's simulated machines and the model solution, on CPU and (marked) CUDA."""
from unittest import mock

import pytest
import torch

from reference import gpu as ref
from reference._harness import load_harness, load_judge
from tests.reference.torch_track import problems, reference_outputs, run, tasks

TASKS = tasks("10_gpu")
HARNESS = load_harness("10_gpu")
JUDGE = load_judge("10_gpu")


def audit(impl, layout, device):
    """What the grader decides about `impl` moving a `layout` batch: the driver's data, judged."""
    return JUDGE.to_device(HARNESS.to_device(impl, layout, device), layout, device)


def tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
    return [t for item in items for t in tensors(item)]
LAYOUTS = ["tensor", "list", "tuple", "dict", "nested"]
MACHINES = [(False, False, "cpu"), (True, False, "cuda"), (False, True, "mps"), (True, True, "cuda")]


def _real_best() -> str:
    return "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"


@pytest.mark.parametrize("cuda,mps,expected", MACHINES)
def test_reference_pick_device_on_simulated_machines(cuda, mps, expected):
    assert ref.pick_device(cuda, mps) == {"device": expected, "is_torch_device": True}


def test_reference_pick_device_on_this_machine_asks_torch():
    assert ref.pick_device(None, None)["device"] == _real_best()


def test_simulation_is_undone_after_the_call():
    before = (torch.cuda.is_available, torch.backends.mps.is_available, torch.cuda.device_count)
    HARNESS.pick_device(lambda: torch.device("cpu"), True, True)
    assert (torch.cuda.is_available, torch.backends.mps.is_available, torch.cuda.device_count) == before
    assert torch.cuda.is_available() == (torch.cuda.device_count() > 0)


def test_simulation_covers_the_accelerator_api():
    if not hasattr(torch, "accelerator"):
        pytest.skip("torch.accelerator is newer than this torch")
    seen = HARNESS.pick_device(lambda: torch.accelerator.current_accelerator() or torch.device("cpu"), False, True)
    assert seen["device"] == "mps"


def test_cuda_branch_of_the_solution_on_a_cpu_machine():
    """The CUDA branch, exercised without a GPU: availability patched, tensors moved to `meta`."""
    solution = {}
    exec(TASKS["pick_device"].exercise.solution_path.read_text(), solution)
    with mock.patch.object(torch.cuda, "is_available", lambda: True):
        device = solution["pick_device"]()
    assert isinstance(device, torch.device) and device.type == "cuda"
    batch = {"x": torch.ones(2), "pair": (torch.zeros(3), "id")}
    moved = solution["to_device"](batch, torch.device("meta"))
    assert moved["x"].is_meta and moved["pair"][0].is_meta and type(moved["pair"]) is tuple
    assert moved["pair"][1] is batch["pair"][1] and batch["x"].device.type == "cpu"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reference_move_is_tensor_to_on_every_leaf(layout):
    batch = HARNESS.make_batch(layout)
    moved = ref.move(batch, torch.device("meta"))
    leaves, originals = tensors(moved), tensors(batch)
    assert leaves and len(leaves) == len(originals)
    for got, want in zip(leaves, originals):
        expected = want.to("meta")
        assert got.is_meta and got.dtype == expected.dtype and got.shape == expected.shape
    assert all(v.device.type == "cpu" for v in originals)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_reference_to_device_reports_everything_kept(layout):
    out = ref.to_device(layout, "meta")
    assert out.pop("problems") == "none"
    assert all(out.values()), out


def test_harness_rejects_what_the_contract_forbids():
    assert HARNESS.pick_device(lambda: "cuda", True, False) == {"device": "cuda", "is_torch_device": False}
    nothing = audit(lambda batch, device: None, "nested", "meta")
    assert not nothing["containers_kept"] and not nothing["tensors_moved"]
    as_list = audit(lambda batch, device: list(ref.move(batch, device)), "tuple", "meta")
    assert not as_list["containers_kept"] and as_list["tensors_moved"]
    zeros = audit(lambda batch, device: torch.zeros_like(batch, device=device), "tensor", "cpu")
    assert not zeros["values_kept"]
    converted = audit(lambda b, d: {k: torch.as_tensor(v).to(d) if not isinstance(v, str) else v
                                    for k, v in b.items()}, "dict", "meta")
    assert not converted["others_untouched"]


def test_solution_matches_reference_on_every_case():
    for name, task in TASKS.items():
        for case, want in reference_outputs(task).items():
            assert not problems(task, run(task, case), want), f"{name} {case}"


def test_every_mistake_fails_some_case():
    for name, task in TASKS.items():
        wanted = reference_outputs(task)
        for mistake in task.spec.mistakes:
            assert any(problems(task, run(task, case, mistake.name), want) for case, want in wanted.items()), mistake.name


@pytest.mark.gpu
def test_real_cuda_device():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA")
    assert ref.pick_device(None, None)["device"] == "cuda"
    assert run(TASKS["pick_device"], "this_machine")["device"] == "cuda"
    batch = HARNESS.make_batch("nested")
    moved = ref.move(batch, torch.device("cuda"))
    assert moved["target"].is_cuda and torch.equal(moved["target"].cpu(), batch["target"])
    out = run(TASKS["to_device"], "nested_to_best_device")
    assert out.pop("problems") == "none" and all(out.values()), out
