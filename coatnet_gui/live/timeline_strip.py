"""The timeline strip under the scrubber: per sampled frame, a bar in its top-1 class's colour as tall as its
confidence, a marker at the frame shown; a click seeks there (``seek_requested(seconds)``), hovering names the
class.

The bars and their class names are drawn once into a pixmap, again only when rows come or the size changes: while a
file plays the marker moves 30 times a second, and drawing thousands of bars in Python each time held the GIL for
about 7 ms per frame, time the Live tab's network (Python between its operations) waited for."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from coatnet_gui import i18n
from model.live.timeline import TimelineRow, row_at

STRIP_HEIGHT = 44
BACKGROUND = QColor("#2b2d30")
MARKER = QColor("#ffffff")
TEXT = QColor("#c8c8c8")
LABEL_BACK, LABEL_TEXT = QColor(0, 0, 0, 170), QColor("#f2f2f2")  # a class name over its run of frames
LABEL_PAD = 4.0
# Okabe-Ito and Tableau colours, distinguishable by most people; class i takes colour i mod 10
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")


def class_colour(index: int) -> QColor:
    """Return the colour of class ``index`` in the strip."""
    return QColor(PALETTE[index % len(PALETTE)])


class TimelineStrip(QWidget):
    """See the module docstring. :meth:`set_duration` for a new file, :meth:`add_rows` as they come,
    :meth:`set_position` for the frame shown."""

    seek_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(STRIP_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Timeline: top-1 class and confidence over time; click to seek")
        self.setToolTip(self.tr("Top-1 class and confidence of each frame; click to show that frame"))
        self.duration = 0.0
        self.rows: list[TimelineRow] = []
        self.position: float | None = None
        self.note = self.tr("Open a video file: its frames are classified here in the background.")
        self._bars: QPixmap | None = None  # the bars and names as drawn last (None: draw them again)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """A strip as wide as it is given and :data:`STRIP_HEIGHT` tall."""
        return QSize(400, STRIP_HEIGHT)

    def set_duration(self, seconds: float) -> None:
        """Start a new file of ``seconds``: no rows yet."""
        self.duration, self.rows, self.position = max(0.0, seconds), [], None
        self.note = self.tr("Classifying the frames…")
        self._redraw()

    def clear(self, note: str) -> None:
        """Show no file, only ``note``."""
        self.duration, self.rows, self.position, self.note = 0.0, [], None, note
        self._redraw()

    def set_note(self, note: str) -> None:
        """Say ``note`` where no frame is classified (the timeline stopped before its first rows)."""
        self.note = note
        self._redraw()

    def add_rows(self, rows: list[TimelineRow]) -> None:
        """Add classified frames (in time order)."""
        self.rows.extend(rows)
        self._redraw()

    def set_position(self, seconds: float | None) -> None:
        """Mark the frame shown at ``seconds`` (None: no marker)."""
        self.position = seconds
        self.update()

    def _redraw(self) -> None:
        self._bars = None
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """The bars are drawn again at the new width."""
        self._bars = None
        super().resizeEvent(event)

    def _x(self, seconds: float) -> float:
        return 1.0 + (self.width() - 2.0) * (seconds / self.duration if self.duration > 0 else 0.0)

    def _seconds(self, x: float) -> float:
        return max(0.0, min(self.duration, (x - 1.0) / max(1.0, self.width() - 2.0) * self.duration))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the bars (as drawn last, unless rows came or the size changed), the marker, or the note when there is
        nothing to draw."""
        ratio = self.devicePixelRatioF()
        if self._bars is None or self._bars.devicePixelRatio() != ratio:
            self._bars = self._draw_bars(ratio)
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._bars)
        if self.rows and self.duration > 0 and self.position is not None:
            painter.setPen(QPen(MARKER, 2.0))
            x = self._x(self.position)
            painter.drawLine(int(x), 0, int(x), self.height())
        painter.end()

    def _draw_bars(self, ratio: float) -> QPixmap:
        """Return the strip without its marker, ``ratio`` device pixels per logical pixel."""
        pixmap = QPixmap(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        painter = QPainter(pixmap)
        painter.fillRect(self.rect(), BACKGROUND)
        if not self.rows or self.duration <= 0:
            painter.setPen(TEXT)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.note)
            painter.end()
            return pixmap
        h = self.height() - 2.0
        # rows are sampled at a steady rate: a bar spans one step (rows still coming leave the rest of the strip empty)
        step = self.rows[1].time - self.rows[0].time if len(self.rows) > 1 else self.duration
        width = max(1.0, self._x(step) - self._x(0.0))
        for row in self.rows:
            bar = h * max(0.05, row.confidence)
            painter.fillRect(QRectF(self._x(row.time), 1.0 + h - bar, width, bar), class_colour(row.indices[0]))
        self._label_runs(painter, width)
        painter.end()
        return pixmap

    def _label_runs(self, painter: QPainter, width: float) -> None:
        """Name the class of each run of frames with the same top-1, where the name fits (the colours' legend)."""
        metrics = painter.fontMetrics()
        start = 0
        for i in range(1, len(self.rows) + 1):
            if i < len(self.rows) and self.rows[i].indices[0] == self.rows[start].indices[0]:
                continue
            left, right = self._x(self.rows[start].time), self._x(self.rows[i - 1].time) + width
            text = self.rows[start].label
            room = right - left - 2 * LABEL_PAD
            if room > 12:
                text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(room))
                box = QRectF(0, 0, metrics.horizontalAdvance(text) + 2 * LABEL_PAD, metrics.height())
                box.moveCenter(QRectF(left, 0, right - left, self.height()).center())
                if text != "…" and box.width() <= right - left:
                    painter.fillRect(box, LABEL_BACK)
                    painter.setPen(LABEL_TEXT)
                    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            start = i

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """A left click seeks to the time under the cursor."""
        if event.button() == Qt.MouseButton.LeftButton and self.duration > 0:
            self.seek_requested.emit(self._seconds(event.position().x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Name the class and confidence of the frame under the cursor in the tooltip."""
        row = row_at(self.rows, self._seconds(event.position().x())) if self.duration > 0 else None
        if row is not None:
            tip = self.tr("{time} s · {label} {confidence} — click to show this frame")
            time = QLocale().toString(row.time, "f", 2)
            self.setToolTip(tip.format(time=time, label=row.label, confidence=i18n.percent(row.confidence, 0)))
        super().mouseMoveEvent(event)
