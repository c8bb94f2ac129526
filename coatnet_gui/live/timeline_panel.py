"""The Live tab's timeline row: the :class:`TimelineStrip` of a video file's classified frames, what the timeline is
doing, Stop, and Export rows…; it renders the session's timeline and sends the user's intents to it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from coatnet_gui.live.session import LiveSession
from coatnet_gui.live.timeline_strip import TimelineStrip
from coatnet_gui.widgets.accessibility import named_button


class TimelinePanel(QWidget):
    """The strip, its status line and buttons for ``session``'s timeline; ``path_getter()`` gives the file shown
    (for the exported file's suggested name)."""

    def __init__(self, session: LiveSession, path_getter, parent: QWidget | None = None):
        super().__init__(parent)
        self.session, self.path_getter = session, path_getter
        self.strip = TimelineStrip()
        self.status = QLabel("")
        self.status.setAccessibleName("Timeline status")
        self.cancel_button = named_button(
            self.tr("Stop"), "Stop the timeline", self.tr("Stop classifying the file's frames")
        )
        self.export_button = named_button(
            self.tr("Export rows…"),
            "Export the frame rows",
            self.tr("Write the classified frames as CSV or JSON Lines"),
        )
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.export_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.strip)
        column.addLayout(row)
        self.cancel_button.clicked.connect(session.cancel_timeline)
        self.export_button.clicked.connect(self.choose_export)
        session.timeline_rows.connect(self.strip.add_rows)
        session.timeline_progress.connect(self._progress)
        session.timeline_finished.connect(self._finished)
        wrote = self.tr("Wrote {n:,} frame rows to {path}.")
        session.exported.connect(lambda path, n: self.status.setText(wrote.format(n=n, path=path)))

    def set_enabled(self) -> None:
        """Enable Stop while the timeline runs and Export once it has rows."""
        self.export_button.setEnabled(bool(self.session.rows))
        self.cancel_button.setEnabled(self.session.timeline_running())

    def _progress(self, done: int, total: int) -> None:
        self.status.setText(self.tr("Classifying frames: {done:,} of {total:,}…").format(done=done, total=total))

    def _finished(self, text: str) -> None:
        self.status.setText(text)
        self.strip.set_note(text)  # not "Classifying the frames…" on a strip that stopped before its first rows
        self.set_enabled()

    def choose_export(self) -> None:
        """Ask where to write the frame rows (Qt's dialog asks before replacing a file) and write them."""
        stem = Path(self.path_getter()).stem or "video"
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export the frame rows"), f"{stem}-frames.csv", self.tr("CSV (*.csv);;JSON Lines (*.jsonl)")
        )
        if path:
            self.session.export_rows(path, overwrite=True)  # the dialog asked before an existing file
