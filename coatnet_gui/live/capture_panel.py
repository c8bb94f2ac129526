"""The Live tab's "Snapshot and capture" group: the frame shown to the Image tab, frames captured into a class
folder while a button (or C) is held, and "Teach" from the captured classes with the teaching dialog the Batch tab
uses (:class:`~coatnet_gui.teach.dialog.TeachDialog`: a labelled folder, one sub-folder per class). Files are
written on the ``io`` pool (:mod:`model.live.captures`: atomic, never over another file)."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from coatnet_gui.live.frames import LiveFrame
from coatnet_gui.teach.dialog import TeachDialog
from coatnet_gui.widgets.accessibility import named_button
from coatnet_gui.workers import Workers
from model.live.captures import capture_stem, captures_root, class_counts, class_folder, save_frame, save_snapshot

CAPTURE_INTERVAL_S = 0.2  # while capture is held, at most one frame per this many seconds


class CapturePanel(QGroupBox):
    """See the module docstring. ``current()`` returns the frame shown (None before one), ``source_getter()`` the
    active model's source, ``device_getter()`` the device. Signals: ``snapshot_saved(path)``,
    ``model_taught(checkpoint)``, ``failed(message)``."""

    snapshot_saved = Signal(str)
    model_taught = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        current: Callable[[], LiveFrame | None],
        source_getter: Callable[[], str],
        device_getter: Callable[[], str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setTitle(self.tr("Snapshot and capture"))
        self.workers, self.current = workers, current
        self.source_getter, self.device_getter = source_getter, device_getter
        self.teach_dialog: TeachDialog | None = None
        self.capturing = False
        self.captured = 0  # frames saved since the app started
        self._last_capture = 0.0
        self.snapshot_button = named_button(
            self.tr("Snapshot to the Image tab"),
            "Snapshot",
            self.tr("Open the frame shown in the Image tab, fully explained (S)"),
        )
        self.class_edit = QLineEdit()
        self.class_edit.setPlaceholderText(self.tr("class to capture into"))
        self.class_edit.setAccessibleName("Capture class")
        self.capture_button = named_button(
            self.tr("Hold to capture"),
            "Hold to capture frames",
            self.tr("While held (or C), frames go into the class's folder"),
        )
        self.capture_label = QLabel("")
        self.capture_label.setWordWrap(True)
        self.capture_label.setAccessibleName("Captured frames")
        self.teach_button = named_button(
            self.tr("Teach from captures…"),
            "Teach from the captured classes",
            self.tr("Teach a model the captured classes"),
        )
        box = QVBoxLayout(self)
        for widget in (self.snapshot_button, self.class_edit, self.capture_button, self.capture_label):
            box.addWidget(widget)
        box.addWidget(self.teach_button)
        self.snapshot_button.clicked.connect(self.snapshot)
        self.capture_button.pressed.connect(self.start_capture)
        self.capture_button.released.connect(self.stop_capture)
        self.teach_button.clicked.connect(self.show_teach)

    def snapshot(self) -> None:
        """Save the frame shown into the data folder and hand it to the Image tab (``snapshot_saved``)."""
        frame = self.current()
        if frame is None:
            self.failed.emit(self.tr("There is no frame to snapshot yet: open a video file or start a camera."))
            return
        self.workers.submit(
            "io",
            lambda _job: str(save_snapshot(frame.image, frame.source, frame.time)),
            self.snapshot_saved.emit,
            self.failed.emit,
            what=self.tr("Saving the snapshot…"),
        )

    def start_capture(self) -> None:
        """Start capturing into the class named in the class field, the frame shown first."""
        if not self.class_edit.text().strip():
            self.failed.emit(self.tr("Name the class to capture into first."))
            return
        self.capturing = True
        frame = self.current()
        if frame is not None:
            self._capture(frame)

    def stop_capture(self) -> None:
        """Stop capturing frames."""
        self.capturing = False

    def frame_arrived(self, frame: LiveFrame) -> None:
        """Capture ``frame`` while capture is held (at most one per :data:`CAPTURE_INTERVAL_S`)."""
        if self.capturing and time.monotonic() - self._last_capture >= CAPTURE_INTERVAL_S:
            self._capture(frame)

    def _capture(self, frame: LiveFrame) -> None:
        self._last_capture = time.monotonic()
        name = self.class_edit.text().strip()

        def job(_job) -> str:
            return str(save_frame(frame.image, class_folder(name), capture_stem(frame.source, frame.time)))

        def saved(_path: str) -> None:
            self.captured += 1
            counts = ", ".join(f"{k} {v}" for k, v in class_counts().items())
            self.capture_label.setText(
                self.tr("Captured: {counts} (in {folder})").format(counts=counts, folder=captures_root())
            )

        self.workers.submit("io", job, saved, self.failed.emit)

    def show_teach(self) -> TeachDialog:
        """Show the Teach dialog on the captured classes; the taught model becomes the active one
        (``model_taught``)."""
        if self.teach_dialog is None:
            self.teach_dialog = TeachDialog(self.workers, self)
            self.teach_dialog.taught.connect(self.model_taught)
        dialog = self.teach_dialog
        dialog.prepare([], self.source_getter(), self.device_getter(), "live-captures")
        if not dialog.controller.running:
            dialog.folder_edit.setText(str(captures_root()))
            dialog.folder_button.setChecked(True)
        dialog.show()
        dialog.raise_()
        return dialog

    def shutdown(self) -> None:
        """Stop a teaching in progress (the window closes)."""
        if self.teach_dialog is not None:
            self.teach_dialog.controller.cancel()
