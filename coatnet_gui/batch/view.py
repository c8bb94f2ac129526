"""The Batch tab: label a whole folder, watch the table fill, filter it, export it, sort the files.

Choose or drop a folder (optionally with its sub-folders) and the run starts on the active model; the widget renders
a :class:`~coatnet_gui.batch.session.BatchSession`, which runs it off the GUI thread: the progress bar shows
images/s and the time left, and the run can be paused or cancelled. The table lists a thumbnail, the path, the top-1
class, its confidence (the top-5 on hover) and the error of a file that could not be labelled; it sorts by any
column and filters by class and confidence (:class:`~coatnet_gui.batch.filter_bar.FilterBar`: per-class counts, "N
of M shown"). Double-clicking a row asks the window to open that image in the single-image view. Results go to the
run's journal in the app's data folder (:mod:`coatnet_gui.batch.runs`), from which "Export…" writes CSV or JSON
Lines off the GUI thread ("Export shown rows…" only the rows the filter shows; :mod:`~coatnet_gui.batch.export_status`)
and "Sort into folders…" copies or moves the files after a preview (all or only the shown rows); "Undo sort" says what
it will do, asks, and reverses the last sort from its manifest.

Correcting and teaching: a Corrected cell takes the user's class (F2 or a double-click there; an editable combo
with completion; a new name adds a class); "Set class…" (a button and the context menu) gives the selected rows a
class, "New class…" adds one. "Least certain first" sorts by the top-1 probability or by the margin (top-1 minus
top-2) so that the most useful corrections come first. Corrections are stored with the run and go into the
exports (a ``corrected`` column). "Teach…" (:mod:`coatnet_gui.teach`) teaches a model from this run's rows (every
row; the corrected ones as ground truth) or a labelled folder; "Relabel" labels the folder again with the active
model as a new version of the run, keeping the corrections, then previews the changes; "Undo relabel" goes back
(:mod:`coatnet_gui.batch.versions`). Runs with unexported results are offered back after a restart
(:class:`~coatnet_gui.batch.offer_bar.OfferBar`: Resume / Discard), and closing the window with unexported results
asks first (:meth:`BatchView.confirm_close`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QMenu, QPushButton, QVBoxLayout, QWidget

from coatnet_gui.batch.correct_bar import CorrectBar
from coatnet_gui.batch.export_status import ExportStatus
from coatnet_gui.batch.filter_bar import FilterBar
from coatnet_gui.batch.offer_bar import OfferBar
from coatnet_gui.batch.prompts import ask_class, ask_close, ask_export_path, ask_new_class, ask_undo
from coatnet_gui.batch.rows import COL_CORRECTED, COL_MAP, COL_MARGIN, COL_PROB
from coatnet_gui.batch.run_bar import RunBar
from coatnet_gui.batch.runs import RunState
from coatnet_gui.batch.session import BatchSession
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.batch.table import BatchFilter, BatchTableModel
from coatnet_gui.batch.table_view import BatchTableView
from coatnet_gui.batch.versions import RunVersions
from coatnet_gui.teach.dialog import TeachDialog
from coatnet_gui.teach.rows_source import table_rows
from coatnet_gui.widgets.file_dialogs import FileDialogs
from coatnet_gui.workers import Workers
from model.batch.progress import BatchProgress
from model.batch.sort import SortStep
from model.runtime.inference import Classifier


def _local_folder(event: QDragEnterEvent | QDropEvent) -> str | None:
    """Return the dragged folder's path when the drag carries exactly one local folder."""
    urls = event.mimeData().urls()
    if len(urls) == 1 and urls[0].isLocalFile() and os.path.isdir(urls[0].toLocalFile()):
        return urls[0].toLocalFile()
    return None


