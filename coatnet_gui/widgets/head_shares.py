"""A small bar chart: how positional each attention head of a block is (0 = content only, 1 = position only)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

POSITION = QColor("#8b5cf6")
CONTENT = QColor("#14b8a6")
SELECTED = QColor("#f59e0b")


class HeadShareChart(QWidget):
    """One bar per head, split into its positional share (purple, bottom) and content share (teal, top).
    Emits ``head_clicked(head)`` when a bar is clicked."""

    head_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.shares: list[float] = []
        self.selected: int | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "How positional each head is: var(w[i−j]) / (var(w[i−j]) + var(q·k/√d)) over keys, averaged over "
            "queries.\nPurple: the share decided by position, teal: by content. Click a bar to pick the head."
        )

    def set_shares(self, shares: list[float], selected: int | None) -> None:
        """Show ``shares`` (one per head, 0-1) with head ``selected`` (None: the mean or all) highlighted."""
        self.shares, self.selected = list(shares), selected
        self.setAccessibleDescription(", ".join(f"head {h}: {s:.0%} positional" for h, s in enumerate(shares)))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """Room for the bars and a line of head numbers."""
        return QSize(200, 44 + self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """As tall as the size hint."""
        return self.sizeHint()

    def _bar_rects(self) -> list[QRectF]:
        n = len(self.shares)
        if not n:
            return []
        text_h = self.fontMetrics().height()
        width = self.width() / n
        height = self.height() - text_h - 4
        return [QRectF(i * width + 2, 2, max(2.0, width - 4), height) for i in range(n)]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the bars and the head numbers with their share."""
        painter = QPainter(self)
        palette = self.palette()
        text_h = self.fontMetrics().height()
        for head, (share, rect) in enumerate(zip(self.shares, self._bar_rects(), strict=True)):
            painter.fillRect(rect, CONTENT)
            positional = rect.height() * share
            painter.fillRect(QRectF(rect.left(), rect.bottom() - positional, rect.width(), positional), POSITION)
            if head == self.selected:
                painter.setPen(SELECTED)
                painter.drawRect(rect.adjusted(0, 0, -1, -1))
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            label = QRectF(rect.left() - 2, rect.bottom() + 2, rect.width() + 4, text_h)
            text = (
                f"h{head} {share:.0%}" if rect.width() > self.fontMetrics().horizontalAdvance("h00 100%") else f"{head}"
            )
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Clicking a bar picks that head."""
        for head, rect in enumerate(self._bar_rects()):
            if rect.left() <= event.position().x() <= rect.right():
                self.head_clicked.emit(head)
                return
        super().mousePressEvent(event)
