"""Writing checkpoints in the Hugging Face hub layout timm uses: ``model.safetensors`` + ``config.json``."""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import save_file

from .coatnet import CoAtNet

WEIGHTS_NAME = "model.safetensors"
CONFIG_JSON = "config.json"


def save_checkpoint(
    net: CoAtNet, folder: Path, label_names: list[str] | None = None, pretrained_cfg: dict | None = None
) -> Path:
    """Write ``net``'s weights and a timm-style ``config.json`` into ``folder``; return the folder.

    ``config.json`` holds ``architecture`` (the config name), ``num_classes``, ``pretrained_cfg``
    (preprocessing) and, when given, ``label_names``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    save_file(state, str(folder / WEIGHTS_NAME), metadata={"format": "pt", "architecture": net.name})
    config = {
        "architecture": net.name,
        "num_classes": net.cfg.num_classes,
        "num_features": net.num_features,
        "global_pool": "avg",
        "pretrained_cfg": dict(pretrained_cfg or {}, num_classes=net.cfg.num_classes),
    }
    if label_names is not None:
        config["label_names"] = list(label_names)
    (folder / CONFIG_JSON).write_text(json.dumps(config, indent=2) + "\n")
    return folder
