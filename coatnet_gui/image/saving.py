"""What saving a view or a raw overlay map writes, free of Qt: file names that say what is shown, the JSON
description saved beside a raw map, and atomic writes (a file is either the old one or the whole new one)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from model.atomic import write_bytes_atomically
from model.explain.blocks import block_label
from model.explain.maps import OverlayResult
from model.names import file_stem


def suggested_name(image_name: str | None, result: OverlayResult | None, suffix: str) -> str:
    """Return a file name for the view or map on screen that says what it shows: the image (``image_name``,
    "view" when None), then block (as the window names it), mode and head (attention), mode and channel
    (activations) or class (Grad-CAM) of ``result``, then ``suffix``, e.g. ``boot_S3.0_query_head1.png``. Each part
    is made a valid, readable file-name part by :func:`model.names.file_stem` (``猫.jpg`` -> ``猫_S3.0_…``)."""
    parts = [Path(image_name).stem if image_name is not None else "view"]
    if result is not None:
        spec = result.spec
        parts.append(block_label(result.block))
        if spec.kind == "attention":
            parts.append(spec.attention_mode)
            if spec.uses_head:
                parts.append(f"head{spec.head}" if isinstance(spec.head, int) else f"heads-{spec.head}")
        elif spec.kind == "activation":
            parts.append(spec.activation_mode)
            if spec.activation_mode == "channel":
                parts.append(f"ch{spec.channel}")
        else:
            parts.append("gradcam")
            if spec.class_index is not None:
                parts.append(f"class{spec.class_index}")
            if spec.versus is not None:
                parts += ["vs", f"class{spec.versus}"]
    return "_".join(file_stem(part) for part in parts) + suffix


def map_description(
    result: OverlayResult,
    model_name: str | None,
    model_source: str,
    label_names: list[str],
    image: str | None,
    top_class: int | None,
) -> dict[str, Any]:
    """Return what the raw map of ``result`` holds, for the JSON file saved beside it: model, image, kind,
    block, mode, head, class (and the class B of a contrastive "A vs B" Grad-CAM), query point, grid, value unit
    and range, dtype. ``top_class`` is the predicted class, named when a Grad-CAM spec leaves its class to the
    prediction."""
    spec = result.spec
    array = result.raw()
    gradcam = spec.kind == "gradcam"
    class_index = top_class if gradcam and spec.class_index is None else spec.class_index
    versus = spec.versus if gradcam and spec.versus != class_index else None
    mode = None if gradcam else spec.attention_mode if spec.kind == "attention" else spec.activation_mode
    return {
        "model": model_name,
        "model_source": model_source,
        "image": image,
        "kind": spec.kind,
        "block": result.block.name,
        "block_label": result.block.label,
        "mode": mode,
        "head": spec.head if spec.uses_head else None,
        "channel": spec.channel if spec.kind == "activation" and spec.activation_mode == "channel" else None,
        "class_index": class_index if gradcam else None,
        "class_name": label_names[class_index]
        if gradcam and class_index is not None and class_index < len(label_names)
        else None,
        "versus_index": versus,
        "versus_name": label_names[versus] if versus is not None and versus < len(label_names) else None,
        "query": list(spec.query) if spec.uses_query else None,
        "query_convention": "(fy, fx): fractions of the model's view, from the top left",
        "grid": list(result.block.grid),
        "shape": list(array.shape),
        "panels": [panel.title for panel in result.panels],
        "unit": result.unit,
        "range": [float(array.min()), float(array.max())] if array.size else None,
        "dtype": str(array.dtype),
    }


def write_map(path: str | os.PathLike, array: np.ndarray, metadata: dict[str, Any]) -> Path:
    """Write ``array`` to ``path`` (.npy) and ``metadata`` as JSON beside it (``path`` + ".json"), each
    atomically; return the JSON file's path. Raises OSError."""
    encoded = io.BytesIO()
    np.save(encoded, array)
    write_bytes_atomically(path, encoded.getvalue())
    described = Path(f"{os.fspath(path)}.json")
    text = json.dumps({"file": Path(path).name, **metadata}, indent=2) + "\n"
    write_bytes_atomically(described, text.encode("utf-8"))
    return described
