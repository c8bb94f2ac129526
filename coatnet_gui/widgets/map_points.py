"""Qt-free parts of the embedding map: what each point shows (its row's classes and scores), its colour in each
colouring, the view's transform, drawing points into an RGBA array, finding the point under the cursor and the
points inside a lasso. numpy only, so that 50,000 points take milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.audit.report import AuditRow
from model.explain.colormaps import lookup_table

COLOURINGS = ("given label", "suggestion", "suspect", "confidence")
BACKGROUND = (255, 255, 255)
NO_VALUE = np.array([190, 190, 190], np.uint8)  # rows without a class or score: light grey
CONTINUOUS_MAP = "viridis"
# Ten distinct colours (Tableau 10) for the first classes; more classes get evenly spread hues.
_PALETTE = ("4e79a7", "f28e2b", "e15759", "76b7b2", "59a14f", "edc948", "b07aa1", "ff9da7", "9c755f", "bab0ac")
# A round dot of radius 2 px: its pixel offsets.
_DOT = np.array([(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if dy * dy + dx * dx <= 5], np.int64)


@dataclass
class MapRows:
    """What the map's ``m`` points show: ``rows`` ``(m,)`` their indices into the audit's rows, ``paths``,
    ``given`` and ``suggested`` class indices into ``classes`` ``(m,)`` (-1: none), ``suspect`` ``(m,)`` in
    [0, 1] and ``confidence`` ``(m,)``, the out-of-fold probability of the suggested class (NaN: no label
    check)."""

    rows: np.ndarray
    paths: list[str]
    given: np.ndarray
    suggested: np.ndarray
    suspect: np.ndarray
    confidence: np.ndarray
    classes: list[str]


def map_rows(rows: list[AuditRow], at: np.ndarray, classes: list[str]) -> MapRows:
    """Return the :class:`MapRows` of ``rows[at[r]]`` for each point ``r`` (``at``: the audit's
    ``vector_rows``); classes not in ``classes`` (a suggestion or a given class) are appended to it."""
    names = list(classes)
    index = {name: i for i, name in enumerate(names)}

    def class_of(name: str) -> int:
        if not name:
            return -1
        if name not in index:
            index[name] = len(names)
            names.append(name)
        return index[name]

    chosen = [rows[i] for i in np.asarray(at, np.int64).tolist()]
    return MapRows(
        rows=np.asarray(at, np.int64),
        paths=[r.path for r in chosen],
        given=np.array([class_of(r.given) for r in chosen], np.int64),
        suggested=np.array([class_of(r.suggested) for r in chosen], np.int64),
        suspect=np.array([r.suspect for r in chosen], np.float32),
        confidence=np.array([np.nan if r.suggested_prob is None else r.suggested_prob for r in chosen], np.float32),
        classes=names,
    )


def class_colours(count: int) -> np.ndarray:
    """Return ``count`` distinct RGB colours ``(count, 3)`` uint8: Tableau 10, then evenly spread hues."""
    out = [[int(h[i : i + 2], 16) for i in (0, 2, 4)] for h in _PALETTE[:count]]
    extra = count - len(out)
    for t in range(extra):
        hue = (t / extra + 0.05) * 6.0
        x = 1.0 - abs(hue % 2.0 - 1.0)
        rgb = [(1, x, 0), (x, 1, 0), (0, 1, x), (0, x, 1), (x, 0, 1), (1, 0, x)][int(hue) % 6]
        out.append([int(40 + 180 * c) for c in rgb])
    return np.array(out, np.uint8).reshape(count, 3)


@dataclass
class Colouring:
    """The points' colours in one colouring: ``colours`` ``(m, 3)`` uint8, ``order`` ``(m,)`` the drawing order
    (the last drawn on top), and the legend: ``entries`` (name, RGB) for classes, or ``gradient`` ``(low, high)``
    labels of :data:`CONTINUOUS_MAP` for scores."""

    colours: np.ndarray
    order: np.ndarray
    entries: list[tuple[str, tuple[int, int, int]]]
    gradient: tuple[str, str] | None = None


def colouring(points: MapRows, how: str) -> Colouring:
    """Return the :class:`Colouring` of ``points`` for ``how``, one of :data:`COLOURINGS`: classes in a fixed
    shuffled order (no class hides another), scores low to high (the most suspect or confident on top)."""
    m = len(points.rows)
    if how in ("given label", "suggestion"):
        classes = points.given if how == "given label" else points.suggested
        table = class_colours(len(points.classes))
        colours = np.where((classes >= 0)[:, None], table[np.maximum(classes, 0)], NO_VALUE)
        order = np.random.default_rng(0).permutation(m)
        present = sorted(set(classes.tolist()) - {-1})
        entries = [(points.classes[c], tuple(int(v) for v in table[c])) for c in present]
        if (classes < 0).any():
            entries.append(("none", tuple(int(v) for v in NO_VALUE)))
        return Colouring(colours.astype(np.uint8), order, entries)
    if how not in COLOURINGS:
        raise ValueError(f"unknown colouring {how!r}: one of {', '.join(COLOURINGS)}")
    values = points.suspect if how == "suspect" else points.confidence
    known = np.isfinite(values)
    index = np.clip(np.nan_to_num(values, nan=0.0) * 255.0 + 0.5, 0, 255).astype(np.int64)
    colours = np.where(known[:, None], lookup_table(CONTINUOUS_MAP)[index], NO_VALUE)
    order = np.argsort(np.where(known, values, -1.0), kind="stable")
    low, high = ("0 (fits its label)", "1 (likely wrong)") if how == "suspect" else ("0 %", "100 %")
    entries = [] if known.all() else [("no label check", tuple(int(v) for v in NO_VALUE))]
    return Colouring(colours.astype(np.uint8), order, entries, (low, high))


@dataclass
class View:
    """Map coordinates -> screen pixels: ``screen = (xy - centre) * scale + (width, height) / 2``, y down."""

    centre: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0

    @staticmethod
    def fitting(xy: np.ndarray, width: int, height: int, margin: int = 12) -> View:
        """Return the view that shows every point of ``xy`` ``(m, 2)`` inside ``width`` x ``height`` pixels."""
        if len(xy) == 0:
            return View()
        lo, hi = xy.min(0), xy.max(0)
        span = np.maximum(hi - lo, 1e-6)
        scale = float(min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1]))
        return View((float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2), max(scale, 1e-6))

    def to_screen(self, xy: np.ndarray, width: int, height: int) -> np.ndarray:
        """Return the screen positions ``(m, 2)`` float32 of map points ``xy`` ``(m, 2)``."""
        out = (xy - np.array(self.centre, np.float32)) * np.float32(self.scale)
        return (out + np.array([width / 2, height / 2], np.float32)).astype(np.float32)

    def to_map(self, x: float, y: float, width: int, height: int) -> tuple[float, float]:
        """Return the map position of screen pixel ``(x, y)``."""
        return (x - width / 2) / self.scale + self.centre[0], (y - height / 2) / self.scale + self.centre[1]

    def zoomed(self, factor: float, x: float, y: float, width: int, height: int) -> View:
        """Return this view zoomed by ``factor`` around screen pixel ``(x, y)`` (that point stays put)."""
        mx, my = self.to_map(x, y, width, height)
        scale = self.scale * factor
        return View((mx - (x - width / 2) / scale, my - (y - height / 2) / scale), scale)

    def panned(self, dx: float, dy: float) -> View:
        """Return this view moved by ``(dx, dy)`` screen pixels (the picture follows the cursor)."""
        return View((self.centre[0] - dx / self.scale, self.centre[1] - dy / self.scale), self.scale)


def raster(screen: np.ndarray, colouring: Colouring, width: int, height: int) -> np.ndarray:
    """Return the points at ``screen`` ``(m, 2)`` drawn as round dots in their colours and order on the background:
    ``(height, width, 4)`` uint8 RGBA. Each pixel keeps the last point drawn on it: the centres go into an image of
    drawing ranks (later writes win), the dots grow by the maximum rank over the dot's offsets, then the ranks
    become colours (a handful of whole-image passes instead of a write per dot pixel)."""
    pad = int(np.abs(_DOT).max())
    ranks = np.full((height + 2 * pad, width + 2 * pad), -1, np.int32)
    centres = np.rint(screen[colouring.order]).astype(np.int64)
    inside = (centres[:, 0] >= 0) & (centres[:, 0] < width) & (centres[:, 1] >= 0) & (centres[:, 1] < height)
    ranks[centres[inside, 1] + pad, centres[inside, 0] + pad] = np.flatnonzero(inside).astype(np.int32)
    grown = np.full((height, width), -1, np.int32)
    for dy, dx in _DOT.tolist():
        np.maximum(grown, ranks[pad + dy : pad + dy + height, pad + dx : pad + dx + width], out=grown)
    table = np.empty((len(centres) + 1, 4), np.uint8)
    table[:-1, :3] = colouring.colours[colouring.order]
    table[-1, :3] = BACKGROUND  # rank -1 indexes the last entry: the background
    table[:, 3] = 255
    words = table.view(np.uint32).reshape(-1)  # one RGBA word per rank: a flat gather
    return np.take(words, grown).view(np.uint8).reshape(height, width, 4)


def nearest_point(screen: np.ndarray, x: float, y: float, radius: float = 6.0) -> int:
    """Return the index of the point of ``screen`` ``(m, 2)`` nearest to ``(x, y)`` within ``radius`` pixels, or
    -1 when none is that close."""
    if len(screen) == 0:
        return -1
    d2 = (screen[:, 0] - x) ** 2 + (screen[:, 1] - y) ** 2
    best = int(d2.argmin())
    return best if d2[best] <= radius * radius else -1


def inside_polygon(screen: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Return the mask ``(m,)`` of the points of ``screen`` ``(m, 2)`` inside ``polygon`` ``(p, 2)`` (closed
    implicitly; even-odd rule). Fewer than 3 vertices: nothing is inside."""
    inside = np.zeros(len(screen), bool)
    if len(polygon) < 3 or len(screen) == 0:
        return inside
    lo, hi = polygon.min(0), polygon.max(0)
    near = np.flatnonzero(((screen >= lo) & (screen <= hi)).all(1))
    px, py = screen[near, 0].astype(np.float64), screen[near, 1].astype(np.float64)
    hit = np.zeros(len(near), bool)
    for (x1, y1), (x2, y2) in zip(polygon.tolist(), np.roll(polygon, -1, axis=0).tolist(), strict=True):
        if y1 == y2:
            continue  # a horizontal edge never crosses a horizontal ray
        crosses = (y1 > py) != (y2 > py)
        x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
        hit ^= crosses & (px < x_at)
    inside[near] = hit
    return inside
