"""The correcting row of the Batch tab: "Set class…", "Least certain first" (by margin or by top-1), "Teach…" and
"Relabel", "Undo relabel". It only emits intents; :class:`~coatnet_gui.batch.view.BatchView` acts on them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QMenu, QPushButton, QToolButton, QWidget


class CorrectBar(QWidget):
    """Signals: ``set_class_requested()``, ``uncertain_first_requested(by_margin)``, ``teach_requested()``,
    ``relabel_requested()``, ``undo_relabel_requested()``."""

    set_class_requested = Signal()
    uncertain_first_requested = Signal(bool)
    teach_requested = Signal()
    relabel_requested = Signal()
    undo_relabel_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.set_class_button = QPushButton(self.tr("Set class…"))
        self.set_class_button.setToolTip(self.tr("Give the selected images a class (choose one, or type a new one)"))
        self.set_class_button.clicked.connect(self.set_class_requested)
        self.uncertain_button = QToolButton()
        self.uncertain_button.setText(self.tr("Least certain first"))
        self.uncertain_button.setToolTip(self.tr("Sort so that the images the model is least sure of come first"))
        self.uncertain_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        menu = QMenu(self.uncertain_button)
        menu.addAction(self.tr("Smallest margin (top-1 − top-2)"), lambda: self.uncertain_first_requested.emit(True))
        menu.addAction(self.tr("Lowest top-1 probability"), lambda: self.uncertain_first_requested.emit(False))
        self.uncertain_button.setMenu(menu)
        self.uncertain_button.clicked.connect(lambda: self.uncertain_first_requested.emit(True))
        self.teach_button = QPushButton(self.tr("Teach…"))
        self.teach_button.setToolTip(self.tr("Teach a model your classes from this run's rows or a labelled folder"))
        self.teach_button.clicked.connect(self.teach_requested)
        self.relabel_button = QPushButton(self.tr("Relabel"))
        self.relabel_button.setToolTip(
            self.tr("Label the folder again with the active model (a new version, previewed)")
        )
        self.relabel_button.clicked.connect(self.relabel_requested)
        self.undo_relabel_button = QPushButton(self.tr("Undo relabel"))
        self.undo_relabel_button.setToolTip(
            self.tr("Show the labels from before the last relabel (the corrections stay)")
        )
        self.undo_relabel_button.clicked.connect(self.undo_relabel_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        buttons = (self.set_class_button, self.uncertain_button, self.teach_button, self.relabel_button)
        for w in (*buttons, self.undo_relabel_button):
            layout.addWidget(w)
        layout.addStretch(1)

    def set_state(self, has_run: bool, has_results: bool, has_previous: bool = False) -> None:
        """Enable "Set class…" once a run is shown, "Relabel" while its results are there and no run goes, and
        "Undo relabel" then too when the shown run has a previous version."""
        self.set_class_button.setEnabled(has_run)
        self.relabel_button.setEnabled(has_results)
        self.undo_relabel_button.setEnabled(has_results and has_previous)
