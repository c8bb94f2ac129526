"""Keep one per duplicate group, from the Audit tab: a dialog that previews the plan and asks for DEST, and the
control that moves the files off the GUI thread and undoes it.

- :class:`KeepOneDialog` shows, per group, the file kept (and why, :mod:`model.audit.keep_one`'s rule), the files
  to move and where they go; DEST defaults to the sibling folder ``<root>-duplicates`` and is checked as it is
  typed (a link, a folder inside the audited one, or one holding it is refused, the move button disabled).
  ``steps()`` returns the chosen moves (:class:`~model.batch.sort.SortStep`).
- :class:`KeepOneControl` owns the "Keep one…" and "Undo keep one" buttons: the move runs on the ``io`` pool
  through :func:`model.audit.keep_one.keep_one` (signed manifest in DEST), its undo through
  :func:`model.batch.undo.undo_sort`; moved rows leave their group (and come back on undo).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.workers import Workers
from model.audit import AuditResult, AuditRow
from model.audit.keep_one import (
    KeepOneError,
    KeepOneResult,
    KeptGroup,
    check_dest,
    default_dest,
    keep_one,
    keep_one_steps,
    plan_keep_one,
)
from model.batch.sort import SortStep
from model.batch.undo import UndoResult, undo_sort


def _rel(path: Path, root: str) -> str:
    rel = os.path.relpath(path, root)
    return str(path) if rel.startswith("..") else rel


class KeepOneDialog(QDialog):
    """The preview of keep one for ``plan`` (groups audited under ``root``) and the choice of DEST."""

    def __init__(self, plan: list[KeptGroup], root: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keep one per duplicate group"))
        self.plan, self.root = plan, root
        moving = sum(len(g.move) for g in plan)
        self.intro = QLabel(
            self.tr(
                "{groups:,} groups: one file stays in each, {moving:,} files move into the folder below, at their "
                "paths inside the audited folder. Undo keep one moves them back."
            ).format(groups=len(plan), moving=moving)
        )
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("File"), self.tr("Goes to")])
        self.dest_edit = QLineEdit(str(default_dest(root)))
        self.browse = QPushButton(self.tr("Choose…"))
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = self.buttons.addButton(
            self.tr("Move {n:,} files").format(n=moving), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Move into:")))
        row.addWidget(self.dest_edit, 1)
        row.addWidget(self.browse)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.dest_edit.textChanged.connect(lambda _t: self._show_plan())
        self.browse.clicked.connect(self._choose)
        self.resize(760, 480)
        self._show_plan()

    def dest(self) -> str:
        """Return the chosen destination as typed."""
        return self.dest_edit.text().strip()

    def steps(self) -> list[SortStep]:
        """Return the moves the dialog shows (empty while DEST is refused)."""
        try:
            return keep_one_steps(self.plan, self.root, check_dest(self.dest(), self.root))
        except KeepOneError:
            return []

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Move the duplicates into"), os.path.dirname(self.dest())
        )
        if folder:
            self.dest_edit.setText(folder)

    def _show_plan(self) -> None:
        """Redraw the preview for the DEST typed, and say why it is refused (the move button off) when it is."""
        try:
            dest = str(check_dest(self.dest(), self.root)) if self.dest() else ""
            self.problem.setText("" if dest else self.tr("Choose a folder to move the duplicates into."))
        except KeepOneError as exc:
            dest = ""
            self.problem.setText(str(exc))
        self.move_button.setEnabled(bool(dest) and any(g.move for g in self.plan))
        self.tree.clear()
        for group in self.plan:
            kept = _rel(group.keep, self.root) if group.keep is not None else self.tr("(none)")
            top = QTreeWidgetItem(
                [self.tr("Group {number}: keep {kept}").format(number=group.number, kept=kept), group.why]
            )
            for path in group.move:
                inside = not os.path.relpath(path, self.root).startswith("..")
                where = os.path.join(dest, _rel(path, self.root)) if dest and inside else ""
                moved = self.tr("move {path}").format(path=_rel(path, self.root))
                top.addChild(QTreeWidgetItem([moved, where or self.tr("stays (outside the folder)")]))
            self.tree.addTopLevelItem(top)
            top.setExpanded(True)
        self.tree.resizeColumnToContents(0)


class KeepOneControl(QObject):
    """The Audit tab's keep one: ``keep_button`` ("Keep one…": the groups of the selected rows, or every group
    when no selected row has one) and ``undo_button``. ``context()`` returns ``(result, root, selected
    paths)``; ``redraw(indices)`` redraws audit rows. Signals: ``message(str)`` (what happened, one line),
    ``done(KeepOneResult)``, ``undone(UndoResult)``. ``dialog`` is the open preview (None when closed)."""

    message = Signal(str)
    done = Signal(object)
    undone = Signal(object)

    def __init__(
        self,
        workers: Workers,
        context: Callable[[], tuple[AuditResult | None, str, list[str]]],
        redraw: Callable[[list[int]], None],
        parent: QWidget,
    ):
        super().__init__(parent)
        self.workers, self.context, self.redraw, self.parent_widget = workers, context, redraw, parent
        self.keep_button = QPushButton(self.tr("Keep one…"))
        self.keep_button.setToolTip(
            self.tr("Keep one file per duplicate group and move the others into a folder, with undo")
        )
        self.undo_button = QPushButton(self.tr("Undo keep one"))
        self.undo_button.setToolTip(self.tr("Move the files the last keep one moved back where they were"))
        self.keep_button.clicked.connect(self.open_dialog)
        self.undo_button.clicked.connect(self.undo)
        self.dialog: KeepOneDialog | None = None
        self.stack: list[tuple[Path, AuditResult, dict[int, AuditRow]]] = []  # (manifest, audit, rows as they were)
        self.busy = False

    def enable(self, allowed: bool) -> None:
        """Enable the buttons when ``allowed`` (no audit running) and there is something to do."""
        result = self.context()[0]
        self.keep_button.setEnabled(allowed and not self.busy and result is not None and result.groups > 0)
        self.undo_button.setEnabled(allowed and not self.busy and bool(self.stack))

    def open_dialog(self) -> None:
        """Open the preview for the selected rows' groups (every group when none is selected)."""
        result, root, selected = self.context()
        if result is None or not root:
            return
        chosen = {r.group for r in result.rows if r.group and r.path in set(selected)}
        plan = [g for g in plan_keep_one(result, root, chosen or None) if g.move]
        if not plan:
            self.message.emit(self.tr("No duplicate group to keep one of."))
            return
        self.dialog = KeepOneDialog(plan, root, self.parent_widget)
        self.dialog.accepted.connect(lambda: self._start(plan, root, self.dialog.dest()))
        self.dialog.finished.connect(self._closed)
        self.dialog.open()

    def _closed(self, _code: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None

    def _start(self, plan: list[KeptGroup], root: str, dest: str) -> None:
        result = self.context()[0]
        where = {r.path: i for i, r in enumerate(result.rows)}
        moving = [where[str(p)] for g in plan for p in g.move if str(p) in where]
        before = {i: dataclasses.replace(result.rows[i]) for i in moving}

        def finished(outcome: KeepOneResult) -> None:
            failed = {str(p) for p, _ in outcome.failed}
            for i in moving:
                row = result.rows[i]
                if row.path not in failed:
                    row.group, row.reason = 0, f"moved into {dest} (keep one); {row.reason}"
            if outcome.manifest is not None:
                self.stack.append((outcome.manifest, result, before))
            self._set_busy(False)
            self.redraw(moving)
            first = self.tr(" (first: {error})").format(error=outcome.failed[0][1]) if outcome.failed else ""
            line = self.tr("Keep one: {summary}{first}. Manifest: {manifest}.")
            manifest = outcome.manifest or self.tr("none")
            self.message.emit(line.format(summary=outcome.summary(), first=first, manifest=manifest))
            self.done.emit(outcome)

        self._run(lambda: keep_one(plan, root, dest), finished, self.tr("Moving duplicates…"))

    def undo(self) -> None:
        """Undo the last keep one (its manifest's moves), off the GUI thread."""
        if not self.stack or self.busy:
            return
        manifest, result, before = self.stack[-1]

        def finished(undone: UndoResult) -> None:
            self.stack.pop()
            self._set_busy(False)
            if self.context()[0] is result:  # the same audit is shown: its rows are back in their groups
                for i, row in before.items():
                    if os.path.exists(row.path):
                        for f in dataclasses.fields(row):
                            setattr(result.rows[i], f.name, getattr(row, f.name))
                self.redraw(list(before))
            self.message.emit(self.tr("Undo keep one: {report}").format(report=undone.report()))
            self.undone.emit(undone)

        self._run(lambda: undo_sort(manifest), finished, self.tr("Moving duplicates back…"))

    def _run(self, fn: Callable[[], object], on_done: Callable[[object], None], what: str) -> None:
        self._set_busy(True)

        def failed(text: str) -> None:
            self._set_busy(False)
            self.message.emit(self.tr("Nothing moved: {error}").format(error=text))

        self.workers.submit("io", lambda _job: fn(), on_done, failed, what=what)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.enable(True)
