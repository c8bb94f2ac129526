"""Writing a taught model: the network (the base's stem and stages under timm's key names, then the new head)
as safetensors with the class names, base, feature choice and mode in its metadata; a Markdown model card and
a confusion-matrix PNG beside it. Every file is written atomically; the checkpoint last."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from safetensors.torch import save

from model.atomic import atomic_writer, write_bytes_atomically
from model.data.transform import PreprocessCfg
from model.net.coatnet import CoAtNet
from model.net.config import head_on_stage
from model.teach.dataset import Checked
from model.teach.features import FeatureChoice
from model.teach.types import TeachResult
from model.weights.loading import LoadedModel


def card_path(out: Path) -> Path:
    """Return the model card's path beside checkpoint ``out`` (``name.safetensors`` -> ``name.md``)."""
    return out.with_suffix(".md")


def confusion_path(out: Path) -> Path:
    """Return the confusion-matrix PNG's path beside checkpoint ``out``."""
    return out.with_suffix(".confusion.png")


def taught_network(base: CoAtNet, choice: FeatureChoice, weight: torch.Tensor, bias: torch.Tensor) -> CoAtNet:
    """Return the taught network (CPU, float32, eval): ``base``'s stem and stages up to ``choice.stage`` and a
    linear head ``weight`` ``(classes, width)``, ``bias`` ``(classes,)`` reading ``choice``'s features. For the
    final features it is ``base`` with a new classifier (timm loads it); else later stages are dropped."""
    num_classes = weight.shape[0]
    if choice.pool == 1:
        cfg = replace(base.cfg, num_classes=num_classes)
    else:
        cfg = head_on_stage(base.cfg, choice.stage, num_classes)
    net = CoAtNet(cfg, name=base.name, head_pool=choice.pool)
    state = {k: v.detach().float().cpu() for k, v in base.state_dict().items() if k in net.state_dict()}
    state["head.fc.weight"], state["head.fc.bias"] = weight.float().cpu(), bias.float().cpu()
    net.load_state_dict(state, strict=True)
    return net.eval()


@dataclass
class Description:
    """What the checkpoint's metadata and the model card say about a taught model."""

    base: str  # e.g. "coatnet_fmnist_96 (bundled)"
    classes: list[str]
    choice: FeatureChoice
    features: str  # the choice in words
    mode: str
    preprocess: PreprocessCfg
    data: str  # where the images came from, in words
    train_count: int
    val_count: int
    val_accuracy: float
    per_class: dict[str, float]
    confusion: list[list[int]]
    scores: dict[str, float]  # cross-validated accuracy per feature candidate
    epochs: int


