"""A camera as a live source, through QtMultimedia (PySide6-Addons, the same release as PySide6-Essentials).

QtMultimedia is imported only when a camera is listed or started: without PySide6-Addons (or its system libraries)
the picker says why there is no camera, and the rest of the app works. A camera that cannot start, is busy in
another program or disappears while it runs gives ``failed(message)``; the app keeps running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLoggingCategory, QObject, Signal

from coatnet_gui.live.frames import LiveFrame

NO_CAMERA = QT_TRANSLATE_NOOP("Camera", "No camera found")  # English here; translated where shown
ADDONS_HINT = QT_TRANSLATE_NOOP(
    "Camera",
    "Cameras need PySide6-Addons of the same version as PySide6-Essentials (pip install 'coatnet-lens[camera]').",
)


@dataclass(frozen=True)
class CameraChoice:
    """One camera the picker offers: its ``device_id`` (QtMultimedia's id bytes) and ``description``."""

    device_id: bytes
    description: str


def _multimedia():
    """Return the QtMultimedia module; raises ImportError with a readable message when it cannot be loaded."""
    # its FFmpeg backend reports every optional library it lacks (pipewire, VA-API) on stderr at load: quiet
    # (QT_LOGGING_RULES still decides over these rules)
    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver.warning=false\nqt.multimedia.ffmpeg.info=false")
    try:
        from PySide6 import QtMultimedia
    except ImportError as exc:  # the Addons wheel is missing, or a library it needs (libpulse) is
        raise ImportError(f"{QCoreApplication.translate('Camera', ADDONS_HINT)} ({exc})") from None
    return QtMultimedia


def list_cameras() -> tuple[list[CameraChoice], str]:
    """Return ``(cameras, note)``: the cameras found, and "" or why there are none (:data:`NO_CAMERA`, or that
    QtMultimedia is missing)."""
    try:
        mm = _multimedia()
    except ImportError as exc:
        return [], f"{QCoreApplication.translate('Camera', NO_CAMERA)}: {exc}"
    cameras = [CameraChoice(bytes(d.id().data()), d.description()) for d in mm.QMediaDevices.videoInputs()]
    return cameras, "" if cameras else QCoreApplication.translate("Camera", NO_CAMERA)


class CameraSource(QObject):
    """Frames from one camera: :meth:`start` it, ``frame_ready(LiveFrame)`` per frame, :meth:`stop`. ``failed``
    says why it could not start or stopped (busy, disconnected)."""

    frame_ready = Signal(object)
    failed = Signal(str)
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._camera = self._session = self._sink = self._devices = None
        self.choice: CameraChoice | None = None
        self._index = 0

    @property
    def running(self) -> bool:
        """True while a camera is started."""
        return self._camera is not None

    def start(self, choice: CameraChoice) -> None:
        """Start the camera ``choice`` (the previous one stops)."""
        self.stop()
        try:
            mm = _multimedia()
        except ImportError as exc:
            self.failed.emit(str(exc))
            return
        device = next((d for d in mm.QMediaDevices.videoInputs() if bytes(d.id().data()) == choice.device_id), None)
        if device is None:
            self.failed.emit(self.tr("The camera {name} is not connected any more.").format(name=choice.description))
            return
        self.choice, self._index = choice, 0
        self._camera = mm.QCamera(device, self)
        self._session = mm.QMediaCaptureSession(self)
        self._sink = mm.QVideoSink(self)
        self._session.setCamera(self._camera)
        self._session.setVideoSink(self._sink)
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._camera.errorOccurred.connect(self._on_error)
        self._devices = mm.QMediaDevices(self)
        self._devices.videoInputsChanged.connect(self._check_present)
        self._camera.start()
        self.running_changed.emit(True)

    def stop(self) -> None:
        """Stop the camera, if one runs."""
        if self._camera is None:
            return
        self._sink.videoFrameChanged.disconnect(self._on_frame)
        self._camera.stop()
        for obj in (self._camera, self._session, self._sink, self._devices):
            obj.deleteLater()
        self._camera = self._session = self._sink = self._devices = None
        self.running_changed.emit(False)

    def _on_frame(self, frame) -> None:
        image = frame.toImage()
        if image.isNull():
            return
        self._index += 1
        name = self.choice.description if self.choice is not None else "camera"
        self.frame_ready.emit(LiveFrame(image, self._index, None, name, time.perf_counter()))  # RGB made in the job

    def _on_error(self, _error, message: str) -> None:
        name = self.choice.description if self.choice is not None else self.tr("The camera")
        self.stop()
        why = message or self.tr("it may be in use by another program")
        self.failed.emit(self.tr("{name} stopped: {why}.").format(name=name, why=why))

    def _check_present(self) -> None:
        if self.choice is None or self._camera is None:
            return
        ids = {bytes(d.id().data()) for d in _multimedia().QMediaDevices.videoInputs()}
        if self.choice.device_id not in ids:
            name = self.choice.description
            self.stop()
            self.failed.emit(self.tr("{name} was disconnected.").format(name=name))
