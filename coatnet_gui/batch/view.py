"""The Batch tab: label a whole folder, watch the table fill, filter it, export it, sort the files.

Choose or drop a folder (optionally with its sub-folders) and the run starts on the active model in a
:class:`~coatnet_gui.batch_worker.BatchRun` thread: the progress bar shows images/s and the time left, and
the run can be paused or cancelled. The table lists a thumbnail, the path, the top-1 class and its
confidence (the top-5 on hover); it sorts by any column and filters by class and confidence. Double-clicking
a row asks the window to open that image in the single-image view. Results go to a journal in a temporary
folder, from which "Export…" writes CSV or JSON Lines and "Sort into folders…" copies or moves the files
after a preview; "Undo sort" reverses the last sort from its manifest.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.batch.table import ALL, COL_PATH, COL_PROB, COL_THUMB, FAILED, THUMB_PX, BatchFilter, BatchTableModel
from coatnet_gui.batch.worker import Background, BatchRun
from coatnet_gui.cli.label import format_seconds
from model.batch.export import ExportCounts, write_export
from model.batch.journal import read_records
from model.batch.pipeline import BatchProgress, BatchSettings
from model.batch.sort import SortResult, SortStep, UndoResult, apply_sort, undo_sort
from model.runtime.inference import Classifier


def _local_folder(event: QDragEnterEvent | QDropEvent) -> str | None:
    """Return the dragged folder's path when the drag carries exactly one local folder."""
    urls = event.mimeData().urls()
    if len(urls) == 1 and urls[0].isLocalFile() and os.path.isdir(urls[0].toLocalFile()):
        return urls[0].toLocalFile()
    return None


