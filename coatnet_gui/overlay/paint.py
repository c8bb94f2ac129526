"""Drawing the image with its overlay: colour-mapped QImages, one layout for screen and file, and painting.

The same :func:`layout_view` and :func:`paint_view` draw the view in the widget and into the PNG that
"Save view" writes, so what is saved is what is seen (at the image's own resolution). Every map comes with a
colour bar that names its range and unit: under the image, on screen and in a saved single view (in a strip added
below the picture, whose pixels stay as they are; a narrow picture gets a wider canvas for it), under each cell of
small multiples. A saved view is drawn as if its longest side were :data:`SAVED_SIDE` pixels on screen: on a 12 MP
photo the colour bar and the query marker grow with the picture, so they stay legible when it is looked at whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from coatnet_gui.model_texts import core_text
from coatnet_gui.overlay.geometry import Box, fit_box, grid_cells
from coatnet_gui.qimage import packed_qimage, to_qimage
from model.explain import colormaps
from model.explain.introspect import grid_cell
from model.explain.maps import OverlayResult, Panel

CAPTION_HEIGHT = 18.0  # title strip above each small multiple
CELL_BAR_HEIGHT = 20.0  # colour bar under each small multiple
NOTE_HEIGHT = 16.0  # one line under the small multiples: the unit
COLORBAR_HEIGHT = 24.0  # colour bar under the single view, on screen (times the scale in a saved view)
SAVED_SIDE = 1000.0  # a saved view's marks are sized as on a screen showing its longest side in this many pixels
SAVED_BAR_MIN_WIDTH = 160.0  # a saved view narrower than this (28x28 Fashion-MNIST) gets a wider canvas for its bar
TILE_GAP = 6.0
TITLE_PAD = 4.0  # left and right of a title in its strip
TITLE_PIXELS = (12, 11, 10, 9)  # title font sizes tried, largest first, before a title is elided
STRIP = QColor(0, 0, 0, 190)
STRIP_TEXT = QColor("#f2f2f2")
COLORMAP_KEY = "colormap"  # QImage text key: the colour map a layer was drawn with


def colorize(result: OverlayResult, cmap: str) -> list[QImage]:
    """Return one colour-mapped QImage per panel of ``result`` (each over its own colour range; signed panels
    with a diverging map, see :func:`colormaps.for_map`). Each image names its map under :data:`COLORMAP_KEY`,
    for the colour bar."""
    layers = []
    for panel in result.panels:
        name = colormaps.for_map(cmap, panel.signed)
        layer = packed_qimage(np.take(colormaps.packed_table(name), colormaps.indices(panel.image, panel.lo, panel.hi)))
        layer.setText(COLORMAP_KEY, name)
        layers.append(layer)
    return layers


def format_value(value: float) -> str:
    """Return ``value`` with 3 significant digits, as the colour bar shows it ("0.0312", "-1.5", "2.1e+03")."""
    return f"{value:.3g}"


def colorbar_labels(panel: Panel) -> tuple[str, str]:
    """Return the texts at the low and high ends of ``panel``'s colour bar: its colour range ``lo``, ``hi``."""
    return format_value(panel.lo), format_value(panel.hi)


def fit_title(text: str, width: float, font: QFont) -> tuple[QFont, str]:
    """Return the font (``font`` at the largest of :data:`TITLE_PIXELS` that fits) and the text to draw title
    ``text`` in ``width`` pixels: the whole title whenever some size fits, else the title elided at the smallest."""
    fitted = QFont(font)
    for pixels in TITLE_PIXELS:
        fitted.setPixelSize(pixels)
        metrics = QFontMetricsF(fitted)
        if metrics.horizontalAdvance(text) <= width:
            return fitted, text
    return fitted, metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(0.0, width))


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
    """Where the view lands in an ``area``: the whole ``image_rect`` (single view only), one ``cell`` per
    panel, each the model's view on screen, the room for each panel's colour bar (``bars``, empty without an
    overlay) and, for small multiples, a ``note`` line under the grid."""

    image_rect: Box | None
    cells: list[Box]
    bars: list[Box] = field(default_factory=list)
    note: Box | None = None


def colorbar_strip(scale: float = 1.0) -> float:
    """Return the height in pixels of the strip that holds a single view's colour bar, at ``scale`` (1 on screen,
    :func:`saved_scale` in a saved view): a whole number, so that the picture above it stays on whole pixels."""
    return float(round(COLORBAR_HEIGHT * scale))


def saved_scale(width: int, height: int) -> float:
    """Return how much larger than on screen the marks (colour bar, query marker) of a saved view of a picture of
    ``width`` x ``height`` pixels are drawn: 1 up to :data:`SAVED_SIDE` pixels, then in proportion (4 for 4000 px)."""
    return max(1.0, max(width, height) / SAVED_SIDE)