def metadata(desc: Description, net: CoAtNet) -> dict[str, str]:
    """Return the safetensors metadata (all strings; JSON for structured values)."""
    return {
        "format": "pt",
        "architecture": net.name,
        "label_names": json.dumps(desc.classes, ensure_ascii=False),
        "pretrained_cfg": json.dumps(desc.preprocess.to_pretrained_cfg()),
        "base_model": desc.base,
        "features": json.dumps(
            {"stage": desc.choice.stage, "pool": desc.choice.pool, "key": desc.choice.key, "text": desc.features}
        ),
        "mode": desc.mode,
        "val_accuracy": f"{desc.val_accuracy:.4f}",
        "taught": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def write_taught(out: Path, net: CoAtNet, desc: Description) -> tuple[Path, Path]:
    """Write the PNG, the card, then the checkpoint ``out``; return ``(checkpoint, card)``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    png = confusion_path(out)
    draw_confusion(np.array(desc.confusion), desc.classes, png)
    card = card_path(out)
    with atomic_writer(card) as f:
        f.write(model_card(desc, out.name, png.name))
    state = {k: v.detach().float().cpu().contiguous() for k, v in net.state_dict().items()}
    write_bytes_atomically(out, save(state, metadata=metadata(desc, net)))
    return out, card


def model_card(desc: Description, weights_name: str, png_name: str) -> str:
    """Return the Markdown model card."""
    rows = "\n".join(f"| {name} | {acc:.3f} |" for name, acc in desc.per_class.items())
    scores = ", ".join(f"{k}: {v:.3f}" for k, v in desc.scores.items()) or "not compared"
    return f"""# {weights_name}

Taught with CoAtNet Lens on {datetime.now(UTC).strftime("%Y-%m-%d")}.

- Base model: {desc.base}
- Mode: {desc.mode} ({desc.epochs} epochs)
- Features: {desc.features}
- Feature candidates (cross-validated accuracy on the training part): {scores}
- Data: {desc.data}
- Split: {desc.train_count} images to learn from, {desc.val_count} held out (stratified, seeded)
- Held-out accuracy: {desc.val_accuracy:.3f}

| class | held-out accuracy |
|---|---|
{rows}

![confusion matrix]({png_name})

Load it with `coatnet-gui classify --model {weights_name} IMAGE` or `model.load_model("{weights_name}")`.
"""


def draw_confusion(matrix: np.ndarray, names: list[str], path: Path, cell: int = 40) -> None:
    """Write ``matrix`` (rows: true class, columns: predicted) as a PNG atomically, darker = more images."""
    n = len(names)
    font = ImageFont.load_default(size=12)
    short = [name if len(name) <= 18 else name[:17] + "…" for name in names]
    left, top = 130, 130
    img = Image.new("RGB", (left + n * cell + 20, top + n * cell + 40), "white")
    draw = ImageDraw.Draw(img)
    row_norm = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    for i in range(n):
        for j in range(n):
            shade = int(255 * (1 - row_norm[i, j]))
            x, y = left + j * cell, top + i * cell
            draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=(shade, shade, 255), outline=(200, 200, 200))
            colour = "white" if row_norm[i, j] > 0.5 else "black"
            draw.text((x + cell / 2, y + cell / 2), str(matrix[i, j]), fill=colour, font=font, anchor="mm")
        draw.text((left - 6, top + i * cell + cell / 2), short[i], fill="black", font=font, anchor="rm")
        label = Image.new("RGBA", (top - 10, 16), (255, 255, 255, 0))
        ImageDraw.Draw(label).text((0, 0), short[i], fill="black", font=font)
        rotated = label.rotate(90, expand=True)
        img.paste(rotated, (left + i * cell + cell // 2 - 8, 8), rotated)
    draw.text((left + n * cell / 2, top + n * cell + 20), "predicted class", fill="black", font=font, anchor="mm")
    draw.text((10, top - 20), "true class", fill="black", font=font)
    buffer = io.BytesIO()
    img.save(buffer, format="PNG")
    write_bytes_atomically(path, buffer.getvalue())


def finish(
    out: Path,
    taught: CoAtNet,
    checked: Checked,
    loaded: LoadedModel,
    choice: FeatureChoice,
    width: int,
    mode: str,
    epochs: int,
    truth: torch.Tensor,
    predicted: torch.Tensor,
    scores: dict[str, float],
    train_count: int,
) -> TeachResult:
    """Measure the held-out predictions, write the files and return the :class:`TeachResult`."""
    classes = checked.classes
    n = len(classes)
    confusion = torch.zeros(n, n, dtype=torch.long)
    confusion.index_put_((truth, predicted), torch.ones_like(truth), accumulate=True)
    per_class = {
        c: (confusion[i, i] / confusion[i].sum()).item() if confusion[i].sum() else 0.0 for i, c in enumerate(classes)
    }
    accuracy = (truth == predicted).float().mean().item() if len(truth) else 0.0
    text = choice.describe(width)
    desc = Description(
        base=loaded.info.name,
        classes=classes,
        choice=choice,
        features=text,
        mode=mode,
        preprocess=loaded.info.preprocess,
        data=f"{len(checked.paths)} images in {n} classes ({len(checked.skipped)} skipped)",
        train_count=train_count,
        val_count=len(truth),
        val_accuracy=accuracy,
        per_class=per_class,
        confusion=confusion.tolist(),
        scores=scores,
        epochs=epochs,
    )
    checkpoint, card = write_taught(out, taught, desc)
    return TeachResult(checkpoint, card, classes, accuracy, per_class, confusion.tolist(), text, checked.skipped)
