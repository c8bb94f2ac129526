"""The banner above the Batch tab offering back the stored runs with unexported results: one line each, with
Resume and Discard."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coatnet_gui.batch.runs import RunState
from coatnet_gui.batch.status_text import offer_text


class OfferBar(QFrame):
    """Lists the offered runs (hidden when there are none). ``resume_requested(key)`` and
    ``discard_requested(key)`` carry the run's key when its button is clicked."""

    resume_requested = Signal(str)
    discard_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QVBoxLayout(self)
        self.hide()

    def show_offers(self, states: list[RunState], enabled: bool) -> None:
        """Show one line per run of ``states`` (its buttons ``enabled`` or not); hide the bar when there are none."""
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    item.layout().takeAt(0).widget().deleteLater()
        for state in states:
            row = QHBoxLayout()
            row.addWidget(QLabel(offer_text(state)), 1)
            for text, signal in (("Resume", self.resume_requested), ("Discard", self.discard_requested)):
                button = QPushButton(text)
                button.clicked.connect(lambda _checked=False, k=state.key, s=signal: s.emit(k))
                button.setEnabled(enabled)
                row.addWidget(button)
            self._layout.addLayout(row)
        self.setVisible(bool(states))

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable every Resume and Discard button (not while a run is going)."""
        for button in self.findChildren(QPushButton):
            button.setEnabled(enabled)