def layout_view(state: ViewState, area: Box, scale: float = 1.0) -> ViewLayout:
    """Return the layout of ``state`` in ``area``: the image fitted with the overlay over the model's view and
    its colour bar in a strip under it (:func:`colorbar_strip` of ``scale`` tall), or small multiples of the
    model's view in a grid, each with a title above and a colour bar below."""
    overlay = state.visible and state.result is not None
    if not state.multiples:
        image_size = (state.image.width(), state.image.height())
        below = colorbar_strip(scale) if overlay else 0.0
        room = Box(area.left, area.top, area.width, area.height - below)
        image_rect = fit_box(image_size, room)
        full = Box(0, 0, *image_size)
        layout = ViewLayout(image_rect, [full.map_into(state.view_box, image_rect)])
        if overlay:
            gap = 2.0 * scale
            layout.bars = [Box(area.left, image_rect.bottom + gap, area.width, below - 2 * gap)]
        return layout
    assert state.result is not None
    grid_area = Box(area.left, area.top, area.width, max(0.0, area.height - NOTE_HEIGHT))
    slots = grid_cells(
        len(state.result.panels), state.result.columns, grid_area, TILE_GAP, CAPTION_HEIGHT + CELL_BAR_HEIGHT
    )
    aspect = (state.view_box.width, state.view_box.height)
    cells = [fit_box(aspect, Box(s.left, s.top - CELL_BAR_HEIGHT, s.width, s.height)) for s in slots]
    bars = [Box(c.left, c.bottom + 1, c.width, CELL_BAR_HEIGHT - 2) for c in cells]
    return ViewLayout(None, cells, bars, Box(area.left, grid_area.bottom, area.width, NOTE_HEIGHT))


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
    height = rows * (tile_h + CAPTION_HEIGHT + CELL_BAR_HEIGHT) + (rows - 1) * TILE_GAP + NOTE_HEIGHT
    return math.ceil(width), math.ceil(height)


def _rect(box: Box) -> QRectF:
    return QRectF(box.left, box.top, box.width, box.height)


def paint_view(painter: QPainter, state: ViewState, area: Box, scale: float = 1.0) -> ViewLayout:
    """Paint ``state`` into ``area`` with ``painter``, the colour bar and query marker ``scale`` times their size
    on screen (see :func:`saved_scale`); return the layout used (for hit-testing)."""
    layout = layout_view(state, area, scale)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    result = state.result if state.visible else None
    if layout.image_rect is not None:
        painter.drawImage(_rect(layout.image_rect), state.image)
    for i, cell in enumerate(layout.cells):
        if layout.image_rect is None:
            painter.drawImage(_rect(cell), state.image, _rect(state.view_box))
            _caption(painter, cell, state.result.panels[i].title if state.result else "")
        if result is not None and i < len(state.layers):
            painter.setOpacity(state.opacity)
            painter.drawImage(_rect(cell), state.layers[i])
            painter.setOpacity(1.0)
        if result is not None and result.spec.uses_query:
            _query_marker(painter, cell, result, scale)
    if result is not None:
        for panel, layer, bar in zip(result.panels, state.layers, layout.bars, strict=False):
            cmap = layer.text(COLORMAP_KEY) or colormaps.COLORMAPS[0]
            if layout.image_rect is not None:
                _colorbar(painter, bar, cmap, panel, core_text(result.unit))
            else:
                _cell_colorbar(painter, bar, cmap, panel)
        if layout.note is not None:
            note = (
                QCoreApplication.translate(
                    "Paint", "{unit} · each panel coloured over its own range, symmetric around 0"
                )
                if result.signed
                else QCoreApplication.translate("Paint", "{unit} · each panel coloured over its own range")
            )
            _note(painter, layout.note, note.format(unit=core_text(result.unit)))
    return layout


def render_view(state: ViewState) -> QImage:
    """Return the view as an image: the picture at its own resolution with the overlay and, when there is one, its
    colour bar in a strip added below (the picture's pixels are the top rows, as they are; a picture narrower than
    :data:`SAVED_BAR_MIN_WIDTH` is centred on a wider canvas), or the grid of small multiples at the tiles'
    resolution."""
    scale = 1.0
    if state.multiples:
        width, height = multiples_size(state)
    else:
        width, height = state.image.width(), state.image.height()
        if state.visible and state.result is not None:
            scale = saved_scale(width, height)
            width += 2 * math.ceil(max(0.0, SAVED_BAR_MIN_WIDTH * scale - width) / 2)  # centred on whole pixels
            height += int(colorbar_strip(scale))
    out = QImage(width, height, QImage.Format.Format_RGB32)
    out.fill(QColor("white"))
    painter = QPainter(out)
    try:
        paint_view(painter, state, Box(0, 0, width, height), scale)
    finally:
        painter.end()
    return out


def _caption(painter: QPainter, cell: Box, text: str) -> None:
    """Draw title ``text`` in light letters on a dark strip right above ``cell`` (readable on any background)."""
    _note(painter, Box(cell.left, cell.top - CAPTION_HEIGHT, cell.width, CAPTION_HEIGHT), text)


