"""The preview shown before sorting a batch run's images into class folders: where, copy or move, and
every planned file (collision-safe names already worked out). Nothing changes on disk until "Sort"."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model.batch.journal import read_records
from model.batch.sort import SortStep, folder_names, plan_sort

PREVIEW_FILES = 500  # files listed per class folder in the preview (all are sorted)


class SortDialog(QDialog):
    """Plans sorting the labelled images of the journal at ``journal_path`` (folder ``root``) into class
    folders. After ``exec()`` returns Accepted: ``steps`` (the plan), ``dest`` and ``move``."""

    def __init__(self, journal_path: str, root: str, label_names: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Sort into class folders")
        self.resize(720, 520)
        self.journal_path, self.root, self.folders = journal_path, root, folder_names(label_names)
        self.steps: list[SortStep] = []
        self.dest_edit = QLineEdit(str(Path(root).parent / f"{Path(root).name} sorted"))
        self.dest_edit.editingFinished.connect(self.refresh)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        self.copy_button = QRadioButton("Copy (the originals stay where they are)")
        self.move_button = QRadioButton("Move (undo with “Undo sort”)")
        self.copy_button.setChecked(True)
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Class folder / file", "From"])
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sort_button = self.buttons.addButton("Sort", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Into:"))
        row.addWidget(self.dest_edit, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.move_button)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.refresh()

    @property
    def dest(self) -> str:
        """The destination folder."""
        return self.dest_edit.text().strip()

    @property
    def move(self) -> bool:
        """True when the files are to be moved rather than copied."""
        return self.move_button.isChecked()

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Sort into", self.dest)
        if folder:
            self.dest_edit.setText(folder)
            self.refresh()

    def refresh(self) -> None:
        """Plan again for the current destination and show the plan."""
        self.steps = (
            list(plan_sort(read_records(self.journal_path), self.root, self.dest, self.folders)) if self.dest else []
        )
        counts = Counter(step.folder for step in self.steps)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for folder in sorted(counts):
            items[folder] = QTreeWidgetItem(self.tree, [f"{folder}  ({counts[folder]} files)", ""])
        shown: Counter = Counter()
        for step in self.steps:
            if shown[step.folder] < PREVIEW_FILES:
                shown[step.folder] += 1
                QTreeWidgetItem(items[step.folder], [step.dst.name, str(step.src)])
        renamed = sum(1 for s in self.steps if s.dst.name != s.src.name)
        self.summary.setText(
            f"{len(self.steps)} files into {len(counts)} class folders under {self.dest or '…'}"
            + (f"; {renamed} get a numbered name because theirs is taken" if renamed else "")
            + ". Images that could not be labelled are left out."
        )
        self.sort_button.setEnabled(bool(self.steps))
