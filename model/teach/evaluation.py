"""Measuring a taught model on the held-out images: accuracy overall and per class, the confusion matrix, and the
confusion matrix drawn as a PNG."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from model.atomic import write_bytes_atomically


@dataclass(frozen=True)
class Evaluation:
    """Held-out results: ``accuracy`` (0 without held-out images), ``per_class`` accuracy by class name (0 for a
    class without held-out images), ``confusion`` ``[true][predicted]`` counts, and ``count`` images."""

    accuracy: float
    per_class: dict[str, float]
    confusion: list[list[int]]
    count: int


def evaluate(truth: torch.Tensor, predicted: torch.Tensor, classes: list[str]) -> Evaluation:
    """Return the :class:`Evaluation` of ``predicted`` class indices ``(N,)`` against ``truth`` ``(N,)`` for
    ``classes``."""
    n = len(classes)
    confusion = torch.zeros(n, n, dtype=torch.long)
    confusion.index_put_((truth, predicted), torch.ones_like(truth), accumulate=True)
    per_class = {
        c: (confusion[i, i] / confusion[i].sum()).item() if confusion[i].sum() else 0.0 for i, c in enumerate(classes)
    }
    accuracy = (truth == predicted).float().mean().item() if len(truth) else 0.0
    return Evaluation(accuracy, per_class, confusion.tolist(), len(truth))


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
