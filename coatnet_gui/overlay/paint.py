"""Drawing the image with its overlay: colour-mapped QImages, one layout for screen and file, and painting.

The same :func:`layout_view` and :func:`paint_view` draw the view in the widget and into the PNG that
"Save view" writes, so what is saved is what is seen (at the image's own resolution).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

from coatnet_gui.overlay import colormaps
from coatnet_gui.overlay.geometry import Box, fit_box, grid_cells
from coatnet_gui.overlay.maps import OverlayResult

CAPTION_HEIGHT = 18.0
TILE_GAP = 6.0


def to_qimage(rgb: np.ndarray) -> QImage:
    """Return an ``(h, w, 3)`` uint8 array as a QImage that owns a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def pil_to_qimage(image: Image.Image) -> QImage:
    """Return an RGB PIL image as a QImage (safe to call off the GUI thread)."""
    return to_qimage(np.asarray(image.convert("RGB")))


def colorize(result: OverlayResult, cmap: str) -> list[QImage]:
    """Return one colour-mapped QImage per panel of ``result`` (each over its own colour range)."""
    return [to_qimage(colormaps.apply(p.image, cmap, p.lo, p.hi)) for p in result.panels]


@dataclass
class ViewState:
    """Everything a view paints: the ``image``, the ``view_box`` the model saw (image pixels), the overlay
    ``result`` with its colour-mapped ``layers``, whether it is ``visible`` and its ``opacity``."""

    image: QImage
    view_box: Box
    result: OverlayResult | None = None
    layers: list[QImage] = field(default_factory=list)
    visible: bool = True
    opacity: float = 0.6

    @property
    def multiples(self) -> bool:
        """Return True when the overlay is a grid of small multiples rather than one map over the image."""
        return self.visible and self.result is not None and len(self.result.panels) > 1


@dataclass
class ViewLayout:
    """Where the view lands in an ``area``: the whole ``image_rect`` (single view only) and one ``cell`` per
    panel, each the model's view on screen."""

    image_rect: Box | None
    cells: list[Box]


def layout_view(state: ViewState, area: Box) -> ViewLayout:
    """Return the layout of ``state`` in ``area``: the image fitted with the overlay over the model's view,
    or small multiples of the model's view in a grid."""
    if not state.multiples:
        image_rect = fit_box((state.image.width(), state.image.height()), area)
        full = Box(0, 0, state.image.width(), state.image.height())
        return ViewLayout(image_rect, [full.map_into(state.view_box, image_rect)])
    assert state.result is not None
    slots = grid_cells(len(state.result.panels), state.result.columns, area, TILE_GAP, CAPTION_HEIGHT)
    aspect = (state.view_box.width, state.view_box.height)
    return ViewLayout(None, [fit_box(aspect, slot) for slot in slots])


def locate(layout: ViewLayout, x: float, y: float) -> tuple[int, float, float] | None:
    """Return ``(panel index, fy, fx)`` of the point ``(x, y)``, or None when it is outside every cell."""
    for i, cell in enumerate(layout.cells):
        if cell.contains(x, y):
            fy, fx = cell.fraction(x, y)
            return i, fy, fx
    return None


def multiples_size(state: ViewState) -> tuple[int, int]:
    """Return the (width, height) in pixels of the saved grid of small multiples, at the tiles' resolution."""
    assert state.result is not None
    tile_h, tile_w = state.result.panels[0].image.shape
    columns = max(1, min(state.result.columns, len(state.result.panels)))
    rows = -(-len(state.result.panels) // columns)
    width = columns * tile_w + (columns - 1) * TILE_GAP
    height = rows * (tile_h + CAPTION_HEIGHT) + (rows - 1) * TILE_GAP
    return int(width), int(height)


def _rect(box: Box) -> QRectF:
    return QRectF(box.left, box.top, box.width, box.height)


def paint_view(painter: QPainter, state: ViewState, area: Box) -> ViewLayout:
    """Paint ``state`` into ``area`` with ``painter``; return the layout used (for hit-testing)."""
    layout = layout_view(state, area)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    show = state.visible and state.result is not None
    if layout.image_rect is not None:
        painter.drawImage(_rect(layout.image_rect), state.image)
    for i, cell in enumerate(layout.cells):
        if layout.image_rect is None:
            painter.drawImage(_rect(cell), state.image, _rect(state.view_box))
            _caption(painter, cell, state.result.panels[i].title if state.result else "")
        if show and i < len(state.layers):
            painter.setOpacity(state.opacity)
            painter.drawImage(_rect(cell), state.layers[i])
            painter.setOpacity(1.0)
        if show and state.result is not None and state.result.spec.uses_query:
            _query_marker(painter, cell, state.result)
    return layout


def render_view(state: ViewState) -> QImage:
    """Return the view as an image: the picture at its own resolution with the overlay, or the grid of small
    multiples at the tiles' resolution."""
    if state.multiples:
        width, height = multiples_size(state)
    else:
        width, height = state.image.width(), state.image.height()
    out = QImage(width, height, QImage.Format.Format_RGB32)
    out.fill(QColor("white"))
    painter = QPainter(out)
    try:
        paint_view(painter, state, Box(0, 0, width, height))
    finally:
        painter.end()
    return out


def _caption(painter: QPainter, cell: Box, text: str) -> None:
    """Draw ``text`` in the caption strip above ``cell``."""
    font = QFont(painter.font())
    font.setPixelSize(12)
    painter.setFont(font)
    painter.setPen(QColor("#202020"))
    strip = QRectF(cell.left, cell.top - CAPTION_HEIGHT, cell.width, CAPTION_HEIGHT)
    painter.drawText(strip, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)


def _query_marker(painter: QPainter, cell: Box, result: OverlayResult) -> None:
    """Outline the query token of ``result``'s block inside ``cell`` and mark the query point."""
    rows, cols = result.block.grid
    fy, fx = result.spec.query
    r, c = min(rows - 1, int(fy * rows)), min(cols - 1, int(fx * cols))
    token = QRectF(
        cell.left + c * cell.width / cols, cell.top + r * cell.height / rows, cell.width / cols, cell.height / rows
    )
    x, y = cell.point(fy, fx)
    arm = max(4.0, cell.width / 40)
    for colour, width in ((QColor(0, 0, 0, 200), 3.0), (QColor("white"), 1.5)):
        painter.setPen(QPen(colour, width))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(token)
        painter.drawLine(QPointF(x - arm, y), QPointF(x + arm, y))
        painter.drawLine(QPointF(x, y - arm), QPointF(x, y + arm))
