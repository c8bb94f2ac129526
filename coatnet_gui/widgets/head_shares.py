"""A small bar chart: how positional each attention head of a block is (0 = content only, 1 = position only)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from coatnet_gui.widgets.plot import FocusFrameWidget, draw_focus
from coatnet_gui.widgets.theme import series

POSITION = QColor("#8b5cf6")
CONTENT = QColor("#14b8a6")
SELECTED = QColor("#f59e0b")
BAR_HEIGHT = 44
LABEL_PIXELS = (12, 11, 10, 9, 8)  # label font sizes tried, largest first, until "100%" fits under a bar


@dataclass
class ShareLabel:
    """The two lines under one bar: the ``head`` number and its ``percent``, drawn in ``font`` within ``rect``
    (the bar's slot, two lines high)."""

    head: str
    percent: str
    rect: QRectF
    font: QFont


def label_layout(shares: list[float], width: float, top: float, font: QFont) -> list[ShareLabel]:
    """Return the labels under ``len(shares)`` bars spread over ``width`` pixels, starting at ``top``: "h3" over
    "42%", in ``font`` shrunk (down to 8 px) until the widest percentage fits its bar's slot, so that every head
    keeps its percentage (without the % sign, and the head without its "h", when even 8 px is too wide)."""
    if not shares:
        return []
    slot = width / len(shares)
    fitted = QFont(font)
    for pixels in LABEL_PIXELS:
        fitted.setPixelSize(pixels)
        if QFontMetricsF(fitted).horizontalAdvance("100%") <= slot - 2:
            break
    metrics = QFontMetricsF(fitted)
    sign = "%" if metrics.horizontalAdvance("100%") <= slot - 2 else ""
    prefix = "h" if metrics.horizontalAdvance(f"h{len(shares) - 1}") <= slot - 2 else ""
    line = metrics.height()
    return [
        ShareLabel(f"{prefix}{head}", f"{share * 100:.0f}{sign}", QRectF(head * slot, top, slot, 2 * line), fitted)
        for head, share in enumerate(shares)
    ]


class HeadShareChart(FocusFrameWidget):
    """One bar per head, split into its positional share (purple, bottom) and content share (teal, top).
    Emits ``head_clicked(head)`` when a bar is clicked."""

    head_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.shares: list[float] = []
        self.selected: int | None = None
        self.setAccessibleName("Positional share of each head")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Left/Right pick the previous/next head
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            self.tr(
                "How positional each head is: var(w[i−j]) / (var(w[i−j]) + var(q·k/√d)) over keys, averaged over "
                "queries.\nPurple: the share decided by position, teal: by content. Click a bar to pick the head."
            )
        )

    def set_shares(self, shares: list[float], selected: int | None) -> None:
        """Show ``shares`` (one per head, 0-1) with head ``selected`` (None: the mean or all) highlighted."""
        self.shares, self.selected = list(shares), selected
        self.setAccessibleDescription(", ".join(f"head {h}: {s:.0%} positional" for h, s in enumerate(shares)))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Room for the bars and two lines of labels (head number, positional share)."""
        return QSize(200, BAR_HEIGHT + 4 + 2 * self._label_line_height())

    def _label_line_height(self) -> int:
        font = QFont(self.font())
        font.setPixelSize(LABEL_PIXELS[0])
        return round(QFontMetricsF(font).height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """As tall as the size hint."""
        return self.sizeHint()

    def _bar_rects(self) -> list[QRectF]:
        n = len(self.shares)
        if not n:
            return []
        width = self.width() / n
        height = self.height() - 2 * self._label_line_height() - 4
        return [QRectF(i * width + 2, 2, max(2.0, width - 4), height) for i in range(n)]

    def labels(self) -> list[ShareLabel]:
        """Return the labels drawn under the bars (see :func:`label_layout`)."""
        top = self.height() - 2 * self._label_line_height()
        return label_layout(self.shares, self.width(), top, self.font())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the bars and, under each, its head number and positional share."""
        painter = QPainter(self)
        palette = self.palette()
        content, position, selected = (series(c, palette) for c in (CONTENT, POSITION, SELECTED))
        for head, (share, rect) in enumerate(zip(self.shares, self._bar_rects(), strict=True)):
            painter.fillRect(rect, content)
            positional = rect.height() * share
            painter.fillRect(QRectF(rect.left(), rect.bottom() - positional, rect.width(), positional), position)
            if head == self.selected:
                painter.setPen(selected)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        for label in self.labels():
            painter.setFont(label.font)
            half = label.rect.height() / 2
            line = QRectF(label.rect.left(), label.rect.top(), label.rect.width(), half)
            painter.drawText(line, Qt.AlignmentFlag.AlignCenter, label.head)
            painter.drawText(line.translated(0, half), Qt.AlignmentFlag.AlignCenter, label.percent)
        if self.hasFocus():
            draw_focus(painter, QRectF(self.rect()), palette)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Left and Right pick the previous or next head, as a click on its bar does."""
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is None or not self.shares:
            super().keyPressEvent(event)
            return
        at = self.selected if self.selected is not None else (-1 if step > 0 else 0)
        self.head_clicked.emit((at + step) % len(self.shares))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Clicking a bar picks that head."""
        for head, rect in enumerate(self._bar_rects()):
            if rect.left() <= event.position().x() <= rect.right():
                self.head_clicked.emit(head)
                return
        super().mousePressEvent(event)
