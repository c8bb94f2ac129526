"""A small live chart of teaching: the training loss (left axis) and the held-out accuracy (right axis, 0–100 %)
per epoch, painted with QPainter on real axes with round tick values."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

from coatnet_gui.widgets.theme import text_colour

LOSS_COLOR = QColor(40, 110, 200)
ACCURACY_COLOR = QColor(220, 120, 20)


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Return round tick values from 0 to at least ``high`` (> 0), about ``count`` of them: steps of 1, 2 or 5
    times a power of ten."""
    raw = high / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(high / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _label(value: float) -> str:
    return f"{value:.3g}"  # 0.5, 0.0004, 1e-05: the float noise of i * step is rounded away


class TrainingChart(QWidget):
    """Loss and held-out accuracy against the epoch. :meth:`add` appends an epoch, :meth:`clear` starts over;
    ``total_epochs`` sets the x axis' extent (it grows when more epochs arrive)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: list[tuple[int, float, float | None]] = []  # (epoch, loss, accuracy)
        self.total_epochs = 0
        self.setMinimumSize(320, 180)
        self.setAccessibleName("Teaching progress chart")
        self.setAccessibleDescription("The curves appear as the epochs end.")

    def sizeHint(self) -> QSize:
        return QSize(480, 240)

    def clear(self, total_epochs: int = 0) -> None:
        """Forget the points; the x axis runs to ``total_epochs``."""
        self.points, self.total_epochs = [], total_epochs
        self.setAccessibleDescription("The curves appear as the epochs end.")
        self.update()

    def add(self, epoch: int, loss: float, accuracy: float | None) -> None:
        """Add epoch ``epoch``'s training ``loss`` and held-out ``accuracy`` (0–1; None when not measured)."""
        self.points.append((epoch, loss, accuracy))
        self.total_epochs = max(self.total_epochs, epoch)
        held_out = f", held-out accuracy {accuracy:.1%}" if accuracy is not None else ""
        self.setAccessibleDescription(f"Epoch {epoch} of {self.total_epochs}: training loss {loss:.3g}{held_out}")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the axes, their ticks and labels, the two curves and the legend."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(palette.ColorRole.WindowText)
        painter.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        loss_colour, accuracy_colour = (
            text_colour(c, palette, QPalette.ColorRole.Base) for c in (LOSS_COLOR, ACCURACY_COLOR)
        )
        metrics = painter.fontMetrics()
        h = metrics.height()
        plot = QRectF(self.rect()).adjusted(metrics.horizontalAdvance("0.000") + 12, h + 8, -46, -2 * h - 8)
        if plot.width() < 20 or plot.height() < 20:
            return
        epochs = max(1, self.total_epochs)
        losses = [p[1] for p in self.points]
        loss_ticks = nice_ticks(max(losses) if losses and max(losses) > 0 else 1.0, 5)
        loss_top = loss_ticks[-1]
        x_ticks = [t for t in nice_ticks(epochs, 6) if t == int(t)]
        x_top = max(x_ticks[-1], 1)

        def x_at(epoch: float) -> float:
            return plot.left() + plot.width() * epoch / x_top

        def y_at(fraction: float) -> float:
            return plot.bottom() - plot.height() * fraction

        grid = QPen(palette.color(palette.ColorRole.Mid), 1, Qt.PenStyle.DotLine)
        axis = QPen(text, 1)
        painter.setPen(grid)
        for t in loss_ticks[1:]:
            painter.drawLine(QPointF(plot.left(), y_at(t / loss_top)), QPointF(plot.right(), y_at(t / loss_top)))
        painter.setPen(axis)
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        painter.drawLine(plot.bottomRight(), plot.topRight())
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        for t in loss_ticks:
            y = y_at(t / loss_top)
            painter.drawLine(QPointF(plot.left() - 4, y), QPointF(plot.left(), y))
            painter.drawText(QRectF(0, y - h / 2, plot.left() - 6, h), right, _label(t))
        for pct in (0, 25, 50, 75, 100):
            y = y_at(pct / 100)
            painter.drawLine(QPointF(plot.right(), y), QPointF(plot.right() + 4, y))
            painter.drawText(QRectF(plot.right() + 6, y - h / 2, 40, h), left, f"{pct}%")
        for t in x_ticks:
            x = x_at(t)
            painter.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4))
            painter.drawText(QRectF(x - 30, plot.bottom() + 4, 60, h), Qt.AlignmentFlag.AlignHCenter, f"{int(t)}")
        painter.drawText(
            QRectF(plot.left(), plot.bottom() + h + 4, plot.width(), h), Qt.AlignmentFlag.AlignHCenter, self.tr("epoch")
        )
        painter.setPen(loss_colour)
        painter.drawText(QRectF(plot.left(), 2, plot.width() / 2, h), left, self.tr("● training loss"))
        painter.setPen(accuracy_colour)
        painter.drawText(QRectF(plot.center().x(), 2, plot.width() / 2, h), right, self.tr("held-out accuracy ●"))
        if not self.points:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.tr("The curves appear as the epochs end."))
            return
        self._curve(painter, [QPointF(x_at(e), y_at(loss / loss_top)) for e, loss, _ in self.points], loss_colour)
        accuracy = [QPointF(x_at(e), y_at(a)) for e, _, a in self.points if a is not None]
        self._curve(painter, accuracy, accuracy_colour)

    @staticmethod
    def _curve(painter: QPainter, points: list[QPointF], color: QColor) -> None:
        painter.setPen(QPen(color, 2))
        painter.drawPolyline(QPolygonF(points))
        painter.setBrush(color)
        for p in points:
            painter.drawEllipse(p, 2.5, 2.5)
