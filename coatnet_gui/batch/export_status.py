"""How the Batch tab shows an export written off the GUI thread: the rows written so far on the status line, then
what went where, and a warning that does not block when it failed (the table stays usable throughout); and, when
the close question was answered "Export…", that the window may close once the export is written."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from coatnet_gui.batch.session import BatchSession
from model.batch.export import ExportCounts


class ExportStatus(QObject):
    """Renders the exports of ``session`` on the ``status`` label of ``tab``. With ``close_when_written`` set, the
    next export that ends emits ``may_close`` when it left nothing unexported (a failed one clears the flag)."""

    may_close = Signal()

    def __init__(self, session: BatchSession, status: QLabel, tab: QWidget):
        super().__init__(tab)
        self.session, self.status, self.tab = session, status, tab
        self.close_when_written = False
        session.export_progress.connect(self.show_progress)
        session.exported.connect(self.show_written)
        session.export_failed.connect(self.show_failed)

    def show_progress(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` rows are written."""
        self.status.setText(self.tr("Exporting… {done:,} of {total:,} rows").format(done=done, total=total))

    def show_written(self, path: str, counts: ExportCounts) -> None:
        """Show what the export to ``path`` holds; emit ``may_close`` when the window waited for it."""
        exported = self.tr("Exported {labelled} labelled and {failed} failed images to {path}.")
        self.status.setText(exported.format(labelled=counts.labelled, failed=counts.failed, path=path))
        waiting, self.close_when_written = self.close_when_written, False
        if waiting and not self.session.has_unexported():
            self.may_close.emit()

    def show_failed(self, path: str, message: str) -> None:
        """Show why the export to ``path`` failed, on the status line and in a warning that does not block."""
        self.close_when_written = False
        text = self.tr("Could not export to {path}: {error}").format(path=path, error=message)
        self.status.setText(text)
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Export"), text, parent=self.tab)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
