"""The explanation sheet: one PNG for a report or a bug ticket with the image (and the box the model saw), the top-5,
the model, its label set, device and precision, the settings, and the chosen maps side by side, each with its
faithfulness numbers and verdicts against several random orders.

:func:`gather_maps` runs on the model pool (maps and scores need the network); :func:`render_sheet` paints on a
QImage and :func:`write_sheet_png` writes it atomically, on a worker thread too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import colorize, format_value
from coatnet_gui.widgets.faithfulness_chart import VERDICT_COLOURS
from model.atomic import write_bytes_atomically
from model.choices import FILL_CHOICES
from model.explain.faithfulness import DEFAULT_FILL, RANDOM_ORDERS, Curves
from model.explain.fills import BLUR_SIGMA
from model.explain.maps import OverlayResult, OverlaySpec, compute_overlay
from model.explain.sanity import INSENSITIVE, SanityReport
from model.explain.scoring import score_all_maps, score_overlay, short_title
from model.explain.verdicts import FLAT_MESSAGE, Verdicts
from model.runtime.inference import Classifier, Explanation
from model.runtime.predictor import Prediction

TILE = 260  # longest side of a map tile, in pixels
COLUMNS = 4
MARGIN = 24
GAP = 16
TEXT = QColor("#1f2937")
MUTED = QColor("#6b7280")
BAR = QColor("#3b82f6")
BOX = QColor("#f59e0b")


@dataclass
class SheetMap:
    """One map of the sheet: the overlay ``result`` (computed at tile size), a short ``title``, the class its
    curves follow (``class_name``), its ``curves`` and its ``verdicts`` against the random orders."""

    result: OverlayResult
    title: str
    class_name: str
    curves: Curves
    verdicts: Verdicts


@dataclass
class SheetContent:
    """Everything the sheet shows (plain values and QImages: safe to paint on a worker thread). ``prediction`` is
    the one the prediction panel shows (the same numbers), headed with the precision it was computed in."""

    image: QImage
    view_box: Box
    image_name: str
    prediction: Prediction
    model_lines: list[str]
    settings_lines: list[str]
    maps: list[SheetMap]
    colormap: str
    opacity: float


def tile_size(box: Box) -> tuple[int, int]:
    """Return the (height, width) of a map tile over ``box``: its aspect, :data:`TILE` on the longest side."""
    scale = TILE / max(box.width, box.height, 1.0)
    return max(1, round(box.height * scale)), max(1, round(box.width * scale))


def gather_maps(
    classifier: Classifier, explanation: Explanation, spec: OverlaySpec, box: Box, fill: str = DEFAULT_FILL
) -> list[SheetMap]:
    """Return the sheet's maps: the one on screen (``spec``, when it is one map; scored for its own class) first,
    then one map of each kind that ranks pixels for the top class, most faithful first (see
    :func:`~model.explain.scoring.score_all_maps`), the pixels removed with ``fill``. Runs the network: call it on
    the model pool."""
    labels, size = classifier.label_names, tile_size(box)
    maps: list[SheetMap] = []
    current = compute_overlay(explanation, spec, size, labels)
    if len(current.panels) == 1:
        score = score_overlay(classifier, explanation, current, fill=fill)
        if score.scores.verdicts is not None:
            title = f"on screen: {short_title(current)}"
            maps.append(SheetMap(current, title, score.class_name, score.scores.map, score.scores.verdicts))
    table = score_all_maps(classifier, explanation, spec, fill=fill)
    for name, curves in table.table.ranked():
        if table.specs[name] == current.spec and maps:
            continue  # the map on screen is already first
        result = compute_overlay(explanation, table.specs[name], size, labels)
        maps.append(SheetMap(result, name, table.class_name, curves, table.table.verdicts(name)))
    return maps


def settings_lines(spec_caption: str, colormap: str, opacity: float, steps: int, fill: str = DEFAULT_FILL) -> list[str]:
    """Return the settings the sheet lists: the overlay on screen, colour map and opacity, and how maps are scored
    (steps, the ``fill``, the random orders)."""
    filled = FILL_CHOICES.get(fill, fill) + (f" (σ = {BLUR_SIGMA:.0%} of the side)" if fill == "blur" else "")
    return [
        f"Overlay on screen: {spec_caption}",
        f"Colours: {colormap}, opacity {opacity:.0%}",
        f"Faithfulness: {steps} steps, fill: {filled}, {RANDOM_ORDERS} seeded random orders (95 % interval)",
        "Deletion area: lower is more faithful · insertion area: higher is more faithful · inside the random "
        "interval: inconclusive",
    ]


def sanity_line(report: SanityReport) -> str:
    """Return the sheet's line on the model randomisation test: each kind's Spearman correlation with its original
    map once the weights are random (head → stem), and the kinds flagged insensitive to the model."""
    values = " · ".join(f"{name} {kind.final.spearman:.2f}" for name, kind in report.kinds.items())
    flagged = [name for name, kind in report.kinds.items() if kind.insensitive]
    return f"Sanity, Spearman after random weights: {values}; {INSENSITIVE}: {', '.join(flagged) or 'none'}"


def prediction_heading(prediction: Prediction) -> str:
    """Return the heading of the sheet's top-5: it names the precision ``prediction`` was computed in."""
    return f"Prediction (top {len(prediction.labels)}, {prediction.precision})"


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


