"""The status-bar strip shown while a model loads: what, how far the download is, and a Cancel button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class DownloadBar(QWidget):
    """``start(name)``, then ``progress(done, total)`` in bytes, then ``finish()``; emits ``cancel_clicked``."""

    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton(self.tr("Cancel"))
        self.cancel.setToolTip(self.tr("Stop the download (Esc); what arrived is kept for the next attempt"))
        self.cancel.clicked.connect(self.cancel_clicked)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def start(self, name: str) -> None:
        """Show that ``name`` is loading (a busy bar until the size is known)."""
        self.label.setText(self.tr("Loading {name}").format(name=name))
        self.bar.setRange(0, 0)
        self.bar.setFormat("")
        self.show()

    def progress(self, done: int, total: int) -> None:
        """Show ``done`` of ``total`` bytes downloaded (``total`` 0: unknown)."""
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(1000 * done / total))
            self.bar.setFormat(f"{done / 1e6:.1f} / {total / 1e6:.1f} MB")
        else:
            self.bar.setRange(0, 0)
            self.bar.setFormat(f"{done / 1e6:.1f} MB")

    def finish(self) -> None:
        """Hide the strip."""
        self.hide()
