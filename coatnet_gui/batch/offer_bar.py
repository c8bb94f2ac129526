"""The banner above the Batch tab offering back the stored runs with unexported results: one line each, with
Resume and Discard. Discard asks first (default No) and the last discarded run gets an "Undo discard" line."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from coatnet_gui.batch.runs import DISCARD_KEEP_DAYS, RunState
from coatnet_gui.batch.status_text import discard_question, discarded_text, offer_text


class OfferBar(QFrame):
    """Lists the offered runs and the last discarded one (hidden when there are none). ``resume_requested(key)``
    carries the run's key when Resume is clicked, ``discard_requested(key)`` once the user confirmed Discard,
    ``undo_discard_requested(key)`` when "Undo discard" is clicked."""

    resume_requested = Signal(str)
    discard_requested = Signal(str)
    undo_discard_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._layout = QVBoxLayout(self)
        self._states: list[RunState] = []
        self._enabled = True
        self.discarded: RunState | None = None  # the run whose discard can be undone
        self.hide()

    def show_offers(self, states: list[RunState], enabled: bool) -> None:
        """Show one line per run of ``states`` (its buttons ``enabled`` or not) and the "Undo discard" line;
        hide the bar when there is nothing to show."""
        self._states, self._enabled = list(states), enabled
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.layout() is not None:
                while item.layout().count():
                    item.layout().takeAt(0).widget().deleteLater()
        for state in states:
            resume, discard = QPushButton(self.tr("Resume")), QPushButton(self.tr("Discard…"))
            resume.clicked.connect(lambda _checked=False, k=state.key: self.resume_requested.emit(k))
            discard.clicked.connect(lambda _checked=False, s=state: self.ask_discard(s))
            self._add_line(offer_text(state), resume, discard)
        if self.discarded is not None:
            undo = QPushButton(self.tr("Undo discard"))
            undo.clicked.connect(self._undo_discard)
            self._add_line(discarded_text(self.discarded), undo)
        self.setVisible(bool(states) or self.discarded is not None)

    def _add_line(self, text: str, *buttons: QPushButton) -> None:
        row = QHBoxLayout()
        row.addWidget(QLabel(text), 1)
        for button in buttons:
            button.setEnabled(self._enabled)
            row.addWidget(button)
        self._layout.addLayout(row)

    def ask_discard(self, state: RunState) -> None:
        """Ask whether to discard ``state`` (its folder, results and corrections named; default No); on Yes emit
        ``discard_requested`` and offer "Undo discard"."""
        answer = QMessageBox.question(
            self,
            self.tr("Discard run"),
            discard_question(state, DISCARD_KEEP_DAYS),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.discarded = state
        self.show_offers([s for s in self._states if s.key != state.key], self._enabled)
        self.discard_requested.emit(state.key)

    def _undo_discard(self) -> None:
        state, self.discarded = self.discarded, None
        self.show_offers(self._states, self._enabled)
        if state is not None:
            self.undo_discard_requested.emit(state.key)

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable every button (not while a run is going)."""
        self._enabled = enabled
        for button in self.findChildren(QPushButton):
            button.setEnabled(enabled)
