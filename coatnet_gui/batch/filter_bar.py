"""The filter row above the Batch table: the class filter (each entry with its count), the confidence range, the
corrected / not corrected choice and "N of M shown"."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from coatnet_gui.batch.rows import ALL, FAILED
from coatnet_gui.batch.table import BatchFilter, BatchTableModel


class FilterBar(QWidget):
    """The row above the table: the class filter (each entry with its count, "Coat (312)"), the confidence
    range, and "N of M shown". Drives ``proxy`` (a :class:`BatchFilter` on a :class:`BatchTableModel`)."""

    def __init__(self, proxy: BatchFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.proxy = proxy
        self.model: BatchTableModel = proxy.sourceModel()
        self.class_box = QComboBox()
        self.class_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.min_spin, self.max_spin = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.min_spin, 0.0), (self.max_spin, 100.0)):
            spin.setRange(0.0, 100.0)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.valueChanged.connect(self.apply)
        self.class_box.currentIndexChanged.connect(self.apply)
        self.class_box.setAccessibleName("Show class")
        self.min_spin.setAccessibleName("Lowest confidence shown")
        self.max_spin.setAccessibleName("Highest confidence shown")
        self.corrected_box = QComboBox()
        for text, value in (
            (self.tr("all rows"), None),
            (self.tr("not corrected"), False),
            (self.tr("corrected"), True),
        ):
            self.corrected_box.addItem(text, value)
        self.corrected_box.setToolTip(self.tr("Only the rows you have not corrected yet, or only those you have"))
        self.corrected_box.currentIndexChanged.connect(self.apply)
        self.shown_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (
            QLabel(self.tr("Show:")),
            self.class_box,
            QLabel(self.tr("confidence from")),
            self.min_spin,
            QLabel(self.tr("to")),
        ):
            layout.addWidget(w)
        layout.addWidget(self.max_spin)
        layout.addWidget(self.corrected_box)
        layout.addWidget(self.shown_label)
        layout.addStretch(1)
        for signal in (proxy.layoutChanged, proxy.rowsInserted, proxy.modelReset):
            signal.connect(self._update_shown)
        self.model.rowsInserted.connect(self.update_counts)
        self.model.modelReset.connect(self.update_counts)
        self._names: list[str] = []
        self.set_classes([])

    def set_classes(self, label_names: list[str]) -> None:
        """List "All classes", "Failed" and ``label_names`` (with their counts) and show every row: the class,
        confidence and corrected filters go back to "all" (a new run starts unfiltered)."""
        self._names = list(label_names)
        boxes = (self.class_box, self.min_spin, self.max_spin, self.corrected_box)
        for box in boxes:
            box.blockSignals(True)
        self.class_box.clear()
        self.class_box.addItem(self.tr("All classes"), ALL)
        self.class_box.addItem(self.tr("Failed"), FAILED)
        for i, name in enumerate(label_names):
            self.class_box.addItem(name, i)
        self.min_spin.setValue(0.0)
        self.max_spin.setValue(100.0)
        self.corrected_box.setCurrentIndex(0)
        for box in boxes:
            box.blockSignals(False)
        self.update_counts()
        self.apply()

    def update_counts(self) -> None:
        """Write each class entry's row count into its text (only the entries whose count changed)."""
        counts = self.model.store.class_counts() if len(self._names) == len(self.model.label_names) else None
        failed = int(self.model.store.failed.sum())
        texts = [
            self.tr("All classes ({n:,})").format(n=self.model.rowCount()),
            self.tr("Failed ({n:,})").format(n=failed),
        ]
        texts += [f"{name} ({int(counts[i]) if counts is not None else 0:,})" for i, name in enumerate(self._names)]
        for i, text in enumerate(texts):
            if self.class_box.itemText(i) != text:
                self.class_box.setItemText(i, text)
        self._update_shown()

    def apply(self) -> None:
        """Filter the table by the class and confidence chosen."""
        index = self.class_box.currentData()
        low, high = self.min_spin.value() / 100, self.max_spin.value() / 100
        self.proxy.set_filter(ALL if index is None else index, low, high, self.corrected_box.currentData())
        self._update_shown()

    def _update_shown(self) -> None:
        self.shown_label.setText(
            self.tr("{shown:,} of {total:,} shown").format(shown=self.proxy.rowCount(), total=self.model.rowCount())
        )
