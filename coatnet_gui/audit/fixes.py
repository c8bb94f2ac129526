"""Accepting suggestions and setting classes in the Audit tab, with an undo stack: what a change does depends on
what was audited (:class:`~coatnet_gui.audit.session.AuditSource`).

- **Batch run:** the run's corrections change. The tab never touches the Batch tab: it emits
  ``batch_corrections_requested({absolute path: class or None})`` and the window applies it; undo emits each row's
  previous correction (None: none), which ``corrections_getter(paths)`` read before the change.
- **Class folders:** the files move into their new class's folder inside the audited folder, undone from the
  signed manifest (:func:`~model.audit.label_fixes.move_to_classes`, :func:`~model.audit.label_fixes.undo_moves`).
- **Table:** its ``corrected`` column is rewritten, undone byte for byte
  (:func:`~model.audit.label_fixes.set_corrected`, :func:`~model.audit.label_fixes.undo_table_edit`).

File changes run on the ``io`` pool, one at a time. A changed row shows its new class as given and is no longer
a suspect until the next audit; undo puts the row back as it was.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from coatnet_gui.audit.session import BATCH, FOLDER, TABLE, AuditSource
from coatnet_gui.workers import Workers
from model.audit import AuditRow
from model.audit.label_fixes import FolderMove, TableEdit, move_to_classes, set_corrected, undo_moves, undo_table_edit

CorrectionsGetter = Callable[[list[str]], dict[str, "str | None"]]


@dataclass
class Change:
    """One undoable change: the ``rows`` (audit row index -> the row as it was) and what undoes it: the Batch
    run's previous corrections, the :class:`FolderMove` or the :class:`TableEdit`."""

    rows: dict[int, AuditRow]
    undo: dict[str, str | None] | FolderMove | TableEdit


def changed_row(row: AuditRow, new: str, path: str | None = None) -> None:
    """Make ``row`` say it has class ``new`` now (at ``path`` when the file moved): no longer a suspect."""
    old = row.given
    row.given = new
    if path is not None:
        row.path = path
    row.given_prob = row.suggested_prob if new == row.suggested else None
    row.suspect = 0.0
    if row.issue == "label":
        row.issue = "ok"
    row.reason = f"given {new} here (was {old or 'unlabelled'}); audit again to check it"


def restore_row(row: AuditRow, before: AuditRow) -> None:
    """Put every field of ``before`` back into ``row`` (the same object stays in the result)."""
    for f in dataclasses.fields(row):
        setattr(row, f.name, getattr(before, f.name))


