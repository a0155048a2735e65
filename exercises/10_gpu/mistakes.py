"""Known-wrong implementations (run in the namespace of solution.py).

A mutant rebinds the task's name to its mistake, so a recursive mistake calls itself by its own
name, never by the task's.
"""


def pick_device__ignores_mps():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def pick_device__prefers_mps():
    if torch.backends.mps.is_available():
        return torch.device("mps")
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def pick_device__returns_string():
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def to_device__no_dict_recursion(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, list):
        return [to_device__no_dict_recursion(v, device) for v in batch]
    if isinstance(batch, tuple):
        return tuple(to_device__no_dict_recursion(v, device) for v in batch)
    return batch


def to_device__tuple_to_list(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device__tuple_to_list(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [to_device__tuple_to_list(v, device) for v in batch]
    return batch


def to_device__mutates_input(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for key in batch:
            batch[key] = to_device__mutates_input(batch[key], device)
        return batch
    if isinstance(batch, list):
        for i, value in enumerate(batch):
            batch[i] = to_device__mutates_input(value, device)
        return batch
    if isinstance(batch, tuple):
        return tuple(to_device__mutates_input(v, device) for v in batch)
    return batch