def _note(painter: QPainter, box: Box, text: str) -> None:
    """Draw one line of ``text`` in light letters on a dark strip filling ``box``."""
    strip = _rect(box)
    painter.fillRect(strip, STRIP)
    font, shown = fit_title(text, box.width - 2 * TITLE_PAD, painter.font())
    painter.setFont(font)
    painter.setPen(STRIP_TEXT)
    inner = strip.adjusted(TITLE_PAD, 0, -TITLE_PAD, 0)
    painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)


def _colorbar(painter: QPainter, box: Box, cmap: str, panel: Panel, unit: str) -> None:
    """Draw ``panel``'s colour bar centred in ``box`` as one row, light on a dark strip only as wide as needed:
    its low end, the colour map ``cmap`` as a gradient (a tick at 0 when signed), its high end and ``unit``."""
    lo_text, hi_text = colorbar_labels(panel)
    font = QFont(painter.font())
    font.setPixelSize(max(9, round(box.height * 0.6)))
    metrics = QFontMetricsF(font)
    pad = font.pixelSize() / 3
    hi_full = f"{hi_text}  {unit}" if unit else hi_text
    texts = metrics.horizontalAdvance(lo_text) + metrics.horizontalAdvance(hi_full) + 4 * pad
    if texts + 6 * pad > box.width:
        hi_full = hi_text
        texts = metrics.horizontalAdvance(lo_text) + metrics.horizontalAdvance(hi_full) + 4 * pad
    gradient_w = min(max(0.0, box.width - texts), 10.0 * font.pixelSize())
    width = min(box.width, texts + gradient_w)
    strip = QRectF(box.left + (box.width - width) / 2, box.top, width, box.height)
    painter.fillRect(strip, STRIP)
    painter.setFont(font)
    painter.setPen(STRIP_TEXT)
    middle = Qt.AlignmentFlag.AlignVCenter
    painter.drawText(strip.adjusted(pad, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | middle, lo_text)
    painter.drawText(strip.adjusted(0, 0, -pad, 0), Qt.AlignmentFlag.AlignRight | middle, hi_full)
    if gradient_w >= 2 * pad:
        bar_h = box.height * 0.45
        x = strip.left() + 2 * pad + metrics.horizontalAdvance(lo_text)
        _gradient(painter, QRectF(x, box.top + (box.height - bar_h) / 2, gradient_w, bar_h), cmap, panel.signed)


def _cell_colorbar(painter: QPainter, box: Box, cmap: str, panel: Panel) -> None:
    """Draw ``panel``'s colour bar in ``box`` under a small multiple: the gradient over the cell's whole width,
    the low and high ends under its two ends."""
    lo_text, hi_text = colorbar_labels(panel)
    strip = _rect(box)
    painter.fillRect(strip, STRIP)
    _gradient(painter, QRectF(strip.left(), strip.top(), strip.width(), 5.0), cmap, panel.signed)
    font = QFont(painter.font())
    font.setPixelSize(10)
    painter.setFont(font)
    painter.setPen(STRIP_TEXT)
    text = strip.adjusted(TITLE_PAD, 5.0, -TITLE_PAD, 0)
    painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, lo_text)
    painter.drawText(text, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, hi_text)


def _gradient(painter: QPainter, rect: QRectF, cmap: str, signed: bool) -> None:
    """Fill ``rect`` with colour map ``cmap`` from left (low) to right (high); mark the middle (0) if ``signed``."""
    table = np.ascontiguousarray(colormaps.lookup_table(cmap)[None, :, :])
    painter.drawImage(rect, to_qimage(table))
    if signed:
        painter.setPen(QPen(STRIP_TEXT, 1.0))
        centre = rect.center().x()
        painter.drawLine(QPointF(centre, rect.top()), QPointF(centre, rect.bottom()))


def _query_marker(painter: QPainter, cell: Box, result: OverlayResult, scale: float = 1.0) -> None:
    """Outline the query token of ``result``'s block inside ``cell`` and mark its centre with a cross (the map is
    computed for the whole token, whichever point in it was clicked), with lines ``scale`` times as wide as on
    screen."""
    rows, cols = result.block.grid
    fy, fx = result.spec.query
    r, c = grid_cell((rows, cols), fy, fx)
    token = QRectF(
        cell.left + c * cell.width / cols, cell.top + r * cell.height / rows, cell.width / cols, cell.height / rows
    )
    x, y = token.center().x(), token.center().y()  # the map is of the whole token: mark its centre, in its box
    arm = max(4.0 * scale, cell.width / 40)
    for colour, width in ((QColor(0, 0, 0, 200), 3.0), (QColor("white"), 1.5)):
        painter.setPen(QPen(colour, width * scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(token)
        painter.drawLine(QPointF(x - arm, y), QPointF(x + arm, y))
        painter.drawLine(QPointF(x, y - arm), QPointF(x, y + arm))
