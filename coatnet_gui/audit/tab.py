"""The Audit tab: likely wrong labels, with a suggestion and a one-click fix.

Audit a folder (class folders, or plain images: duplicates and outliers only), a table from ``label`` (its
``corrected`` column wins) or the Batch tab's run (a row's correction, else its top-1) with the active model as
the base (:class:`~coatnet_gui.audit.session.AuditSession`, off the GUI thread, a progress bar per phase, Cancel).
The table (:mod:`coatnet_gui.audit.table`) lists every image, "Likely wrong first" after an audit; "Only
suspects" and the issue filter narrow it. A double-click asks the window to open the image with Grad-CAM "given
vs suggested" (``open_versus_requested``). "Accept suggestion" and "Set class…" change the labels where they
live, "Undo" takes the last change back (:class:`~coatnet_gui.audit.fixes.LabelFixer`). "Keep one…" moves all
but one file of each duplicate group into a folder, "Undo keep one" moves them back
(:class:`~coatnet_gui.audit.keep_one_dialog.KeepOneControl`).

Stable names other parts use: ``result`` (the :class:`~model.audit.AuditResult` shown, or None), ``root``,
``extras`` (the tab widget under the table: "Details", and pages others add), :meth:`show_only`,
:meth:`set_class_for`, ``selection_changed(list[str])`` (absolute paths of the selected rows). The tab imports no
other tab: the window hands it callables for the Batch run's rows and corrections and applies
``batch_corrections_requested({path: class or None})``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.audit.details import DetailsPage
from coatnet_gui.audit.fixes import CorrectionsGetter, LabelFixer
from coatnet_gui.audit.keep_one_dialog import KeepOneControl
from coatnet_gui.audit.session import AuditSession, AuditSource, phase_text
from coatnet_gui.audit.table import ALL_ISSUES, COL_SUSPECT, AuditFilter, AuditTableModel, AuditTableView
from coatnet_gui.model_texts import core_text
from coatnet_gui.widgets.class_prompt import ask_class
from coatnet_gui.widgets.file_dialogs import FileDialogs
from coatnet_gui.workers import Workers
from model.audit import ISSUES, AuditProgress, AuditResult
from model.runtime.inference import Classifier

RowsGetter = Callable[[], "tuple[str, list[tuple[str, str]]] | None"]
TABLE_FILTER = QT_TRANSLATE_NOOP("AuditTab", "Tables from label (*.csv *.jsonl)")  # translated where used


class AuditTab(QWidget):
    """The Audit tab; see the module docstring. ``classifier_getter()`` returns the active classifier (its
    classes decide what "given vs suggested" can show; None while no model is loaded), ``source_getter()`` the
    active model's source (the audit's base). ``batch_rows()`` returns the Batch run as ``(root, [(absolute
    path, given class)])`` or None when there is none; ``batch_corrections(paths)`` each path's correction now
    (None: none)."""

    open_versus_requested = Signal(str, str, str)  # path, given class, suggested class
    batch_corrections_requested = Signal(dict)  # {absolute path: class or None}
    selection_changed = Signal(list)  # absolute paths of the selected rows

    def __init__(
        self,
        workers: Workers,
        classifier_getter: Callable[[], Classifier | None],
        source_getter: Callable[[], str],
        batch_rows: RowsGetter | None = None,
        batch_corrections: CorrectionsGetter | None = None,
        dialogs: FileDialogs | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.classifier_getter, self.source_getter, self.batch_rows = classifier_getter, source_getter, batch_rows
        self.dialogs = dialogs or FileDialogs(self)
        self.session = AuditSession(workers, self)
        self.fixer = LabelFixer(workers, batch_corrections, self)
        self.keeper = KeepOneControl(
            workers, lambda: (self.result, self.root, self.selected_paths()), self._rows_changed, self
        )
        self.result: AuditResult | None = None
        self.source: AuditSource | None = None
        self.recent_classes: list[str] = []
        self._build()
        self._connect()
        self._set_running(False)

    @property
    def root(self) -> str:
        """The audited folder ("" before the first audit)."""
        return str(self.source.root) if self.source is not None else ""

    # --- layout ------------------------------------------------------------------------------------------

    def _build(self) -> None:
        self.folder_button = QPushButton(self.tr("Audit a folder…"))
        self.folder_button.setToolTip(
            self.tr("A folder of class folders (its labels are the folder names), or plain images")
        )
        self.table_button = QPushButton(self.tr("Audit a table…"))
        self.table_button.setToolTip(
            self.tr("A CSV/JSONL from `label` (or the Batch tab's export); its corrected column wins")
        )
        self.batch_button = QPushButton(self.tr("Audit the Batch run"))
        self.batch_button.setToolTip(self.tr("The Batch tab's run: a row's correction, else the model's top-1"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.status = QLabel(self.tr("Audit a labelled folder, a table or the Batch run to find likely wrong labels."))
        self.status.setWordWrap(True)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.wrong_first_button = QPushButton(self.tr("Likely wrong first"))
        self.only_suspects = QCheckBox(self.tr("Only suspects"))
        self.only_suspects.setToolTip(self.tr("Only the rows whose label is likely wrong (issue: label)"))
        self.issue_box = QComboBox()
        self.issue_box.setAccessibleName("Show issue")
        self.issue_box.addItem(self.tr("Every issue"), ALL_ISSUES)
        for issue in ISSUES:
            self.issue_box.addItem(core_text(issue), issue)
        self.shown_label = QLabel("")

        self.model = AuditTableModel(self)
        self.proxy = AuditFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = AuditTableView(self.proxy)
        self.table.setAccessibleName("Audited images")
        self.extras = QTabWidget()
        self.details = DetailsPage()
        self.extras.addTab(self.details, self.tr("Details"))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.extras)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)

        self.accept_button = QPushButton(self.tr("Accept suggestion"))
        self.accept_button.setToolTip(self.tr("Give the selected rows their suggested class where the labels live"))
        self.set_class_button = QPushButton(self.tr("Set class…"))
        self.undo_button = QPushButton(self.tr("Undo"))
        self.undo_button.setToolTip(
            self.tr("Take back the last accepted suggestion or set class (again for the one before)")
        )

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        for w in (self.folder_button, self.table_button, self.batch_button, self.cancel_button):
            top.addWidget(w)
        top.addWidget(self.progress, 1)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.summary)
        filters = QHBoxLayout()
        for w in (self.wrong_first_button, self.only_suspects, QLabel(self.tr("Issue:")), self.issue_box):
            filters.addWidget(w)
        filters.addStretch(1)
        filters.addWidget(self.shown_label)
        layout.addLayout(filters)
        layout.addWidget(split, 1)
        actions = QHBoxLayout()
        for w in (self.accept_button, self.set_class_button, self.undo_button):
            actions.addWidget(w)
        actions.addStretch(1)
        actions.addWidget(self.keeper.keep_button)
        actions.addWidget(self.keeper.undo_button)
        layout.addLayout(actions)

    def _connect(self) -> None:
        s = self.session
        s.started.connect(self._on_started)
        s.progress.connect(self._on_progress)
        s.finished.connect(self._on_finished)
        s.failed.connect(
            lambda message: self.status.setText(self.tr("The audit failed: {message}").format(message=message))
        )
        s.cancelled.connect(
            lambda: self.status.setText(self.tr("Audit cancelled; the features computed so far are kept."))
        )
        s.running_changed.connect(self._set_running)
        f = self.fixer
        f.rows_changed.connect(self._rows_changed)
        f.message.connect(self.status.setText)
        f.busy_changed.connect(lambda _busy: self._set_running(self.session.running))
        f.can_undo.connect(lambda _can: self._set_running(self.session.running))
        f.batch_corrections_requested.connect(self.batch_corrections_requested)
        self.keeper.message.connect(self.status.setText)
        self.folder_button.clicked.connect(self._choose_folder)
        self.table_button.clicked.connect(self._choose_table)
        self.batch_button.clicked.connect(self.audit_batch)
        self.cancel_button.clicked.connect(s.cancel)
        self.wrong_first_button.clicked.connect(self.sort_likely_wrong_first)
        self.only_suspects.toggled.connect(lambda _on: self._filter())
        self.issue_box.currentIndexChanged.connect(lambda _i: self._filter())
        self.proxy.layoutChanged.connect(self._count_shown)
        self.table.doubleClicked.connect(self._open_row)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.accept_button.clicked.connect(self.accept_selection)
        self.set_class_button.clicked.connect(lambda: self.set_class_for(self.selected_paths()))
        self.undo_button.clicked.connect(self.fixer.undo)

    def _set_running(self, running: bool) -> None:
        busy = running or self.fixer.busy
        for w in (self.folder_button, self.table_button, self.batch_button):
            w.setEnabled(not busy)
        self.batch_button.setEnabled(not busy and self.batch_rows is not None)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        can_fix = self.result is not None and not busy
        self.accept_button.setEnabled(can_fix)
        self.set_class_button.setEnabled(can_fix)
        self.undo_button.setEnabled(not busy and bool(self.fixer.stack))
        self.keeper.enable(not busy)

    # --- auditing ----------------------------------------------------------------------------------------

    def _base(self) -> tuple[str, str] | None:
        """Return the active model's ``(source, device)``, or None (said in the status line) when none is loaded."""
        clf, source = self.classifier_getter(), self.source_getter()
        if clf is None or not source:
            self.status.setText(self.tr("No model is loaded yet; the audit uses the active model's features."))
            return None
        return source, clf.placement.device

    def audit_path(self, path: str) -> None:
        """Audit the folder or ``label`` table ``path`` with the active model as the base."""
        base = self._base()
        if base is not None:
            self.session.audit_path(path, *base)

    def audit_batch(self) -> None:
        """Audit the Batch tab's run (said in the status line when there is none)."""
        found = self.batch_rows() if self.batch_rows is not None else None
        if not found or not found[1]:
            self.status.setText(self.tr("The Batch tab has no labelled run to audit yet."))
            return
        base = self._base()
        if base is not None:
            self.session.audit_rows(found[0], found[1], *base)

    def cancel(self) -> None:
        """Stop the audit going, if any."""
        self.session.cancel()

    def _choose_folder(self) -> None:
        folder = self.dialogs.open_folder(self.tr("Audit a folder of class folders"))
        if folder:
            self.audit_path(folder)

    def _choose_table(self) -> None:
        table = self.dialogs.open_file("export", self.tr("Audit a table from label"), self.tr(TABLE_FILTER))
        if table:
            self.audit_path(table)

    def _on_started(self, what: str) -> None:
        self.status.setText(what)
        self.progress.setRange(0, 0)

    def _on_progress(self, p: AuditProgress) -> None:
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(min(p.done, max(p.total, 1)))
        self.progress.setFormat(phase_text(p))

    def _on_finished(self, source: AuditSource, result: AuditResult) -> None:
        self.source, self.result = source, result
        self.fixer.reset(source, result.rows)
        self.model.reset(result.rows, str(source.root))
        self.proxy.paths = None
        self.sort_likely_wrong_first()
        notes = "".join("<br>" + self.tr("Note: {note}").format(note=n) for n in result.notes)
        self.summary.setText(f"{result.summary()}{notes}")
        self.status.setText(self.tr("Audited {source}.").format(source=source.describe()))
        self._set_running(False)
        self._selection_changed()

    # --- table -------------------------------------------------------------------------------------------

    def sort_likely_wrong_first(self) -> None:
        """Sort by the suspect score, highest first (the order after an audit)."""
        self.table.sortByColumn(COL_SUSPECT, Qt.SortOrder.DescendingOrder)
        self.table.scrollToTop()

    def show_only(self, paths: list[str] | None) -> None:
        """Show only the rows of the absolute ``paths`` (None: every row the other filters let through)."""
        self.proxy.set_filter(
            self.only_suspects.isChecked(),
            self.issue_box.currentData(),
            set(map(os.path.abspath, paths)) if paths is not None else None,
        )

    def _filter(self) -> None:
        self.proxy.set_filter(self.only_suspects.isChecked(), self.issue_box.currentData(), self.proxy.paths)

    def _count_shown(self) -> None:
        total = len(self.model.rows)
        shown = self.tr("{shown:,} of {total:,} shown").format(shown=self.proxy.rowCount(), total=total)
        self.shown_label.setText(shown if total else "")

    def selected_rows(self) -> list[int]:
        """Return the audit row indices of the selected rows, in the shown order."""
        return self.table.selected_source_rows()

    def selected_paths(self) -> list[str]:
        """Return the absolute paths of the selected rows."""
        return [self.model.rows[i].path for i in self.selected_rows()]

    def _selection_changed(self) -> None:
        rows = self.selected_rows()
        self.details.show_row(self.result, rows[0] if rows else None)
        self.selection_changed.emit([self.model.rows[i].path for i in rows])

    def _rows_changed(self, indices: list[int]) -> None:
        self.model.rows_changed(indices)
        self._selection_changed()

    def _open_row(self, index: QModelIndex) -> None:
        row = self.model.rows[self.proxy.mapToSource(index).row()]
        self.open_versus_requested.emit(row.path, row.given, row.suggested)

    def _row_menu(self, pos: QPoint) -> None:
        selected = len(self.selected_rows()) > 0
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction(self.tr("Accept suggestion"), self.accept_selection).setEnabled(selected)
        menu.addAction(self.tr("Set class…"), lambda: self.set_class_for(self.selected_paths())).setEnabled(selected)
        for name in self.recent_classes:
            menu.addAction(
                self.tr("Set class: {name}").format(name=name),
                lambda n=name: self.apply_class(self.selected_paths(), n),
            ).setEnabled(selected)
        menu.addAction(self.tr("Undo"), self.fixer.undo).setEnabled(bool(self.fixer.stack) and not self.fixer.busy)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # --- fixing ------------------------------------------------------------------------------------------

    def accept_selection(self) -> None:
        """Give each selected row its suggested class (rows without a suggestion are left out)."""
        rows = [i for i in self.selected_rows() if self.model.rows[i].suggested]
        if not rows:
            self.status.setText(self.tr("Select rows with a suggestion first."))
            return
        self.fixer.apply(rows, [self.model.rows[i].suggested for i in rows])

    def set_class_for(self, paths: list[str]) -> None:
        """Ask which class to give the images ``paths`` (absolute), then give it to them with undo."""
        count = len(self._rows_of(paths))
        if not count:
            self.status.setText(self.tr("Select the rows to give a class first."))
            return
        known = self.result.classes if self.result is not None else []
        classes = [*self.recent_classes, *(c for c in known if c not in self.recent_classes)]
        ask_class(self, classes, count, lambda name: self.apply_class(paths, name))

    def apply_class(self, paths: list[str], name: str) -> None:
        """Give the images ``paths`` (absolute) class ``name`` where their labels live, with undo."""
        self.recent_classes = [name, *(c for c in self.recent_classes if c != name)][:5]
        rows = self._rows_of(paths)
        self.fixer.apply(rows, [name] * len(rows))

    def _rows_of(self, paths: list[str]) -> list[int]:
        """Return the audit row indices of the absolute ``paths`` (those the audit has)."""
        where = {r.path: i for i, r in enumerate(self.model.rows)}
        return [where[p] for p in map(os.path.abspath, paths) if p in where]
