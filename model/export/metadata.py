"""What travels with an exported model: class names, preprocessing, base architecture, where the names came from.

The same description goes into the ONNX file's ``metadata_props`` (string values; lists and objects as JSON) and
into a JSON sidecar beside it, so another program needs nothing else to feed the file and read its output:

    {"format": "coatnet-lens-onnx", "version": 1, "architecture": "coatnet_fmnist_96", "class_names": [...],
     "label_source": "the checkpoint", "preprocess": {"input_size": [96, 96], "interpolation": "bicubic",
     "mean": [...], "std": [...], "crop_pct": 0.95, "crop_mode": "center"}, "input": "pixels", "output": "logits", ...}

Pure Python: no torch, no onnx. :func:`read_description` turns it back into a :class:`ModelInfo`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from model.data.pixels import PreprocessCfg
from model.weights.info import ModelInfo
from model.weights.labels import describe_labels
from model.weights.layout import WeightsError

FORMAT, VERSION = "coatnet-lens-onnx", 1
INPUT_NAME, OUTPUT_NAME = "pixels", "logits"
_JSON_KEYS = ("class_names", "preprocess", "head", "version")  # values stored as JSON text in metadata_props


def sidecar_path(onnx_path: str | Path) -> Path:
    """Return the JSON sidecar's path for ``onnx_path``: ``model.onnx`` -> ``model.onnx.json``."""
    path = Path(onnx_path)
    return path.with_name(path.name + ".json")


def describe_model(info: ModelInfo, head: dict[str, int], batch: str, opset: int, exported_by: str) -> dict:
    """Return the description of a model exported from ``info``: ``head`` says which stage the classifier reads
    (``{"stages": 4, "pool": 1}``: the last one, pooled globally), ``batch`` is "dynamic" or a fixed size."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "model_name": info.name,
        "architecture": info.config_name,
        "source": f"{info.source}: {info.location}",
        "class_names": list(info.label_names),
        "label_set": info.label_set,
        "label_source": info.label_source,
        "preprocess": asdict(info.preprocess),
        "head": head,
        "input": INPUT_NAME,
        "input_layout": "NCHW float32, preprocessed: resized, cropped, scaled to 0-1, (x - mean) / std",
        "output": OUTPUT_NAME,
        "output_meaning": "logits (B, classes): softmax gives class probabilities, in class_names order",
        "batch": batch,
        "opset": str(opset),
        "exported_by": exported_by,
    }


def to_metadata_props(description: dict) -> dict[str, str]:
    """Return ``description`` as ONNX ``metadata_props`` (every value a string; lists and objects as JSON)."""
    return {k: json.dumps(v) if k in _JSON_KEYS else str(v) for k, v in description.items()}


def from_metadata_props(props: dict[str, str]) -> dict:
    """Return the description stored by :func:`to_metadata_props`; raises ValueError when a JSON value is bad."""
    return {k: json.loads(v) if k in _JSON_KEYS else v for k, v in props.items()}


def read_description(onnx_path: str | Path, props: dict[str, str]) -> dict:
    """Return the description of the ONNX file at ``onnx_path``: from its ``props`` (its ``metadata_props``),
    else from its JSON sidecar. Raises :class:`WeightsError` when neither holds one."""
    try:
        if props.get("format") == FORMAT:
            return from_metadata_props(props)
        sidecar = sidecar_path(onnx_path)
        if sidecar.is_file():
            description = json.loads(sidecar.read_text(encoding="utf-8"))
            if isinstance(description, dict) and description.get("format") == FORMAT:
                return description
    except (ValueError, OSError) as exc:
        raise WeightsError(f"{Path(onnx_path).name}: its CoAtNet Lens description is unreadable ({exc}).") from None
    raise WeightsError(
        f"{Path(onnx_path).name} was not exported by CoAtNet Lens (no class names or preprocessing in its metadata "
        f"or in {sidecar_path(onnx_path).name}); export it with `coatnet-gui export`."
    )


def info_from_description(description: dict, onnx_path: str | Path) -> ModelInfo:
    """Return the :class:`ModelInfo` of an exported model from its ``description``; raises :class:`WeightsError`
    naming the file when a field is missing or impossible."""
    path = Path(onnx_path)
    try:
        names = [str(n) for n in description["class_names"]]
        pre = dict(description["preprocess"])
        preprocess = PreprocessCfg(
            input_size=tuple(int(v) for v in pre["input_size"]),
            interpolation=str(pre["interpolation"]),
            mean=tuple(float(v) for v in pre["mean"]),
            std=tuple(float(v) for v in pre["std"]),
            crop_pct=float(pre["crop_pct"]),
            crop_mode=str(pre["crop_mode"]),
        )
        architecture = str(description["architecture"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{path.name}: its CoAtNet Lens description is incomplete or invalid ({exc}).") from None
    label_source = str(description.get("label_source", ""))
    return ModelInfo(
        name=path.name,
        config_name=architecture,
        source="onnx",
        location=str(path),
        num_classes=len(names),
        label_names=names,
        label_set=describe_labels(names),
        preprocess=preprocess,
        label_source=f"{label_source}, kept in the ONNX file" if label_source else "the ONNX file",
    )