def _text(painter: QPainter, rect: QRectF, text: str, font: QFont, colour: QColor = TEXT) -> None:
    painter.setFont(font)
    painter.setPen(colour)
    shown = QFontMetricsF(font).elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, shown)


def _fit(width: float, height: float, side: float) -> tuple[float, float]:
    scale = side / max(width, height, 1.0)
    return width * scale, height * scale


def render_sheet(content: SheetContent) -> QImage:
    """Return the sheet painted on a white image: header, image with the model's box, top-5, model and settings,
    then the maps in rows of :data:`COLUMNS`, each with its deletion and insertion areas and the random order's."""
    line = 18.0
    tile_h, tile_w = tile_size(content.view_box)
    cell_w = max(tile_w, TILE)
    width = 2 * MARGIN + COLUMNS * cell_w + (COLUMNS - 1) * GAP
    top_h = TILE + 2 * line
    cell_h = tile_h + 5 * line
    rows = max(1, -(-len(content.maps) // COLUMNS))
    height = int(MARGIN + 2 * line + GAP + top_h + GAP + line + rows * (cell_h + GAP) + MARGIN)
    sheet = QImage(width, height, QImage.Format.Format_RGB32)
    sheet.fill(QColor("white"))
    painter = QPainter(sheet)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        _paint(painter, content, width, line, cell_w, cell_h, top_h)
    finally:
        painter.end()
    return sheet


def _paint(
    painter: QPainter, content: SheetContent, width: int, line: float, cell_w: int, cell_h: float, top_h: float
) -> None:
    y = float(MARGIN)
    inner = width - 2 * MARGIN
    _text(painter, QRectF(MARGIN, y, inner, line * 1.4), f"Explanation sheet — {content.image_name}", _font(20, True))
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    _text(painter, QRectF(MARGIN, y + line * 1.4, inner, line), f"CoAtNet Lens · {stamp}", _font(12), MUTED)
    y += 2 * line + GAP

    # the image, with the box the model saw
    image = content.image
    iw, ih = _fit(image.width(), image.height(), TILE)
    target = QRectF(MARGIN, y, iw, ih)
    painter.drawImage(target, image)
    scale = iw / max(1, image.width())
    box = content.view_box
    painter.setPen(QPen(BOX, 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(MARGIN + box.left * scale, y + box.top * scale, box.width * scale, box.height * scale))
    _text(painter, QRectF(MARGIN, y + TILE + 2, TILE, line), "orange: the part the model sees", _font(11), MUTED)

    # the top-5
    x = MARGIN + TILE + GAP * 2
    column = (width - x - MARGIN - GAP) / 2
    p = content.prediction
    _text(painter, QRectF(x, y, column, line), prediction_heading(p), _font(14, True))
    for i, (label, prob) in enumerate(zip(p.labels, p.probs, strict=True)):
        row = y + (i + 1.3) * line * 1.3
        _text(painter, QRectF(x, row, column * 0.45, line), label, _font(13))
        track = QRectF(x + column * 0.47, row + 4, column * 0.35, line - 8)
        painter.fillRect(track, QColor("#e5e7eb"))
        painter.fillRect(QRectF(track.left(), track.top(), track.width() * prob, track.height()), BAR)
        _text(painter, QRectF(x + column * 0.84, row, column * 0.16, line), f"{prob * 100:.1f}%", _font(13))

    # model and settings
    x2 = x + column + GAP
    _text(painter, QRectF(x2, y, column, line), "Model", _font(14, True))
    row = y + line * 1.3
    for text in content.model_lines:
        _text(painter, QRectF(x2, row, column, line), text, _font(12))
        row += line
    row += line * 0.5
    _text(painter, QRectF(x2, row, column, line), "Settings", _font(14, True))
    row += line * 1.3
    for text in content.settings_lines:
        painter.setFont(_font(12))
        painter.setPen(TEXT)
        rect = QRectF(x2, row, column, line * 3)
        bound = painter.boundingRect(rect, Qt.TextFlag.TextWordWrap, text)
        painter.drawText(rect, Qt.TextFlag.TextWordWrap, text)
        row += bound.height() + 2
    y += top_h + GAP

    # the maps
    _text(painter, QRectF(MARGIN, y, inner, line), "Maps, most faithful first", _font(14, True))
    y += line + 4
    for i, sheet_map in enumerate(content.maps):
        cx = MARGIN + (i % COLUMNS) * (cell_w + GAP)
        cy = y + (i // COLUMNS) * (cell_h + GAP)
        _paint_map(painter, content, sheet_map, QRectF(cx, cy, cell_w, cell_h), line)


def _paint_map(painter: QPainter, content: SheetContent, sheet_map: SheetMap, cell: QRectF, line: float) -> None:
    tile_h, tile_w = tile_size(content.view_box)
    _text(painter, QRectF(cell.left(), cell.top(), cell.width(), line), sheet_map.title, _font(13, True))
    target = QRectF(cell.left(), cell.top() + line, tile_w, tile_h)
    box = content.view_box
    painter.drawImage(target, content.image, QRectF(box.left, box.top, box.width, box.height))
    layer = colorize(sheet_map.result, content.colormap)[0]
    painter.setOpacity(content.opacity)
    painter.drawImage(target, layer)
    painter.setOpacity(1.0)
    panel = sheet_map.result.panels[0]
    curves, verdicts = sheet_map.curves, sheet_map.verdicts
    spans = [f"{i.lo:.3f}–{i.hi:.3f}" for i in (verdicts.deletion_interval, verdicts.insertion_interval)]
    note = FLAT_MESSAGE.split(" (")[0] if verdicts.flat else f"for “{sheet_map.class_name}”"
    texts = [
        (f"{sheet_map.result.unit} {format_value(panel.lo)} … {format_value(panel.hi)}", MUTED),
        (note, MUTED),
        (f"deletion {curves.deletion_area:.3f} ({spans[0]}): {verdicts.deletion}", _colour(verdicts.deletion)),
        (f"insertion {curves.insertion_area:.3f} ({spans[1]}): {verdicts.insertion}", _colour(verdicts.insertion)),
    ]
    row = target.bottom() + 2
    for text, colour in texts:
        _text(painter, QRectF(cell.left(), row, cell.width(), line), text, _font(12), colour)
        row += line


def _colour(verdict: str) -> QColor:
    """Return the colour of a verdict: green for better, red for worse, the text's for inconclusive."""
    return QColor(VERDICT_COLOURS.get(verdict, TEXT.name()))


def write_sheet_png(content: SheetContent, path: str) -> None:
    """Render the sheet and write it to ``path`` as PNG, atomically (on a worker thread)."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not render_sheet(content).save(buffer, "PNG"):
        raise OSError(f"Could not encode the sheet as PNG for {path}.")
    write_bytes_atomically(path, bytes(buffer.data().data()))
