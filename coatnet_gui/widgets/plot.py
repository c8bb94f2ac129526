"""Small QPainter charts with real axes: nice tick values, the plot frame with ticks and axis titles, a legend, and
a chart drawn onto an image for saving (the same painting as on screen)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFocusEvent, QFont, QFontMetricsF, QImage, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

TICK = 4.0  # tick length in pixels
PAD = 4.0


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Return about ``count`` round tick values (1, 2 or 5 times a power of ten apart) covering ``lo``..``hi``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-6:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi - step * 1e-6:
        ticks.append(round(value, 10))
    return ticks


def tick_text(value: float, step: float) -> str:
    """Return ``value`` with as many decimals as the tick ``step`` needs."""
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    return f"{value:.{decimals}f}"


class FocusFrameWidget(QWidget):
    """A widget that draws its keyboard focus itself (:func:`draw_focus` when ``hasFocus()``): it repaints when the
    focus comes and goes."""

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        """Repaint with the focus frame."""
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt override
        """Repaint without the focus frame."""
        self.update()
        super().focusOutEvent(event)


class SidebarChart(FocusFrameWidget):
    """A chart that sits in the sidebar: 300 x ``HEIGHT`` pixels wanted, never shorter than ``HEIGHT``, drawn by
    :meth:`paint` (which also draws it onto an image for the explanation sheet)."""

    HEIGHT = 170

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Small: it sits in the sidebar."""
        return QSize(300, self.HEIGHT)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """As tall as the size hint."""
        return QSize(200, self.HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the chart into the whole widget, antialiased."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint(painter, QRectF(self.rect()))
        painter.end()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Paint the chart into ``area``: each chart's own drawing."""
        raise NotImplementedError


@dataclass
class Axes:
    """A plot frame: the data ``rect`` on the widget and the data ranges ``x`` and ``y`` (lo, hi) it shows."""

    rect: QRectF
    x: tuple[float, float]
    y: tuple[float, float]

    def point(self, x: float, y: float) -> QPointF:
        """Return the widget position of data point ``(x, y)``."""
        fx = (x - self.x[0]) / ((self.x[1] - self.x[0]) or 1.0)
        fy = (y - self.y[0]) / ((self.y[1] - self.y[0]) or 1.0)
        return QPointF(self.rect.left() + fx * self.rect.width(), self.rect.bottom() - fy * self.rect.height())


def small_font(base: QFont, pixels: int = 10) -> QFont:
    """Return ``base`` at ``pixels`` pixels (tick labels, legends)."""
    font = QFont(base)
    font.setPixelSize(pixels)
    return font


def plot_rect(area: QRectF, font: QFont, y_labels: Sequence[str], last_x_label: str = "") -> QRectF:
    """Return the data rectangle inside ``area`` that leaves room for the legend line on top, the y tick labels
    (``y_labels``) and the y-axis title (rotated) on the left, the x tick labels and axis title underneath, and half
    of ``last_x_label`` (the rightmost x tick) on the right."""
    metrics = QFontMetricsF(font)
    left = max((metrics.horizontalAdvance(t) for t in y_labels), default=0.0) + TICK + PAD + metrics.height() + PAD
    bottom = 2 * metrics.height() + TICK + PAD
    top = area.top() + 2 * PAD + metrics.height() * 1.5
    right = area.right() - max(2 * PAD, metrics.horizontalAdvance(last_x_label) / 2 + PAD)
    return QRectF(area.left() + left, top, max(1.0, right - area.left() - left), max(1.0, area.bottom() - bottom - top))


def draw_axes(
    painter: QPainter,
    axes: Axes,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
    x_title: str,
    y_title: str,
    palette: QPalette,
    font: QFont,
) -> None:
    """Draw ``axes``' frame, light grid lines and ticks at ``x_ticks`` / ``y_ticks`` (value, text), and the axis
    titles, in ``palette``'s text colour and ``font``."""
    text = palette.color(QPalette.ColorRole.WindowText)
    grid = QColor(text)
    grid.setAlpha(40)
    rect = axes.rect
    painter.setFont(font)
    metrics = QFontMetricsF(font)
    for value, label in y_ticks:
        y = axes.point(axes.x[0], value).y()
        painter.setPen(QPen(grid, 1))
        painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        painter.setPen(QPen(text, 1))
        painter.drawLine(QPointF(rect.left() - TICK, y), QPointF(rect.left(), y))
        box = QRectF(rect.left() - TICK - PAD - 200, y - metrics.height() / 2, 200, metrics.height())
        painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
    for value, label in x_ticks:
        x = axes.point(value, axes.y[0]).x()
        painter.setPen(QPen(text, 1))
        painter.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + TICK))
        width = metrics.horizontalAdvance(label) + 2
        box = QRectF(x - width / 2, rect.bottom() + TICK, width, metrics.height())
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    painter.setPen(QPen(text, 1))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect)
    title_box = QRectF(rect.left(), rect.bottom() + TICK + metrics.height(), rect.width(), metrics.height() + PAD)
    painter.drawText(title_box, Qt.AlignmentFlag.AlignCenter, x_title)
    painter.save()
    painter.translate(rect.left() - TICK - PAD - _widest(metrics, y_ticks) - PAD, rect.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-rect.height() / 2, -metrics.height(), rect.height(), metrics.height()),
                     Qt.AlignmentFlag.AlignCenter, y_title)  # fmt: skip
    painter.restore()


