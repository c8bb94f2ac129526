"""The preview after a relabel run: "Relabel will change N labels", a from -> to table per class, "your M
corrections are kept", and the choice between the new labels and the old ones
(:class:`~coatnet_gui.batch.versions.RunVersions` works out the preview and acts on the choice)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model.batch.relabel import RelabelPreview


class RelabelDialog(QDialog):
    """Shows a :class:`RelabelPreview` (not modal). Signal ``decided(use_new)``: True for "Use the new labels",
    False for "Keep the old labels". Closing it otherwise leaves the new labels shown ("Undo relabel" still goes
    back)."""

    decided = Signal(bool)

    def __init__(self, preview: RelabelPreview, model: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Relabel: the changes"))
        self.preview = preview
        self.summary = QLabel(
            preview.summary() + " " + self.tr("The new labels come from {model}.").format(model=model)
        )
        self.summary.setWordWrap(True)
        rows = preview.table()
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels([self.tr("From"), self.tr("To"), self.tr("Images")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for r, (old, new, count) in enumerate(rows):
            for c, value in enumerate((old, new, f"{count:,}")):
                item = QTableWidgetItem(value)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.setVisible(bool(rows))
        self.use_button = QPushButton(self.tr("Use the new labels"))
        self.use_button.setToolTip(self.tr("Keep this relabelled run; Undo relabel brings the old labels back later"))
        self.use_button.setDefault(True)
        self.keep_button = QPushButton(self.tr("Keep the old labels"))
        self.keep_button.setToolTip(self.tr("Show the run as it was before the relabel and discard the relabelled one"))
        self.use_button.clicked.connect(lambda: self._decide(True))
        self.keep_button.clicked.connect(lambda: self._decide(False))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._decided = False

    def _decide(self, use_new: bool) -> None:
        if not self._decided:
            self._decided = True
            self.decided.emit(use_new)
        self.accept()

    def reject(self) -> None:
        """Closing the dialog keeps the new labels shown as they are (Undo relabel stays available)."""
        self._decided = True
        super().reject()