class BatchView(QWidget):
    """The batch tab. ``classifier_getter()`` returns the active :class:`Classifier` (None while no model is
    loaded). Signals: ``open_image_requested(path)`` on a double-click, ``run_finished(progress)`` when a run
    ends, ``operation_finished(message)`` when a sort or undo ends."""

    open_image_requested = Signal(str)
    run_finished = Signal(object)
    operation_finished = Signal(str)

    def __init__(self, classifier_getter: Callable[[], Classifier | None], parent: QWidget | None = None):
        super().__init__(parent)
        collect_on_gui_thread()  # before any worker thread starts
        self.classifier_getter = classifier_getter
        self.run: BatchRun | None = None
        self.background: Background | None = None
        self.manifest: str | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.journal_path: str | None = None
        self.setAcceptDrops(True)
        self._build()
        self._set_running(False)
        self.operation_finished.connect(self.status.setText)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    # --- layout ------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText("Choose or drop a folder of images")
        self.folder_edit.returnPressed.connect(self.start)
        choose = QPushButton("Choose folder…")
        choose.clicked.connect(self._choose_folder)
        self.recursive_box = QCheckBox("Include sub-folders")
        self.start_button = QPushButton("Label")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._pause)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress_bar = QProgressBar()
        self.status = QLabel("No folder labelled yet.")

        self.class_box = QComboBox()
        self.min_spin, self.max_spin = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.min_spin, 0.0), (self.max_spin, 100.0)):
            spin.setRange(0.0, 100.0)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.valueChanged.connect(self._filter)
        self.class_box.currentIndexChanged.connect(self._filter)

        self.table_model = BatchTableModel(self)
        self.proxy = BatchFilter(self)
        self.proxy.setSourceModel(self.table_model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(COL_PATH, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(THUMB_PX + 4)
        self.table.setIconSize(QSize(THUMB_PX, THUMB_PX))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_PATH, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_THUMB, THUMB_PX + 8)
        header.resizeSection(COL_PROB, 90)
        self.table.doubleClicked.connect(self._open_row)

        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._export)
        self.sort_button = QPushButton("Sort into folders…")
        self.sort_button.clicked.connect(self._sort)
        self.undo_button = QPushButton("Undo sort…")
        self.undo_button.clicked.connect(self._undo)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(self.folder_edit, 1)
        for w in (choose, self.recursive_box, self.start_button):
            top.addWidget(w)
        run_row = QHBoxLayout()
        for w, stretch in ((self.progress_bar, 1), (self.pause_button, 0), (self.cancel_button, 0)):
            run_row.addWidget(w, stretch)
        filters = QHBoxLayout()
        for w in (
            QLabel("Show:"),
            self.class_box,
            QLabel("confidence from"),
            self.min_spin,
            QLabel("to"),
            self.max_spin,
        ):
            filters.addWidget(w)
        filters.addStretch(1)
        actions = QHBoxLayout()
        for w in (self.export_button, self.sort_button, self.undo_button):
            actions.addWidget(w)
        actions.addStretch(1)
        for row in (top, run_row):
            layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        has_results = not running and self.journal_path is not None
        self.export_button.setEnabled(has_results)
        self.sort_button.setEnabled(has_results and self.background is None)
        self.undo_button.setEnabled(self.background is None)
        if not running:
            self.pause_button.setChecked(False)

    # --- running -----------------------------------------------------------------------------------------

    def set_folder(self, path: str) -> None:
        """Show ``path`` as the folder and start labelling it."""
        self.folder_edit.setText(path)
        self.start()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Label the images of", self.folder_edit.text())
        if folder:
            self.set_folder(folder)

    def start(self) -> None:
        """Label the folder in the folder field with the active model (ignored while a run is going)."""
        if self.run is not None:
            return
        root = self.folder_edit.text().strip()
        clf = self.classifier_getter()
        if clf is None:
            self.status.setText("No model is loaded yet; wait for it or choose one in the Model menu.")
            return
        if not os.path.isdir(root):
            self.status.setText(f"{root or 'Nothing'} is not a folder.")
            return
        root = os.path.abspath(root)
        self._tmp = tempfile.TemporaryDirectory(prefix="coatnet-batch-")  # the previous run's is removed
        self.journal_path = os.path.join(self._tmp.name, "results.journal")
        self.table_model.reset(root, clf.label_names)
        self._fill_classes(clf.label_names)
        settings = BatchSettings(recursive=self.recursive_box.isChecked())
        self.run = BatchRun(clf, root, self.journal_path, settings, self)
        self.run.chunk.connect(self._on_chunk)
        self.run.done.connect(self._on_done)
        self.run.failed.connect(self._on_failed)
        self.status.setText(f"Scanning {root}…")
        self.progress_bar.setRange(0, 0)
        self._set_running(True)
        self.run.start()

    def _fill_classes(self, label_names: list[str]) -> None:
        self.class_box.blockSignals(True)
        self.class_box.clear()
        self.class_box.addItem("All classes", ALL)
        self.class_box.addItem("Failed", FAILED)
        for i, name in enumerate(label_names):
            self.class_box.addItem(name, i)
        self.class_box.blockSignals(False)
        self._filter()

    def _on_chunk(self, records: list[dict], progress: BatchProgress) -> None:
        self.table_model.add_records(records)
        self.progress_bar.setRange(0, max(1, progress.total))
        self.progress_bar.setValue(progress.done)
        eta = format_seconds(progress.eta) if progress.eta is not None else "–"
        failed = f" · {progress.failed} failed" if progress.failed else ""
        paused = " · paused" if self.pause_button.isChecked() else ""
        self.status.setText(
            f"{progress.done}/{progress.total} images · {progress.rate:.1f} images/s · {eta} left{failed}{paused}"
        )

    def _finish_run(self) -> None:
        if self.run is not None:
            self.run.wait()
            self.run.deleteLater()
        self.run = None
        self._set_running(False)

    def _on_done(self, progress: BatchProgress) -> None:
        self._finish_run()
        what = "Cancelled after" if progress.cancelled else "Labelled"
        self.status.setText(
            f"{what} {progress.done - progress.failed} images, {progress.failed} failed, in "
            f"{format_seconds(progress.seconds)} ({progress.rate:.1f} images/s)."
        )
        self.progress_bar.setRange(0, max(1, progress.total))
        self.progress_bar.setValue(progress.done)
        self.run_finished.emit(progress)

    def _on_failed(self, message: str) -> None:
        self._finish_run()
        self.progress_bar.setRange(0, 1)
        self.status.setText(f"The run stopped: {message}")

    def _pause(self, paused: bool) -> None:
        if self.run is None:
            return
        if paused:
            self.run.control.pause()
        else:
            self.run.control.resume()
        self.pause_button.setText("Resume" if paused else "Pause")

    def cancel(self) -> None:
        """Stop the running labelling before its next batch."""
        if self.run is not None:
            self.run.control.cancel()

    def stop(self) -> None:
        """Cancel any run and wait for the background threads (call before the window closes)."""
        for thread in (self.run, self.background):
            if thread is not None:
                if isinstance(thread, BatchRun):
                    thread.control.cancel()
                thread.wait()
        self.table_model.wait_for_thumbnails()

    # --- table -------------------------------------------------------------------------------------------

    def _filter(self) -> None:
        index = self.class_box.currentData()
        self.proxy.set_filter(ALL if index is None else index, self.min_spin.value() / 100, self.max_spin.value() / 100)

    def _open_row(self, index: QModelIndex) -> None:
        row = self.table_model.rows[self.proxy.mapToSource(index).row()]
        self.open_image_requested.emit(self.table_model.absolute_path(row))

    # --- export, sort, undo ------------------------------------------------------------------------------

    def export_to(self, path: str) -> ExportCounts:
        """Write the last run's results to ``path`` (.csv or .jsonl), atomically; return the counts."""
        if self.journal_path is None:
            raise RuntimeError("nothing has been labelled yet")
        return write_export(read_records(self.journal_path), path)

    def _export(self) -> None:
        default = str(Path(self.table_model.root) / "coatnet-labels.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export results", default, "CSV (*.csv);;JSON Lines (*.jsonl)")
        if not path:
            return
        try:
            counts = self.export_to(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Export", f"Could not export: {exc}")
            return
        self.status.setText(f"Exported {counts.labelled} labelled and {counts.failed} failed images to {path}.")

    def _sort(self) -> None:
        if self.journal_path is None:
            return
        dialog = SortDialog(self.journal_path, self.table_model.root, self.table_model.label_names, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.sort_files(dialog.steps, dialog.dest, dialog.move)

    def sort_files(self, steps: list[SortStep], dest: str, move: bool) -> None:
        """Copy (or ``move``) the planned files in the background; ``operation_finished`` reports the end."""
        self._in_background(lambda: apply_sort(steps, dest, move=move), self._sorted)

    def _sorted(self, result: SortResult) -> None:
        self.manifest = str(result.manifest)
        failed = f"; {len(result.failed)} failed (first: {result.failed[0][1]})" if result.failed else ""
        self.operation_finished.emit(f"Sorted {result.done} files{failed}. Manifest: {self.manifest}")

    def _undo(self) -> None:
        manifest = self.manifest
        if manifest is None:
            manifest, _ = QFileDialog.getOpenFileName(self, "Undo the sort of", "", "Sort manifest (*.jsonl)")
        if manifest:
            self.undo_sort(manifest)

    def undo_sort(self, manifest: str) -> None:
        """Undo the sort recorded in ``manifest`` in the background; ``operation_finished`` reports the end."""
        self._in_background(lambda: undo_sort(manifest), self._undone)

    def _undone(self, result: UndoResult) -> None:
        self.manifest = None
        problems = f"; {len(result.problems)} left as they are: {result.problems[0]}" if result.problems else ""
        self.operation_finished.emit(f"Undo: {result.restored} files restored{problems}")

    def _in_background(self, fn: Callable[[], object], on_done: Callable[[object], None]) -> None:
        if self.background is not None:
            return

        def finished(handler: Callable[[object], None], value: object) -> None:
            self._finish_background()  # before reporting: a follow-up operation may start right away
            handler(value)

        self.background = Background(fn, self)
        self.background.done.connect(lambda result: finished(on_done, result))
        self.background.failed.connect(
            lambda message: finished(lambda m: self.operation_finished.emit(f"Failed: {m}"), message)
        )
        self._set_running(self.run is not None)
        self.background.start()

    def _finish_background(self) -> None:
        if self.background is not None:
            self.background.wait()
            self.background.deleteLater()
        self.background = None
        self._set_running(self.run is not None)

    # --- drag and drop -----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_folder(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder = _local_folder(event)
        if folder:
            event.acceptProposedAction()
            self.set_folder(folder)
