"""Colour maps as 256-entry lookup tables, built with numpy from a few anchor colours (no matplotlib).

The anchors are samples of the published maps (viridis, magma, inferno: van der Walt & Smith; turbo: Mikhailov;
coolwarm: Moreland; RdBu: ColorBrewer, reversed so that negative is blue), linearly interpolated in sRGB, which is
visually indistinguishable at overlay opacity. Signed maps are drawn with a diverging map (light at 0).
"""

from __future__ import annotations

from functools import cache

import numpy as np

_ANCHORS: dict[str, tuple[str, ...]] = {
    "inferno": ("000004", "1f0c48", "550f6d", "88226a", "ba3655", "e35933", "f98e09", "f9cb35", "fcffa4"),
    "viridis": ("440154", "482878", "3e4989", "31688e", "26828e", "1f9e89", "35b779", "6ece58", "b5de2b", "fde725"),
    "magma": ("000004", "1c1044", "4f127b", "812581", "b5367a", "e55064", "fb8761", "fec287", "fcfdbf"),
    "turbo": ("30123b", "4662d7", "36aaf9", "1ae4b6", "72fe5e", "c8ef34", "faba39", "f66b19", "ca2a04", "7a0403"),
    "coolwarm": ("3b4cc0", "6788ee", "9abbff", "c9d7f0", "edd1c2", "f7a889", "e26952", "b40426"),
    "RdBu": (
        "053061",
        "2166ac",
        "4393c3",
        "92c5de",
        "d1e5f0",
        "f7f7f7",
        "fddbc7",
        "f4a582",
        "d6604d",
        "b2182b",
        "67001f",
    ),
    "gray": ("000000", "ffffff"),
}

COLORMAPS: tuple[str, ...] = tuple(_ANCHORS)
DIVERGING = "coolwarm"
DIVERGING_MAPS = frozenset({"coolwarm", "RdBu"})  # light in the middle: the colour of 0 in a symmetric range


def for_map(name: str, signed: bool) -> str:
    """Return the colour map to draw a map with when ``name`` is chosen: ``name`` itself, except that a
    ``signed`` map gets :data:`DIVERGING` unless ``name`` is diverging already."""
    return name if not signed or name in DIVERGING_MAPS else DIVERGING


@cache
def lookup_table(name: str) -> np.ndarray:
    """Return colour map ``name`` as a read-only ``(256, 3)`` uint8 RGB table. Raises KeyError for unknown names."""
    anchors = np.array([[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in _ANCHORS[name]], dtype=np.float64)
    positions = np.linspace(0.0, 1.0, len(anchors))
    x = np.linspace(0.0, 1.0, 256)
    table = np.stack([np.interp(x, positions, anchors[:, c]) for c in range(3)], axis=1)
    table = np.round(table).astype(np.uint8)
    table.setflags(write=False)
    return table


def indices(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Return ``values`` ``(h, w)`` as ``(h, w)`` uint8 indices into a lookup table, ``lo``..``hi`` spanning 0..255
    (values outside are clipped; non-finite values become 0). Computed in place on one float copy: the Live tab
    colours a map per frame."""
    span = hi - lo
    if span > 0:
        scaled = np.subtract(values, lo, dtype=np.result_type(values, np.float32))
        scaled /= span
    else:
        scaled = np.zeros(np.shape(values), dtype=np.float32)
    np.nan_to_num(scaled, copy=False, nan=0.0, posinf=1.0, neginf=0.0)
    scaled *= 255.0
    scaled += 0.5
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


def apply(values: np.ndarray, name: str, lo: float, hi: float) -> np.ndarray:
    """Return ``values`` ``(h, w)`` coloured with map ``name`` as ``(h, w, 3)`` uint8, ``lo``..``hi`` spanning
    the whole map (values outside are clipped; non-finite values become the lowest colour)."""
    return lookup_table(name)[indices(values, lo, hi)]


@cache
def packed_table(name: str) -> np.ndarray:
    """Return colour map ``name`` as a read-only ``(256,)`` uint32 table of opaque ``0xFFRRGGBB`` pixels: the
    32-bit layout screens draw without converting (Qt's ``Format_RGB32``)."""
    rgb = lookup_table(name).astype(np.uint32)
    table = (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)
    table.setflags(write=False)
    return table
