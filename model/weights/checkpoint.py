"""Checkpoints in the hub layout timm uses (``model.safetensors`` + ``config.json``): writing them, and safely
reading any safetensors or PyTorch weights file."""

from __future__ import annotations

import argparse
import json
import pickle
import re
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from model.atomic import write_bytes_atomically
from model.data.pixels import PreprocessCfg
from model.net.coatnet import CoAtNet
from model.weights.layout import CONFIG_JSON, WEIGHTS_NAME, WeightsError

ALIGN_BYTES = 64  # the alignment torch's CPU allocator gives: what oneDNN expects of weights


def save_checkpoint(
    net: CoAtNet, folder: Path, label_names: list[str] | None = None, preprocess: PreprocessCfg | None = None
) -> Path:
    """Write ``net``'s weights and a timm-style ``config.json`` into ``folder``; return the folder.

    ``config.json`` holds ``architecture`` (the config name), ``num_classes``, ``pretrained_cfg`` (the
    ``preprocess`` settings in timm's dict form, when given) and, when given, ``label_names``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_weights(folder / WEIGHTS_NAME, net, {"format": "pt", "architecture": net.name})
    config = {
        "architecture": net.name,
        "num_classes": net.cfg.num_classes,
        "num_features": net.num_features,
        "global_pool": "avg",
        "pretrained_cfg": {
            **(preprocess.to_pretrained_cfg() if preprocess is not None else {}),
            "num_classes": net.cfg.num_classes,
        },
    }
    if label_names is not None:
        config["label_names"] = list(label_names)
    (folder / CONFIG_JSON).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def write_weights(path: Path, net: CoAtNet, metadata: dict[str, str]) -> None:
    """Write ``net``'s weights (on the CPU, under timm's key names) as one safetensors file ``path`` with the
    string ``metadata``, atomically (the whole file or the old one, never half of it)."""
    state = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    write_bytes_atomically(path, save(state, metadata=metadata))


# --- Reading ---------------------------------------------------------------------------------------------

_WRAPPER_KEYS = ("state_dict_ema", "model_ema", "state_dict", "model")  # timm's order: EMA weights first
_PREFIXES = ("module.", "model.", "_orig_mod.")
_ZIP_MAGIC = b"PK\x03\x04"
_PICKLE_MAGIC = b"\x80"


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Return the tensors of a checkpoint file as a plain state dict on the CPU.

    Reads safetensors, or a PyTorch ``.pth``/``.pt``/``.bin`` with ``torch.load(weights_only=True)`` only (a
    pickle that would run code is refused). A timm training checkpoint's ``state_dict_ema`` / ``model_ema`` /
    ``state_dict`` / ``model`` entry is unwrapped, non-tensor entries are dropped and a ``module.`` /
    ``model.`` / ``_orig_mod.`` prefix shared by every key is removed; every tensor is 64-byte aligned
    (:func:`_aligned`). Raises :class:`WeightsError` with a readable message for missing, empty, truncated, corrupt
    or unsafe files.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise WeightsError(f"Cannot read {path}: {e.strerror or e}.") from None
    if size == 0:
        raise WeightsError(f"{path.name} is empty (0 bytes); it was not saved or downloaded completely.")
    if head.startswith((_ZIP_MAGIC, _PICKLE_MAGIC)):
        obj = _torch_load(path)
    else:
        try:
            obj = load_file(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError) as e:
            raise WeightsError(
                f"{path.name} is not a readable safetensors or PyTorch checkpoint ({e}); it may be truncated "
                "or corrupt, so save or download it again."
            ) from None
    return _to_state_dict(obj, path.name)


def _torch_load(path: Path) -> object:
    """Return what ``torch.load(weights_only=True)`` reads from ``path``, refusing anything beyond tensors and
    plain containers (and ``argparse.Namespace``, which timm's training checkpoints store their ``args`` in)."""
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if "Weights only load failed" in str(e):
            found = re.search(r"GLOBAL ([\w.]+)", str(e))
            what = f" ({found.group(1)})" if found else ""
            raise WeightsError(
                f"Refused to load {path.name}: it is a pickle that would run code or build Python "
                f"objects{what}, not just tensors. Use a .safetensors file, or re-save the weights as a "
                "plain state dict."
            ) from None
        raise WeightsError(f"{path.name} is not a readable PyTorch checkpoint ({e}).") from None
    except (RuntimeError, EOFError, OSError, ValueError) as e:
        reason = str(e).split(". ", 1)[0] or type(e).__name__
        raise WeightsError(f"{path.name} is truncated or corrupt ({reason}); save or download it again.") from None


def _to_state_dict(obj: object, name: str) -> dict[str, torch.Tensor]:
    """Unwrap a training checkpoint, keep the tensors, strip a prefix that every key shares and align them."""
    if isinstance(obj, dict):
        for key in _WRAPPER_KEYS:
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        raise WeightsError(f"{name} holds a {type(obj).__name__}, not a dictionary of tensors.")
    state = {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}
    if not state:
        raise WeightsError(f"{name} contains no tensors.")
    stripped = True
    while stripped:
        stripped = False
        for prefix in _PREFIXES:
            if all(k.startswith(prefix) for k in state):
                state = {k[len(prefix) :]: v for k, v in state.items()}
                stripped = True
    return _aligned(state)


def _aligned(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Return ``state`` with every tensor in memory aligned to :data:`ALIGN_BYTES`: a tensor read from a
    safetensors file is a view into the file's buffer, at any offset, and is copied; the others are kept as they are.

    Why: oneDNN chooses other kernels for weights that are not aligned, so the same network gave logits 1 ulp apart
    (4.8e-7) on an AMD Zen 5 CPU, depending on whether its weights came from a file or from memory."""
    return {key: value if value.data_ptr() % ALIGN_BYTES == 0 else value.clone() for key, value in state.items()}
