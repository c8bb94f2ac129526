"""Writing a taught model: the checkpoint (weights through :func:`model.weights.checkpoint.write_weights`, with
the class names, base, feature choice and mode in its metadata), a Markdown model card and a confusion-matrix PNG
beside it. Every file is written atomically; the checkpoint last, so a checkpoint always has its card."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

from model.atomic import atomic_writer
from model.data.pixels import PreprocessCfg
from model.features import FeatureChoice
from model.net.coatnet import CoAtNet
from model.teach.dataset import Checked
from model.teach.evaluation import Evaluation, draw_confusion, evaluate
from model.teach.types import TeachResult
from model.weights.checkpoint import write_weights
from model.weights.loading import LoadedModel


def card_path(out: Path) -> Path:
    """Return the model card's path beside checkpoint ``out`` (``name.safetensors`` -> ``name.md``)."""
    return out.with_suffix(".md")


def confusion_path(out: Path) -> Path:
    """Return the confusion-matrix PNG's path beside checkpoint ``out``."""
    return out.with_suffix(".confusion.png")


@dataclass(frozen=True)
class Taught:
    """What a teaching run trained: the taught ``net`` (CPU, eval), where its head reads the base (``choice``, of
    ``width`` features), the ``mode`` and ``epochs``, how many images it learnt from (``train_count``) and the
    cross-validated accuracy of each feature candidate (``scores``; empty when not compared)."""

    net: CoAtNet
    choice: FeatureChoice
    width: int
    mode: str
    epochs: int
    train_count: int
    scores: dict[str, float]


@dataclass(frozen=True)
class Description:
    """What the checkpoint's metadata and the model card say about a taught model."""

    base: str  # e.g. "coatnet_fmnist_96 (bundled)"
    classes: list[str]
    taught: Taught
    features: str  # the feature choice in words
    preprocess: PreprocessCfg
    data: str  # where the images came from, in words
    held_out: Evaluation


def metadata(desc: Description) -> dict[str, str]:
    """Return the safetensors metadata (all strings; JSON for structured values)."""
    choice = desc.taught.choice
    return {
        "format": "pt",
        "architecture": desc.taught.net.name,
        "label_names": json.dumps(desc.classes, ensure_ascii=False),
        "pretrained_cfg": json.dumps(desc.preprocess.to_pretrained_cfg()),
        "base_model": desc.base,
        "features": json.dumps({"stage": choice.stage, "pool": choice.pool, "key": choice.key, "text": desc.features}),
        "mode": desc.taught.mode,
        "val_accuracy": f"{desc.held_out.accuracy:.4f}",
        "taught": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def model_card(desc: Description, weights_name: str, png_name: str) -> str:
    """Return the Markdown model card."""
    taught, held_out = desc.taught, desc.held_out
    rows = "\n".join(f"| {name} | {acc:.3f} |" for name, acc in held_out.per_class.items())
    scores = ", ".join(f"{k}: {v:.3f}" for k, v in taught.scores.items()) or "not compared"
    return f"""# {weights_name}

Taught with CoAtNet Lens on {datetime.now(UTC).strftime("%Y-%m-%d")}.

- Base model: {desc.base}
- Mode: {taught.mode} ({taught.epochs} epochs)
- Features: {desc.features}
- Feature candidates (cross-validated accuracy on the training part): {scores}
- Data: {desc.data}
- Split: {taught.train_count} images to learn from, {held_out.count} held out (stratified, seeded)
- Held-out accuracy: {held_out.accuracy:.3f}

| class | held-out accuracy |
|---|---|
{rows}

![confusion matrix]({png_name})

Load it with `coatnet-gui classify --model {weights_name} IMAGE` or `model.load_model("{weights_name}")`.
"""


def write_taught(out: Path, desc: Description) -> tuple[Path, Path]:
    """Write the confusion PNG, the card, then the checkpoint ``out``; return ``(checkpoint, card)``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    png = confusion_path(out)
    draw_confusion(np.array(desc.held_out.confusion), desc.classes, png)
    card = card_path(out)
    with atomic_writer(card) as f:
        f.write(model_card(desc, out.name, png.name))
    write_weights(out, desc.taught.net, metadata(desc))
    return out, card


def finish(
    out: Path, taught: Taught, *, loaded: LoadedModel, checked: Checked, truth: torch.Tensor, predicted: torch.Tensor
) -> TeachResult:
    """Measure the held-out ``predicted`` classes ``(N,)`` against ``truth`` ``(N,)``, write the checkpoint ``out``
    with its card and confusion PNG, and return the :class:`TeachResult`."""
    classes = checked.classes
    held_out = evaluate(truth, predicted, classes)
    features = taught.choice.describe(taught.width)
    data = f"{len(checked.paths)} images in {len(classes)} classes ({len(checked.skipped)} skipped)"
    desc = Description(loaded.info.name, classes, taught, features, loaded.info.preprocess, data, held_out)
    checkpoint, card = write_taught(out, desc)
    return TeachResult(
        checkpoint, card, classes, held_out.accuracy, held_out.per_class, held_out.confusion, features, checked.skipped
    )