class LabelFixer(QObject):
    """The changes made in the Audit tab and their undo stack. Signals: ``rows_changed(list[int])`` (audit row
    indices to redraw), ``message(str)`` (what happened, or why not, in one line), ``busy_changed(bool)``,
    ``batch_corrections_requested(dict)`` (see the module docstring), ``can_undo(bool)``."""

    rows_changed = Signal(list)
    message = Signal(str)
    busy_changed = Signal(bool)
    batch_corrections_requested = Signal(dict)
    can_undo = Signal(bool)

    def __init__(self, workers: Workers, corrections_getter: CorrectionsGetter | None, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self.corrections_getter = corrections_getter
        self.source: AuditSource | None = None
        self.rows: list[AuditRow] = []
        self.stack: list[Change] = []
        self.busy = False

    def reset(self, source: AuditSource | None, rows: list[AuditRow]) -> None:
        """Start over with a new audit of ``source`` (the undo stack is dropped: the files and table stay as the
        changes left them)."""
        self.source, self.rows, self.stack = source, rows, []
        self.can_undo.emit(False)

    def apply(self, indices: list[int], classes: list[str]) -> None:
        """Give the audit rows ``indices`` the classes ``classes`` (one each) where the labels live; rows that
        already have their class are left out."""
        wanted = {i: c for i, c in zip(indices, classes, strict=True) if c and c != self.rows[i].given}
        if self.source is None or self.busy:
            return
        if not wanted:
            self.message.emit(self.tr("Nothing to change: the rows already have those classes."))
            return
        before = {i: dataclasses.replace(self.rows[i]) for i in wanted}
        kind, source = self.source.kind, self.source
        if kind == BATCH:
            paths = [self.rows[i].path for i in wanted]
            previous = self.corrections_getter(paths) if self.corrections_getter is not None else {}
            self.batch_corrections_requested.emit({self.rows[i].path: c for i, c in wanted.items()})
            for i, c in wanted.items():
                changed_row(self.rows[i], c)
            self._push(
                Change(before, {p: previous.get(p) for p in paths}),
                self.tr("Set {n:,} rows of the run.").format(n=len(wanted)),
            )
        elif kind == FOLDER:
            changes = {self.rows[i].path: (self.rows[i].given, c) for i, c in wanted.items()}
            self._run(lambda: move_to_classes(source.root, changes), lambda move: self._moved(before, wanted, move))
        elif kind == TABLE:
            changes = {self.rows[i].path: c for i, c in wanted.items()}
            sha = source.table_sha
            self._run(
                lambda: set_corrected(source.table, source.root, changes, sha),
                lambda edit: self._edited(before, wanted, edit),
            )

    def undo(self) -> None:
        """Undo the last change still on the stack."""
        if not self.stack or self.busy:
            return
        change = self.stack[-1]
        if isinstance(change.undo, dict):
            self.stack.pop()
            self.batch_corrections_requested.emit(dict(change.undo))
            self._restore(
                change, self.tr("Undone: {n:,} rows of the run are back as they were.").format(n=len(change.rows))
            )
        elif isinstance(change.undo, FolderMove):
            back = lambda row: os.path.exists(row.path)  # noqa: E731 - a row whose file is back where it was
            self._run(lambda: undo_moves(change.undo), lambda result: self._undone(change, result.report(), back))
        else:
            edit = change.undo

            def restored(_none: None) -> None:
                self.source.table_sha = edit.previous
                self._undone(change, self.tr("Undone: {name} is back as it was.").format(name=edit.table.name))

            self._run(lambda: undo_table_edit(edit), restored)

    # --- results ---------------------------------------------------------------------------------------------

    def _moved(self, before: dict[int, AuditRow], wanted: dict[int, str], move: FolderMove) -> None:
        moved = {i: c for i, c in wanted.items() if self.rows[i].path in move.moved}
        for i in moved:
            new_path = move.moved[self.rows[i].path]
            changed_row(self.rows[i], os.path.basename(os.path.dirname(new_path)), new_path)  # its folder's name
        left = self.tr("; {n:,} left as they are (first: {reason})")
        refused = left.format(n=len(move.refused), reason=move.refused[0][1]) if move.refused else ""
        if moved:
            self._push(
                Change({i: before[i] for i in moved}, move),
                self.tr("Moved {n:,} files{refused}.").format(n=len(moved), refused=refused),
            )
        else:
            self.message.emit(self.tr("Nothing moved{refused}.").format(refused=refused))

    def _edited(self, before: dict[int, AuditRow], wanted: dict[int, str], edit: TableEdit) -> None:
        self.source.table_sha = edit.written
        refused = {p for p, _ in edit.refused}
        done = {i: c for i, c in wanted.items() if self.rows[i].path not in refused}
        for i, c in done.items():
            changed_row(self.rows[i], c)
        self._push(
            Change({i: before[i] for i in done}, edit),
            self.tr("Set {n:,} rows of {name}.").format(n=edit.changed, name=edit.table.name),
        )

    def _undone(self, change: Change, text: str, back: Callable[[AuditRow], bool] | None = None) -> None:
        if self.stack and self.stack[-1] is change:
            self.stack.pop()
        self._restore(change, text, back)

    def _restore(self, change: Change, text: str, back: Callable[[AuditRow], bool] | None = None) -> None:
        """Put the rows of ``change`` back as they were (only those ``back`` accepts, when given)."""
        for i, row in change.rows.items():
            if back is None or back(row):
                restore_row(self.rows[i], row)
        self.rows_changed.emit(list(change.rows))
        self.can_undo.emit(bool(self.stack))
        self.message.emit(text)

    def _push(self, change: Change, text: str) -> None:
        self.stack.append(change)
        self.rows_changed.emit(list(change.rows))
        self.can_undo.emit(True)
        self.message.emit(text)

    def _run(self, fn: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``fn`` on the ``io`` pool (one change at a time), then ``on_done(result)`` on the GUI thread."""
        self._set_busy(True)

        def done(value: Any) -> None:
            self._set_busy(False)
            on_done(value)

        def failed(message: str) -> None:
            self._set_busy(False)
            self.message.emit(self.tr("Nothing changed: {error}").format(error=message))

        self.workers.submit("io", lambda _job: fn(), done, failed, what=self.tr("Changing labels…"))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)
