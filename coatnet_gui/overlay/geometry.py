"""Pure geometry: the part of the original image the model saw, and where things sit on screen.

Maps computed by :mod:`model.explain.introspect` cover the model's *input view*: the image resized so that its
shortest side is ``size / crop_pct`` and centre-cropped to ``size`` (``crop_mode="squash"`` resizes both sides
to ``size / crop_pct`` instead). :func:`crop_box` returns that view as a box in original-image pixels, so an
overlay is drawn over exactly what the model looked at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from model.data.pixels import PreprocessCfg
from model.data.pixels import crop_box as model_crop_box


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in some pixel space: ``left``, ``top``, ``width``, ``height`` (floats)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """The x coordinate just past the box."""
        return self.left + self.width

    @property
    def bottom(self) -> float:
        """The y coordinate just past the box."""
        return self.top + self.height

    def contains(self, x: float, y: float) -> bool:
        """Return True when the point ``(x, y)`` lies inside the box."""
        return self.left <= x < self.right and self.top <= y < self.bottom

    def fraction(self, x: float, y: float) -> tuple[float, float]:
        """Return the point ``(x, y)`` as ``(fy, fx)`` fractions of the box, clamped to [0, 1]."""
        fy = (y - self.top) / self.height if self.height else 0.0
        fx = (x - self.left) / self.width if self.width else 0.0
        return min(1.0, max(0.0, fy)), min(1.0, max(0.0, fx))

    def point(self, fy: float, fx: float) -> tuple[float, float]:
        """Return the ``(x, y)`` point at fractions ``(fy, fx)`` of the box."""
        return self.left + fx * self.width, self.top + fy * self.height

    def map_into(self, inner: Box, outer: Box) -> Box:
        """Return ``inner`` (a box in this box's pixel space) transformed as this box is onto ``outer``."""
        sx = outer.width / self.width if self.width else 0.0
        sy = outer.height / self.height if self.height else 0.0
        return Box(
            outer.left + (inner.left - self.left) * sx,
            outer.top + (inner.top - self.top) * sy,
            inner.width * sx,
            inner.height * sy,
        )


def _pair(size: int | tuple[int, int]) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def crop_box(
    image_size: tuple[int, int],
    input_size: int | tuple[int, int],
    crop_pct: float = 1.0,
    crop_mode: str = "center",
) -> Box:
    """Return the box of the original image (``image_size`` = (width, height)) that becomes the model's input.

    ``input_size`` is the model's (height, width) or one side; ``crop_pct`` and ``crop_mode`` are the
    checkpoint's preprocessing settings (timm's meaning). The box is :func:`model.data.transform.crop_box`'s,
    the arithmetic the crop itself uses; it may exceed the image where preprocessing pads.
    """
    cfg = PreprocessCfg(input_size=_pair(input_size), crop_pct=crop_pct, crop_mode=crop_mode)
    return Box(*model_crop_box(image_size, cfg))


def fit_box(content: tuple[float, float], area: Box) -> Box:
    """Return the largest box with the aspect ratio of ``content`` (width, height), centred in ``area``."""
    cw, ch = content
    if cw <= 0 or ch <= 0:
        return Box(area.left, area.top, 0.0, 0.0)
    scale = min(area.width / cw, area.height / ch)
    w, h = cw * scale, ch * scale
    return Box(area.left + (area.width - w) / 2, area.top + (area.height - h) / 2, w, h)


def grid_cells(count: int, columns: int, area: Box, gap: float = 0.0, caption: float = 0.0) -> list[Box]:
    """Return ``count`` equal cells laid out row by row in ``columns`` columns over ``area``.

    ``gap`` separates cells; ``caption`` is the height left free above each cell for its title.
    """
    columns = max(1, min(columns, count))
    rows = max(1, math.ceil(count / columns))
    cell_w = (area.width - gap * (columns - 1)) / columns
    cell_h = (area.height - gap * (rows - 1)) / rows
    cells = []
    for i in range(count):
        r, c = divmod(i, columns)
        left, top = area.left + c * (cell_w + gap), area.top + r * (cell_h + gap)
        cells.append(Box(left, top + caption, cell_w, max(0.0, cell_h - caption)))
    return cells
