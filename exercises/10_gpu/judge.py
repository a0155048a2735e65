"""What the grader decides from the 10_gpu drivers' results (runs in the grader, without torch).

to_device: the returned batch is walked beside the batch as it was given, recording what is wrong:
tensors not moved or changed, containers of another type or reused from the input, other values
replaced, and the input itself modified.
"""
import numpy as np

FLAGS = ("tensors_moved", "values_kept", "containers_kept", "new_containers", "others_untouched")


class _Audit:
    def __init__(self, device, input_containers):
        self.device, self.input_containers = device, input_containers
        self.flags = dict.fromkeys(FLAGS, True)
        self.problems = []

    def fail(self, flag, message):
        self.flags[flag] = False
        self.problems.append(message)

    def walk(self, want, got, path="batch"):
        if not isinstance(got, dict) or not isinstance(got.get("kind"), str):
            got = {"kind": "other", "type": "nothing", "id": None}
        if want["kind"] == "tensor":
            self.tensor(want, got, path)
        elif want["kind"] in ("list", "tuple", "dict"):
            self.container(want, got, path)
        elif got.get("id") != want["id"]:
            self.fail("others_untouched", f"{path} is not the object that was passed in ({got.get('type')})")

    def tensor(self, want, got, path):
        if got["kind"] != "tensor":
            self.fail("tensors_moved", f"{path} should be a tensor, got {got.get('type')}")
        elif got.get("device") != self.device:
            self.fail("tensors_moved", f"{path} is on {got.get('device')}, expected {self.device}")
        elif got.get("dtype") != want["dtype"] or got.get("shape") != want["shape"]:
            self.fail("values_kept", f"{path} is {got.get('dtype')} {got.get('shape')}, expected {want['dtype']} {want['shape']}")
        elif got.get("device") != "meta" and not _same_values(got.get("values"), want["values"]):
            self.fail("values_kept", f"{path} has other values than the tensor passed in")

    def container(self, want, got, path):
        if got.get("type") != want["type"] or got["kind"] != want["kind"]:
            self.fail("containers_kept", f"{path} is a {got.get('type')}, expected a {want['type']}")
        if got.get("id") in self.input_containers:
            self.fail("new_containers", f"{path} is a container of the input, returned as is (build a new one)")
        items = got.get("items") if isinstance(got.get("items"), list) else None
        if want["kind"] == "dict":
            if got["kind"] != "dict" or got.get("keys") != want["keys"] or items is None:
                keys = got.get("keys") if got["kind"] == "dict" else f"none (a {got.get('type')})"
                self.structure_lost(want, path, f"{path} has keys {keys}, expected {want['keys']}")
                return
            for key, w, g in zip(want["keys"], want["items"], items):
                self.walk(w, g, f"{path}[{key!r}]")
        else:
            if got["kind"] not in ("list", "tuple") or items is None or len(items) != len(want["items"]):
                self.structure_lost(want, path, f"{path} should hold {len(want['items'])} items")
                return
            for i, (w, g) in enumerate(zip(want["items"], items)):
                self.walk(w, g, f"{path}[{i}]")

    def structure_lost(self, want, path, message):
        self.fail("containers_kept", message)
        if any(n["kind"] == "tensor" for n in _nodes(want)):
            self.flags["tensors_moved"] = False


def _nodes(node):
    yield node
    for item in node.get("items") or []:
        yield from _nodes(item)


def _same_values(got, want):
    return isinstance(got, np.ndarray) and isinstance(want, np.ndarray) and got.shape == want.shape and bool(np.array_equal(got, want))


def _unchanged(before, after):
    """The input batch is the same objects at the same places afterwards, its tensors still on the CPU with their values."""
    ours, theirs = list(_nodes(before)), list(_nodes(after)) if isinstance(after, dict) else []
    return len(ours) == len(theirs) and all(
        a.get("id") == b["id"] and a.get("kind") == b["kind"] and a.get("keys") == b.get("keys")
        and (b["kind"] != "tensor" or (a.get("device") == "cpu" and _same_values(a.get("values"), b["values"])))
        for a, b in zip(theirs, ours))


def to_device(raw, layout, device):
    before = raw["before"]
    audit = _Audit(raw["target"], {n["id"] for n in _nodes(before) if n["kind"] in ("list", "tuple", "dict")})
    audit.walk(before, raw["returned"])
    input_unchanged = _unchanged(before, raw["after"])
    if not input_unchanged:
        audit.problems.insert(0, "the batch passed in was modified (return new containers instead)")
    return {**audit.flags, "input_unchanged": bool(input_unchanged), "problems": "; ".join(audit.problems[:3]) or "none"}
