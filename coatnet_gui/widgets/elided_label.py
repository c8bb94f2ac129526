"""A one-line label for a note that may be long (why there is no camera, with the library's error): it shows what
fits and ends in "…" when cut, and its tooltip holds the whole text."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

MIN_CHARS = 8  # the narrowest it may be squeezed to, in average characters


class ElidedLabel(QLabel):
    """See the module docstring. :meth:`text` is the whole text; the label paints as much of it as its width holds.
    It prefers the whole text's width and can be squeezed to :data:`MIN_CHARS` characters, so a long note never
    widens its row or the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        """Show ``text`` (cut to the width, the whole of it in the tooltip)."""
        self._full = text
        self.setToolTip(text)
        self.updateGeometry()
        self._elide()

    def text(self) -> str:
        """Return the whole text, not the part shown."""
        return self._full

    def shown(self) -> str:
        """Return the text painted now: the whole text, or its start ending in "…"."""
        return super().text()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """The whole text's size: the hint does not shrink as the text is cut (no resize loop)."""
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self._full) + 4, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """A few characters wide."""
        return QSize(self.fontMetrics().averageCharWidth() * MIN_CHARS, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        """Cut the text again to the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width() - 4))
        if shown != super().text():
            super().setText(shown)
