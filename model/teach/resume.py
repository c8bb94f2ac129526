"""The state of an unfinished training run, saved beside the output so that a killed run can continue.

One safetensors file ``<out>.resume``: the tensors (weights, optimiser moments) plus JSON metadata (the
epoch reached, the fingerprint of the data and settings, the optimiser's plain settings). Written atomically
after each epoch; removed when the run finishes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save

from model.atomic import write_bytes_atomically
from model.teach.types import TeachError

SUFFIX = ".resume"


def resume_path(out: Path) -> Path:
    """Return where the run writing ``out`` keeps its resume state."""
    return out.with_name(out.name + SUFFIX)


def fingerprint(*parts: object) -> str:
    """Return a hex digest of ``parts`` (their JSON form): what a resumed run must share with the killed one."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def save_state(
    path: Path, epoch: int, run_fingerprint: str, tensors: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer
) -> None:
    """Write the state after ``epoch`` epochs: ``tensors`` (e.g. ``"w.<name>"`` weights) and ``optimizer``'s
    state, under ``run_fingerprint`` (:func:`fingerprint` of the data and settings), atomically."""
    opt = optimizer.state_dict()
    flat = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    for pid, entry in opt["state"].items():
        for name, value in entry.items():
            flat[f"opt.{pid}.{name}"] = torch.as_tensor(value).detach().cpu().contiguous()
    meta = {"epoch": str(epoch), "fingerprint": run_fingerprint, "param_groups": json.dumps(opt["param_groups"])}
    write_bytes_atomically(path, save(flat, metadata=meta))


def load_state(
    path: Path, run_fingerprint: str, optimizer: torch.optim.Optimizer
) -> tuple[int, dict[str, torch.Tensor]]:
    """Return ``(epochs done, saved tensors)`` of the run saved at ``path`` and restore ``optimizer``'s state;
    ``(0, {})`` when nothing was saved (a run killed before its first save starts again; its features are cached).

    Raises :class:`TeachError` when the state cannot be read or belongs to another run (other data, base or
    settings than ``run_fingerprint`` says).
    """
    if not path.is_file():
        return 0, {}
    try:
        with safe_open(str(path), "pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path))
    except (OSError, SafetensorError, ValueError) as exc:
        raise TeachError(f"The saved run {path} cannot be read ({exc}); run without --resume.") from None
    if meta.get("fingerprint") != run_fingerprint:
        raise TeachError(
            f"The saved run {path.name} was for other images, classes, base or settings; run without --resume to "
            "start again."
        )
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        if key.startswith("opt."):
            _, pid, name = key.split(".", 2)
            state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": json.loads(meta["param_groups"])})
    return int(meta["epoch"]), {k: v for k, v in tensors.items() if not k.startswith("opt.")}
