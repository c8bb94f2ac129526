"""The plan shown before sorting a batch run's images into class folders: where, copy or move, which rows (all,
or only those the table shows), whether corrected rows go to the class the user gave them, an optional confidence
threshold below which images go to ``uncertain``, and every planned file (collision-safe names already worked
out).

Nothing changes on disk until the confirm button ("Copy 3,000 files" / "Move 3,000 files") is clicked: Enter
in any field only plans again, it never starts a file operation (no button of the dialog is a default one, and
the confirm button ignores Enter even when it has the focus).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
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

from model.batch.journal import decode_path, read_records
from model.batch.sort import SortStep, folder_names, is_frame_record, plan_sort

PREVIEW_FILES = 500  # files listed per class folder in the preview (all are sorted)


def _is_enter(event: QEvent) -> bool:
    """Return True for a Return or Enter key event."""
    return isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def _corrected_records(records: list[dict], corrections: dict[str, str], classes: list[str]) -> list[dict]:
    """Return ``records`` with each corrected one's top-1 set to its corrected class (an index of ``classes``) at
    probability 1 (the user is sure: never "uncertain")."""
    if not corrections:
        return records
    index = {name: i for i, name in enumerate(classes)}
    out = []
    for record in records:
        name = None if record.get("error") else corrections.get(decode_path(record))
        if name is not None:
            record = {**record, "indices": [index[name], *record["indices"][1:]], "probs": [1.0, *record["probs"][1:]]}
        out.append(record)
    return out


class SortDialog(QDialog):
    """Plans sorting the labelled images of the journal at ``journal_path`` (folder ``root``) into class
    folders. ``shown``: the files (``decode_path`` form) the table shows, offered as "only the shown rows"
    (checked) when it is fewer than all. ``corrections`` (file -> class name, a name of ``label_names`` or one the
    user added): offered as "corrected rows go to their class" (checked). After ``exec()`` returns Accepted:
    ``steps`` (the plan), ``dest`` and ``move``."""

    def __init__(
        self,
        journal_path: str,
        root: str,
        label_names: list[str],
        parent: QWidget | None = None,
        shown: Collection[str] | None = None,
        corrections: dict[str, str] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sort into class folders"))
        self.resize(720, 560)
        self.corrections = dict(corrections or {})
        classes = list(label_names) + sorted(set(self.corrections.values()) - set(label_names))
        self.journal_path, self.root, self.folders = journal_path, root, folder_names(classes)
        self.records = list(read_records(journal_path))
        self._corrected = _corrected_records(self.records, self.corrections, classes)
        self.shown = set(shown) if shown is not None else None
        self.steps: list[SortStep] = []
        self.dest_edit = QLineEdit(str(Path(root).parent / self.tr("{name} sorted").format(name=Path(root).name)))
        self.dest_edit.editingFinished.connect(self.refresh)
        choose = QPushButton(self.tr("Choose…"))
        choose.clicked.connect(self._choose)
        self.copy_button = QRadioButton(self.tr("Copy (the originals stay where they are)"))
        self.move_button = QRadioButton(self.tr("Move (undo with “Undo sort”)"))
        self.copy_button.setChecked(True)
        self.move_button.toggled.connect(self.refresh)
        partial = self.shown is not None and len(self.shown) < len(self.records)
        self.shown_box = QCheckBox(self.tr("Only the {n:,} rows the table shows").format(n=len(self.shown or ())))
        self.shown_box.setChecked(partial)
        self.shown_box.setEnabled(partial)
        self.shown_box.toggled.connect(self.refresh)
        corrected = sum(1 for r in self.records if decode_path(r) in self.corrections and not r.get("error"))
        self.corrected_box = QCheckBox(
            self.tr("The {n:,} corrected images go to the class you gave them").format(n=corrected)
        )
        self.corrected_box.setChecked(corrected > 0)
        self.corrected_box.setEnabled(corrected > 0)
        self.corrected_box.toggled.connect(self.refresh)
        self.uncertain_box = QCheckBox(self.tr("Images below"))
        self.uncertain_spin = QDoubleSpinBox()
        self.uncertain_spin.setRange(0.0, 100.0)
        self.uncertain_spin.setSuffix(" %")
        self.uncertain_spin.setValue(50.0)
        self.uncertain_box.toggled.connect(self.refresh)
        self.uncertain_spin.valueChanged.connect(self._threshold_changed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Class folder / file"), self.tr("From")])
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sort_button = self.buttons.addButton(self.tr("Sort"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for button in (*self.buttons.buttons(), choose):
            button.setAutoDefault(False)
            button.setDefault(False)
        self.sort_button.installEventFilter(self)  # focused, it would take Enter as a click

        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Into:")))
        row.addWidget(self.dest_edit, 1)
        row.addWidget(choose)
        layout.addLayout(row)
        layout.addWidget(self.copy_button)
        layout.addWidget(self.move_button)
        layout.addWidget(self.shown_box)
        layout.addWidget(self.corrected_box)
        threshold = QHBoxLayout()
        threshold.addWidget(self.uncertain_box)
        threshold.addWidget(self.uncertain_spin)
        threshold.addWidget(QLabel(self.tr("top-1 confidence go to an “uncertain” folder")))
        threshold.addStretch(1)
        layout.addLayout(threshold)
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

    @property
    def uncertain_below(self) -> float | None:
        """The probability (0..1) below which images go to ``uncertain``, or None when that is off."""
        return self.uncertain_spin.value() / 100 if self.uncertain_box.isChecked() else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if _is_enter(event):
            event.accept()  # never a file operation: the plan was refreshed by the field itself
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.sort_button and event.type() == QEvent.Type.KeyPress and _is_enter(event):
            return True  # the confirm button is clicked (or Space), never Entered
        return super().eventFilter(watched, event)

    def _threshold_changed(self) -> None:
        if self.uncertain_box.isChecked():
            self.refresh()

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Sort into"), self.dest)
        if folder:
            self.dest_edit.setText(folder)
            self.refresh()

    def refresh(self) -> None:
        """Plan again for the current choices and show the plan."""
        records = self._corrected if self.corrected_box.isChecked() else self.records
        if self.shown_box.isChecked() and self.shown is not None:
            records = [r for r in records if decode_path(r) in self.shown]
        try:
            self.steps = (
                list(plan_sort(records, self.root, self.dest, self.folders, self.uncertain_below)) if self.dest else []
            )
        except ValueError as exc:  # a record naming a file outside the labelled folder: sort nothing
            self.steps = []
            self.tree.clear()
            self.summary.setText(self.tr("Cannot sort: {error}").format(error=exc))
            self.sort_button.setEnabled(False)
            return
        counts = Counter(step.folder for step in self.steps)
        self.tree.clear()
        items: dict[str, QTreeWidgetItem] = {}
        for folder in sorted(counts):
            items[folder] = QTreeWidgetItem(
                self.tree, [self.tr("{folder}  ({n:,} files)").format(folder=folder, n=counts[folder]), ""]
            )
        listed: Counter = Counter()
        for step in self.steps:
            if listed[step.folder] < PREVIEW_FILES:
                listed[step.folder] += 1
                QTreeWidgetItem(items[step.folder], [step.dst.name, str(step.src)])
        renamed = sum(1 for s in self.steps if s.dst.name != s.src.name)
        button = (self.tr("Move {n:,} files") if self.move else self.tr("Copy {n:,} files")).format(n=len(self.steps))
        plan = (
            self.tr("Move {n:,} files into {folders} folders under {dest}")
            if self.move
            else self.tr("Copy {n:,} files into {folders} folders under {dest}")
        )
        numbered = self.tr("; {n:,} get a numbered name because theirs is taken")
        tail = self.tr(". Images that could not be labelled are left out. Nothing changes until you click “{button}”.")
        frames = sum(1 for r in records if not r.get("error") and is_frame_record(r))
        skipped = self.tr(" {n:,} video frames are left out: a frame is not a file, and a video is not one class.")
        self.summary.setText(
            plan.format(n=len(self.steps), folders=len(counts), dest=self.dest or "…")
            + (numbered.format(n=renamed) if renamed else "")
            + tail.format(button=button)
            + (skipped.format(n=frames) if frames else "")
        )
        self.sort_button.setText(button)
        self.sort_button.setEnabled(bool(self.steps))
