"""Where a checkpoint's files are (the hub layout timm uses: ``model.safetensors`` + ``config.json``), and the error
every weights problem raises. No torch: a run of a cached export resolves a checkpoint's files without it
(:mod:`model.runtime.export_card`)."""

from __future__ import annotations

import json
from pathlib import Path

WEIGHTS_NAME = "model.safetensors"
CONFIG_JSON = "config.json"
WEIGHTS_NAMES = (WEIGHTS_NAME, "pytorch_model.bin")  # what a hub-layout folder may hold, preferred first
CHECKPOINT_SUFFIXES = (".safetensors", ".pth", ".pt", ".bin")


class WeightsError(Exception):
    """A checkpoint could not be found, read or matched; ``str()`` is one readable sentence or two."""


def find_weights_file(folder: Path) -> Path:
    """Return the checkpoint file of a hub-layout ``folder``: ``model.safetensors``, ``pytorch_model.bin``, or
    its only ``.safetensors`` / ``.pth`` / ``.pt`` / ``.bin`` file. Raises :class:`WeightsError` otherwise."""
    folder = Path(folder)
    for name in WEIGHTS_NAMES:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in CHECKPOINT_SUFFIXES)
    if len(found) == 1:
        return found[0]
    if not found:
        raise WeightsError(f"The folder {folder} holds no model.safetensors or other checkpoint file.")
    names = ", ".join(p.name for p in found[:4])
    raise WeightsError(f"The folder {folder} holds several checkpoints ({names}); choose one file.")


def read_config_json(path: Path) -> dict:
    """Return the parsed ``config.json`` at ``path`` ({} when there is none).

    Raises :class:`WeightsError` when it is not a JSON object.
    """
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise WeightsError(f"{path} is not valid JSON ({e}).") from None
    if not isinstance(data, dict):
        raise WeightsError(f"{path} does not hold a JSON object.")
    return data
