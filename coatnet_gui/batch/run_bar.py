"""The run controls of the Batch tab: the folder field, "Include sub-folders", Label, the progress bar with
Pause and Cancel, and the status line."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.batch.status_text import done_text, progress_text
from model.batch.progress import BatchProgress


class RunBar(QWidget):
    """Shows a run's folder, progress and status. ``start_requested()`` on Enter in the folder field or "Label",
    ``folder_chosen(path)`` after "Choose folder…"; ``pause_button`` (checkable) and ``cancel_button`` are wired
    by the owner."""

    start_requested = Signal()
    folder_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(self.tr("Choose or drop a folder of images"))
        self.folder_edit.returnPressed.connect(self.start_requested)
        choose = QPushButton(self.tr("Choose folder…"))
        choose.clicked.connect(self._choose_folder)
        self.recursive_box = QCheckBox(self.tr("Include sub-folders"))
        self.maps_box = QCheckBox(self.tr("Save maps"))
        self.maps_box.setToolTip(
            self.tr(
                "Also save a Grad-CAM map per image: a .npy, an overlay PNG on the original (shown in the Map column) "
                "and its deletion score, in the app's data folder; exports name the files"
            )
        )
        self.start_button = QPushButton(self.tr("Label"))
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button = QPushButton(self.tr("Pause"))
        self.pause_button.setCheckable(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress_bar = QProgressBar()
        self.status = QLabel(self.tr("No folder labelled yet."))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.folder_edit, 1)
        for w in (choose, self.recursive_box, self.maps_box, self.start_button):
            top.addWidget(w)
        run_row = QHBoxLayout()
        for w, stretch in ((self.progress_bar, 1), (self.pause_button, 0), (self.cancel_button, 0)):
            run_row.addWidget(w, stretch)
        for row in (top, run_row):
            layout.addLayout(row)
        layout.addWidget(self.status)

    def set_running(self, running: bool) -> None:
        """Enable Label while no run is going, Pause and Cancel while one is (un-pausing at its end)."""
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        if not running:
            self.pause_button.setChecked(False)

    def show_scanning(self, root: str) -> None:
        """Show that the run on ``root`` lists its folder (a busy bar)."""
        self.folder_edit.setText(root)
        self.status.setText(self.tr("Scanning {path}…").format(path=root))
        self.progress_bar.setRange(0, 0)

    def show_progress(self, progress: BatchProgress) -> None:
        """Show a running run's ``progress``."""
        self.progress_bar.setRange(0, max(1, progress.total))
        self.progress_bar.setValue(progress.done)
        self.status.setText(progress_text(progress, self.pause_button.isChecked()))

    def show_done(self, progress: BatchProgress) -> None:
        """Show the end of a run (finished or cancelled)."""
        self.status.setText(done_text(progress))
        self.progress_bar.setRange(0, max(1, progress.total))
        self.progress_bar.setValue(progress.done)

    def show_failed(self, message: str) -> None:
        """Show that the run stopped on an error ``message``."""
        self.progress_bar.setRange(0, 1)
        self.status.setText(self.tr("The run stopped: {message}").format(message=message))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Label the images of"), self.folder_edit.text())
        if folder:
            self.folder_chosen.emit(folder)