class BatchView(QWidget):
    """The batch tab. ``classifier_getter()`` returns the active :class:`Classifier` (None while no model is
    loaded); ``session`` holds the state (a new one on the default run store when None, its jobs on ``workers``:
    the app's one worker facility; a tab built on its own, as in tests, makes its own). Signals:
    ``open_image_requested(path)`` on a double-click, ``run_finished(progress)`` when a run ends,
    ``operation_finished(message)`` when a sort or undo ends, ``model_requested(source)`` when a run to resume
    needs another model, ``close_approved()`` when the user answered the close question with Quit or Export,
    ``model_taught(checkpoint)`` when "Teach…" wrote a model (the window makes it the active model). ``dialogs``
    asks where to export (the window's remember their folders in its settings; None: for this session only)."""

    open_image_requested = Signal(str)
    model_taught = Signal(str)
    run_finished = Signal(object)
    operation_finished = Signal(str)
    model_requested = Signal(str)
    close_approved = Signal()

    def __init__(
        self,
        classifier_getter: Callable[[], Classifier | None],
        parent: QWidget | None = None,
        session: BatchSession | None = None,
        dialogs: FileDialogs | None = None,
        workers: Workers | None = None,
    ):
        super().__init__(parent)
        self.classifier_getter = classifier_getter
        self.dialogs = dialogs or FileDialogs(self)
        self.session = session or BatchSession(workers or Workers(self), parent=self)
        self.model_source = ""
        self.offered: list[RunState] = []
        self._offers_listed = False
        self._close_approved = False
        self.teach_dialog: TeachDialog | None = None
        self.versions = RunVersions(self.session, self)
        self.setAcceptDrops(True)
        self._build()
        self._connect_session()
        self._set_running(False)
        self.operation_finished.connect(self.status.setText)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    # --- layout ------------------------------------------------------------------------------------------

    def _connect_session(self) -> None:
        s = self.session
        s.started.connect(self._on_started)
        s.records.connect(self.table_model.add_records)
        s.progress.connect(self.run_bar.show_progress)
        s.finished.connect(self._on_done)
        s.failed.connect(self.run_bar.show_failed)
        s.running_changed.connect(self._set_running)
        s.busy_changed.connect(lambda _busy: self._set_running(s.running))
        s.offers.connect(self._show_offers)
        s.operation_finished.connect(self.operation_finished)
        s.model_requested.connect(self.model_requested)
        s.message.connect(self.status.setText)
        self.export_status = ExportStatus(s, self.status, self)
        self.export_status.may_close.connect(self._approve_close)
        self.table_model.corrections_changed.connect(self._save_corrections)
        self.versions.message.connect(self.status.setText)

    @property
    def journal_path(self) -> str | None:
        """The journal of the shown run (None before the first)."""
        return self.session.journal_path

    @property
    def manifest(self) -> str | None:
        """The manifest of the last sort (None when there is none to undo)."""
        return self.session.manifest

    def _build(self) -> None:
        self.offer_frame = OfferBar()
        self.offer_frame.resume_requested.connect(self.resume_run)
        self.offer_frame.discard_requested.connect(self.discard_run)
        self.offer_frame.undo_discard_requested.connect(self.session.restore)
        self.run_bar = RunBar()
        self.run_bar.start_requested.connect(self.start)
        self.run_bar.folder_chosen.connect(self.set_folder)
        self.run_bar.pause_button.toggled.connect(self._pause)
        self.run_bar.cancel_button.clicked.connect(self.cancel)
        bar = self.run_bar
        self.folder_edit, self.recursive_box, self.status = bar.folder_edit, bar.recursive_box, bar.status
        self.start_button, self.pause_button = bar.start_button, bar.pause_button

        self.table_model = BatchTableModel(self.session.workers, self)
        self.proxy = BatchFilter(self)
        self.proxy.setSourceModel(self.table_model)
        self.filter_bar = FilterBar(self.proxy)
        bar = self.filter_bar
        self.class_box, self.min_spin, self.max_spin = bar.class_box, bar.min_spin, bar.max_spin
        self.table = BatchTableView(self.proxy)
        self.table.setColumnHidden(COL_MAP, True)  # shown for a run that saves maps
        self.table.doubleClicked.connect(self._open_row)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.recent_classes: list[str] = []  # the classes given last, first: offered in the context menu

        self.correct_bar = CorrectBar()
        self.correct_bar.set_class_requested.connect(self.choose_class_for_selection)
        self.correct_bar.uncertain_first_requested.connect(self.sort_uncertain_first)
        self.correct_bar.teach_requested.connect(self.show_teach)
        self.correct_bar.relabel_requested.connect(self.relabel)
        self.correct_bar.undo_relabel_requested.connect(self.versions.go_back)
        self.set_class_button = self.correct_bar.set_class_button

        self.export_button = QPushButton(self.tr("Export…"))
        self.export_button.clicked.connect(self._export)
        self.export_shown_button = QPushButton(self.tr("Export shown rows…"))
        self.export_shown_button.clicked.connect(lambda: self._export(shown_only=True))
        self.sort_button = QPushButton(self.tr("Sort into folders…"))
        self.sort_button.clicked.connect(self._sort)
        self.undo_button = QPushButton(self.tr("Undo sort…"))
        self.undo_button.clicked.connect(self._undo)

        layout = QVBoxLayout(self)
        layout.addWidget(self.offer_frame)
        layout.addWidget(self.run_bar)
        actions = QHBoxLayout()
        for w in (self.export_button, self.export_shown_button, self.sort_button, self.undo_button):
            actions.addWidget(w)
        actions.addStretch(1)
        layout.addWidget(self.correct_bar)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

    def _set_running(self, running: bool) -> None:
        busy = self.session.busy
        self.run_bar.set_running(running)
        has_results = not running and self.journal_path is not None
        self.export_button.setEnabled(has_results)
        self.export_shown_button.setEnabled(has_results)
        self.sort_button.setEnabled(has_results and not busy)
        has_previous = self.session.state is not None and bool(self.session.state.previous)
        self.correct_bar.set_state(self.journal_path is not None, has_results, has_previous)
        self.undo_button.setEnabled(not busy)
        self.offer_frame.set_enabled(not running)

    # --- running -----------------------------------------------------------------------------------------

    def set_folder(self, path: str) -> None:
        """Show ``path`` as the folder and start labelling it."""
        self.folder_edit.setText(path)
        self.start()

    def start(self) -> None:
        """Label the folder in the folder field with the active model (ignored while a run is going); a run of
        the same folder, model and settings continues where it stopped."""
        if self.session.running:
            return
        root = self.folder_edit.text().strip()
        clf = self.classifier_getter()
        if clf is None:
            self.status.setText(self.tr("No model is loaded yet; wait for it or choose one in the Model menu."))
            return
        if not os.path.isdir(root):
            self.status.setText(self.tr("{path} is not a folder.").format(path=root or self.tr("Nothing")))
            return
        maps = self.run_bar.maps_box.isChecked()
        if maps and clf.maps_unavailable:
            self.status.setText(clf.maps_unavailable + " " + self.tr("Uncheck Save maps to label with it."))
            return
        self.session.start(os.path.abspath(root), self.recursive_box.isChecked(), clf, self.model_source, maps=maps)

    def model_ready(self, model_source: str) -> None:
        """Note the active model's source; the first time, offer the stored runs with unexported results, and
        resume the run that waited for this model."""
        self.model_source = model_source
        if not self._offers_listed:
            self._offers_listed = True
            self.session.refresh_offers()
        clf = self.classifier_getter()
        if clf is not None:
            self.session.model_ready(clf, model_source)
        if self.teach_dialog is not None:
            self.teach_dialog.model_active(model_source)

    def _show_offers(self, states: list[RunState]) -> None:
        self.offered = states
        self.offer_frame.show_offers(states, enabled=not self.session.running)

    def resume_run(self, key: str) -> None:
        """Resume the offered run ``key`` (loading the model it needs first when that is another one); the offer
        stays when it cannot go on (the status says why)."""
        if self.session.resume(key, self.classifier_getter(), self.model_source):
            self._show_offers([s for s in self.offered if s.key != key])

    def discard_run(self, key: str) -> None:
        """Move the offered run ``key`` aside (asked first by the offer bar; "Undo discard" brings it back)."""
        self._show_offers([s for s in self.offered if s.key != key])
        self.session.discard(key)

    def _on_started(self, root: str, label_names: list[str]) -> None:
        shown = self.session.state.key if self.session.state is not None else None
        self._show_offers([s for s in self.offered if s.key != shown])  # that run is the shown one now
        self.run_bar.show_scanning(root)
        self.table.setColumnHidden(COL_MAP, not (self.session.state is not None and self.session.state.maps))
        self.table_model.reset(root, label_names)
        self.table_model.set_corrections(self.session.corrections())
        self.filter_bar.set_classes(label_names)  # a new table starts unfiltered

    def _on_done(self, progress: BatchProgress) -> None:
        self.run_bar.show_done(progress)
        self.run_finished.emit(progress)

    def _pause(self, paused: bool) -> None:
        if not self.session.running:
            return
        self.session.pause(paused)
        self.pause_button.setText(self.tr("Resume") if paused else self.tr("Pause"))

    def cancel(self) -> None:
        """Stop the running labelling before its next batch."""
        self.session.cancel()

    def stop(self) -> None:
        """Cancel any run (it stays on disk) and any teaching; wait for the background jobs (before closing)."""
        if self.teach_dialog is not None:
            self.teach_dialog.shutdown()
        self.session.shutdown()
        self.table_model.wait_for_thumbnails()

    def confirm_close(self) -> bool:
        """Return True when the window may close now. With unexported results it returns False and asks
        (Export… / Quit anyway / Cancel) without blocking; ``close_approved`` follows an export or "Quit
        anyway" (the run stays on disk and is offered again at the next start)."""
        if self._close_approved or not self.session.has_unexported():
            return True
        done = self.session.state.done if self.session.state is not None else 0
        ask_close(self, done, self.session.root, self._close_answered)
        return False

    def _close_answered(self, export: bool) -> None:
        if export:
            self.export_status.close_when_written = self._export()  # the window closes once it is written
        else:
            self._approve_close()

    def _approve_close(self) -> None:
        self._close_approved = True
        self.close_approved.emit()

    # --- table -------------------------------------------------------------------------------------------

    def _open_row(self, index: QModelIndex) -> None:
        if index.column() == COL_CORRECTED:  # a double-click there edits the class
            return
        row = self.table_model.rows[self.proxy.mapToSource(index).row()]
        self.open_image_requested.emit(self.table_model.absolute_path(row))

    # --- corrections -------------------------------------------------------------------------------------

    def set_class_of_selection(self, name: str | None) -> int:
        """Give the selected rows class ``name`` (a new name adds the class; None: back to the model's label);
        return how many rows changed."""
        if name:
            self.recent_classes = [name, *(c for c in self.recent_classes if c != name)][:5]
        return self.table_model.set_class(self.table.selected_source_rows(), name)

    def choose_class_for_selection(self) -> None:
        """Ask which class to give the selected rows (nothing when none is selected)."""
        count = len(self.table.selected_source_rows())
        if count == 0:
            self.status.setText(self.tr("Select the rows to correct first."))
            return
        classes = [*self.recent_classes, *(c for c in self.table_model.store.classes if c not in self.recent_classes)]
        ask_class(self, classes, count, self.set_class_of_selection)

    def sort_uncertain_first(self, by_margin: bool) -> None:
        """Sort the table so that the least certain rows come first: by the smallest margin between the top two
        classes (``by_margin``) or by the lowest top-1 probability."""
        self.table.sortByColumn(COL_MARGIN if by_margin else COL_PROB, Qt.SortOrder.AscendingOrder)
        self.table.scrollToTop()

    def _row_menu(self, pos: QPoint) -> None:
        selected = len(self.table.selected_source_rows()) > 0
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.tr("Set class…"), self.choose_class_for_selection).setEnabled(selected)
        set_to = self.tr("Set class: {name}")
        for name in self.recent_classes:
            menu.addAction(set_to.format(name=name), lambda n=name: self.set_class_of_selection(n)).setEnabled(selected)
        menu.addAction(self.tr("Clear correction"), lambda: self.set_class_of_selection(None)).setEnabled(selected)
        menu.addAction(self.tr("New class…"), lambda: ask_new_class(self, self.table_model.add_class))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # --- teaching ----------------------------------------------------------------------------------------

    def show_teach(self) -> TeachDialog:
        """Show the Teach dialog with the shown run's rows and the active model as the base; return it."""
        if self.teach_dialog is None:
            dialog = self.teach_dialog = TeachDialog(self.session.workers, self)
            dialog.taught.connect(self._taught)
            dialog.relabel_requested.connect(self.relabel)
            failed = self.tr("Teaching failed: {message}")
            dialog.controller.failed.connect(lambda message: self.status.setText(failed.format(message=message)))
            dialog.model_active(self.model_source)
        clf = self.classifier_getter()
        device = clf.placement.device if clf is not None else "auto"
        name = os.path.basename(self.session.root.rstrip(os.sep)) if self.session.root else "model"
        self.teach_dialog.prepare(table_rows(self.table_model.store), self.model_source, device, name)
        self.teach_dialog.show()
        self.teach_dialog.raise_()
        return self.teach_dialog

    def _taught(self, checkpoint: str) -> None:
        self.status.setText(self.tr("Taught a model: {path}. Loading it as the active model…").format(path=checkpoint))
        self.model_taught.emit(checkpoint)

    def relabel(self) -> None:
        """Label the shown run's folder again with the active model as a new version of the run (its corrections
        go with it); a preview of the changes follows (:mod:`coatnet_gui.batch.versions`)."""
        clf = self.classifier_getter()
        if clf is not None:
            self.versions.relabel(clf, self.model_source)

    def _save_corrections(self) -> None:
        self.session.save_corrections(self.table_model.corrections())

    # --- export, sort, undo ------------------------------------------------------------------------------

    def export_to(self, path: str) -> None:
        """Start writing the last run's results to ``path`` (.csv or .jsonl): :meth:`BatchSession.export_to`."""
        self.session.export_to(path)

    def shown_files(self) -> set[str]:
        """Return the files (``decode_path`` form, relative to the folder) of the rows the table shows."""
        rows = self.table_model.rows
        return {rows[i].rel for i in self.proxy.source_rows()}

    def export_shown_to(self, path: str) -> None:
        """Start writing the results of the rows the table shows to ``path``, as :meth:`export_to` does. (The run
        still counts as not exported: this is a part of it.)"""
        self.session.export_to(path, only=self.shown_files())

    def _export(self, shown_only: bool = False) -> bool:
        """Ask where to export, then start the export; return whether it started."""
        path = ask_export_path(self.dialogs, shown_only)
        if path:
            (self.export_shown_to if shown_only else self.export_to)(path)
        return bool(path)

    def _sort(self) -> None:
        if self.journal_path is None:
            return
        dialog = SortDialog(
            self.journal_path,
            self.table_model.root,
            self.table_model.label_names,
            self,
            shown=self.shown_files(),
            corrections=self.table_model.store.corrections,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.sort_files(dialog.steps, dialog.dest, dialog.move)

    def sort_files(self, steps: list[SortStep], dest: str, move: bool) -> None:
        """Copy (or ``move``) the planned files in the background; ``operation_finished`` reports the end."""
        self.session.sort_files(steps, dest, move)

    def _undo(self) -> None:
        answer = ask_undo(self, self.manifest)
        if answer is not None:
            self.undo_sort(*answer)

    def undo_sort(self, manifest: str, allow_foreign: bool = False) -> None:
        """Undo the sort recorded in ``manifest`` in the background (a manifest this app did not sign only with
        ``allow_foreign``, and then only inside its folder); ``operation_finished`` reports the end."""
        self.session.undo_sort(manifest, allow_foreign)

    # --- drag and drop -----------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _local_folder(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folder = _local_folder(event)
        if folder:
            event.acceptProposedAction()
            self.set_folder(folder)
