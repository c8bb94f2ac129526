"""An inline message strip at the top of the window: errors stay until closed, notes can be dismissed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from coatnet_gui.widgets.theme import is_dark

_DARK_STYLES = {  # the same messages on a dark theme: dark tinted strips, light text (over 7:1)
    "error": "QFrame#banner { background: #3b1f22; border: 1px solid #8a3b3b; border-radius: 4px; } "
    "QLabel { color: #ffd7d7; }",
    "info": "QFrame#banner { background: #1d2a40; border: 1px solid #3d5f9a; border-radius: 4px; } "
    "QLabel { color: #d6e4ff; }",
}
_STYLES = {
    "error": "QFrame#banner { background: #fde8e8; border: 1px solid #f5a3a3; border-radius: 4px; } "
    "QLabel { color: #7f1d1d; }",
    "info": "QFrame#banner { background: #e8f0fe; border: 1px solid #a3bff5; border-radius: 4px; } "
    "QLabel { color: #1e3a8a; }",
}


class MessageBanner(QFrame):
    """Shows one message (``show_message``) with a close button; hidden when there is none."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.kind = ""
        self.hide()

    def show_message(self, text: str, kind: str = "error") -> None:
        """Show ``text`` as an ``error`` or an ``info`` note."""
        self.kind = kind
        self.setStyleSheet((_DARK_STYLES if is_dark(self.palette()) else _STYLES)[kind])
        self.label.setText(text)
        self.setAccessibleName(f"{kind}: {text}")
        self.show()

    def dismiss(self) -> None:
        """Hide the message."""
        self.kind = ""
        self.label.setText("")
        self.hide()

    def text(self) -> str:
        """Return the message shown ("" when hidden)."""
        return self.label.text() if self.isVisible() else ""