def _widest(metrics: QFontMetricsF, ticks: Sequence[tuple[float, str]]) -> float:
    return max((metrics.horizontalAdvance(label) for _value, label in ticks), default=0.0)


@dataclass
class LegendEntry:
    """One legend line: ``text`` beside a sample drawn by ``sample(painter, rect)``."""

    text: str
    sample: Callable[[QPainter, QRectF], None]


def line_sample(colour: QColor, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> Callable[[QPainter, QRectF], None]:
    """Return a legend sample: a short line in ``colour`` and ``style``."""

    def draw(painter: QPainter, rect: QRectF) -> None:
        painter.setPen(QPen(colour, 2, style))
        painter.drawLine(QPointF(rect.left(), rect.center().y()), QPointF(rect.right(), rect.center().y()))

    return draw


def draw_legend(
    painter: QPainter, area: QRectF, entries: Sequence[LegendEntry], palette: QPalette, font: QFont
) -> None:
    """Draw ``entries`` side by side in one row, right-aligned in ``area`` (the legend line above a plot)."""
    metrics = QFontMetricsF(font)
    sample_w = 16.0
    widths = [sample_w + PAD + metrics.horizontalAdvance(e.text) for e in entries]
    x = area.right() - sum(widths) - 2 * PAD * (len(entries) - 1)
    painter.setFont(font)
    for entry, width in zip(entries, widths, strict=True):
        entry.sample(painter, QRectF(x, area.top(), sample_w, area.height()))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text = QRectF(x + sample_w + PAD, area.top(), width, area.height())
        painter.drawText(text, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, entry.text)
        x += width + 2 * PAD


def draw_focus(painter: QPainter, area: QRectF, palette: QPalette) -> None:
    """Draw the keyboard focus around ``area``: a dotted frame in ``palette``'s highlight colour."""
    painter.save()
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1.5, Qt.PenStyle.DotLine))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(area.adjusted(1, 1, -1, -1))
    painter.restore()


def legend_rect(area: QRectF, font: QFont) -> QRectF:
    """Return the legend line at the top of ``area``."""
    return QRectF(area.left(), area.top() + PAD / 2, area.width() - PAD, QFontMetricsF(font).height())


def chart_png(paint: Callable[[QPainter, QRectF], None], width: int, height: int, background: QColor) -> bytes:
    """Return a chart painted by ``paint(painter, area)`` on a ``width`` x ``height`` image, encoded as PNG (safe off
    the GUI thread: it paints on a QImage)."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(background)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paint(painter, QRectF(0, 0, width, height))
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise OSError("Could not encode the chart as PNG.")
    return bytes(buffer.data().data())
