"""Drawing a map on the full-resolution original, with numpy and Pillow (no Qt): what ``label --maps`` saves.

    box = crop_box(image.size, cfg)                       # the part of the original the model saw
    picture = overlay_on_original(image, grid_map, box)   # the map over that part only, and the box drawn

The map covers the model's input view, which is the crop box in the original's pixels (see
:func:`~model.data.transform.crop_box`); it is resized to the box bilinearly (as the window's
:func:`~model.explain.introspect.upsample_map` does) and blended only where the box and the image overlap, so a map
never covers what the model did not see.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image, ImageDraw

from model.explain.colormaps import apply
from model.explain.introspect import upsample_map

DEFAULT_COLORMAP = "inferno"
DEFAULT_ALPHA = 0.5
BOX_COLOUR = (0, 255, 255)  # cyan: apart from every colour of the sequential maps


def box_pixels(box: tuple[float, float, float, float], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Return ``(x0, y0, x1, y1)``: the whole pixels of an image of ``size`` (width, height) whose centres lie in
    ``box`` ``(left, top, width, height)`` (half-open, clipped to the image; empty when they do not meet)."""
    left, top, width, height = box
    x0 = max(0, math.ceil(left - 0.5))
    y0 = max(0, math.ceil(top - 0.5))
    x1 = min(size[0], math.ceil(left + width - 0.5))
    y1 = min(size[1], math.ceil(top + height - 0.5))
    return x0, y0, max(x0, x1), max(y0, y1)


def map_in_box(grid_map: np.ndarray, box: tuple[float, float, float, float], size: tuple[int, int]) -> np.ndarray:
    """Return ``grid_map`` ``(h, w)`` resized bilinearly onto the pixels of an image of ``size`` (width, height) that
    ``box`` covers (:func:`box_pixels`), float32 ``(y1 - y0, x1 - x0)``."""
    left, top, width, height = box
    x0, y0, x1, y1 = box_pixels(box, size)
    full = (max(1, round(height)), max(1, round(width)))
    resized = upsample_map(torch.as_tensor(np.asarray(grid_map, dtype=np.float32)), full).numpy()
    # pixel centre (x + 0.5) sits at (x + 0.5 - left) / width of the box; the resized map's pixel j at (j + 0.5) / w
    cols = np.clip(np.floor((np.arange(x0, x1) + 0.5 - left) * full[1] / width), 0, full[1] - 1).astype(np.intp)
    rows = np.clip(np.floor((np.arange(y0, y1) + 0.5 - top) * full[0] / height), 0, full[0] - 1).astype(np.intp)
    return resized[np.ix_(rows, cols)]


def overlay_on_original(
    image: Image.Image,
    grid_map: np.ndarray,
    box: tuple[float, float, float, float],
    *,
    colormap: str = DEFAULT_COLORMAP,
    alpha: float = DEFAULT_ALPHA,
    lo: float | None = None,
    hi: float | None = None,
) -> Image.Image:
    """Return an RGB copy of ``image`` with ``grid_map`` ``(h, w)`` coloured (``colormap``, ``lo``..``hi``, default
    the map's own range) and blended at ``alpha`` over the part the model saw, ``box`` ``(left, top, width, height)``
    in the image's pixels, and the box drawn as a thin frame (the part of it that lies in the image)."""
    picture = image.convert("RGB")
    values = np.asarray(grid_map, dtype=np.float32)
    lo = float(np.nanmin(values)) if lo is None else lo
    hi = float(np.nanmax(values)) if hi is None else hi
    x0, y0, x1, y1 = box_pixels(box, picture.size)
    if x1 > x0 and y1 > y0:
        colours = apply(map_in_box(values, box, picture.size), colormap, lo, hi).astype(np.float32)
        pixels = np.array(picture)  # uint8; only the box's region goes through float
        region = pixels[y0:y1, x0:x1].astype(np.float32)
        pixels[y0:y1, x0:x1] = np.round((1.0 - alpha) * region + alpha * colours).astype(np.uint8)
        picture = Image.fromarray(pixels, "RGB")
    line = max(1, round(min(picture.size) / 200))
    left, top, width, height = box
    ImageDraw.Draw(picture).rectangle(
        [round(left), round(top), round(left + width) - 1, round(top + height) - 1], outline=BOX_COLOUR, width=line
    )
    return picture
