"""The Live tab: a video file (play, pause, step, seek, speed, the timeline strip) or a camera, every frame shown
with its top-5 and the overlay the Image tab draws (the same :class:`ImageView`, :class:`OverlayControls` and
:class:`PredictionPanel`); snapshot to the Image tab; capture frames into a class and teach from them.

Layout and wiring only: the frames' network work is :class:`~coatnet_gui.live.session.LiveSession`'s, a file's
decoding :class:`~coatnet_gui.live.player.FilePlayer`'s, a camera's :class:`~coatnet_gui.live.camera.CameraSource`'s.
Keys while the focus is in the tab: Space play/pause, ``.`` step, S snapshot (View menu actions scoped to the tab),
hold C to capture.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.image.session import model_view_box
from coatnet_gui.live.camera import NO_CAMERA, CameraChoice, CameraSource, list_cameras
from coatnet_gui.live.capture_panel import CapturePanel
from coatnet_gui.live.frames import LiveFrame
from coatnet_gui.live.player import SPEEDS, FilePlayer
from coatnet_gui.live.session import LiveResult, LiveSession
from coatnet_gui.live.texts import VIDEO_FILTER, rate_text, time_text
from coatnet_gui.live.timeline_panel import TimelinePanel
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import colorize
from coatnet_gui.widgets.accessibility import named_button
from coatnet_gui.widgets.elided_label import ElidedLabel
from coatnet_gui.widgets.image_view import ImageView
from coatnet_gui.widgets.overlay_controls import OverlayControls
from coatnet_gui.widgets.prediction_panel import PredictionPanel
from coatnet_gui.widgets.wheel_guard import add_sidebar
from coatnet_gui.workers import Workers
from model.explain.capture import list_blocks
from model.runtime.predictor import Predictor

SIDEBAR_WIDTH = 340
FILE_SOURCE = "file"


class LiveTab(QSplitter):
    """See the module docstring. ``classifier_getter()`` and ``source_getter()`` give the active model and its
    source, ``device_getter()`` the device chosen. Signals: ``snapshot_saved(path)`` (the window opens it in the
    Image tab), ``model_taught(checkpoint)`` (the window makes it the active model), ``failed(message)``."""

    snapshot_saved = Signal(str)
    model_taught = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        workers: Workers,
        classifier_getter: Callable[[], Predictor | None],
        source_getter: Callable[[], str] = lambda: "",
        device_getter: Callable[[], str] = lambda: "auto",
        parent: QWidget | None = None,
    ):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.workers, self.classifier_getter = workers, classifier_getter
        self.source_getter, self.device_getter = source_getter, device_getter
        self.session = LiveSession(workers, classifier_getter, self)
        self.player = FilePlayer(workers, self)
        self.camera = CameraSource(self)
        self._layers: list = []  # the shown overlay's colour-mapped layers
        self._undrawn: LiveFrame | None = None  # the frame in the network, drawn when its top-5 comes
        self._build()
        self.source_box.addItem(self.tr("Video file"), FILE_SOURCE)
        self._connect()
        self._cameras_listed = False  # QtMultimedia is loaded when the tab is first shown
        self._set_file_controls(False)

    def _build(self) -> None:
        self.source_box = QComboBox()
        self.source_box.setAccessibleName("Live source")
        self.source_box.setToolTip(self.tr("A video file, or one of the cameras found"))
        self.open_button = named_button(
            self.tr("Open video…"), "Open a video file", self.tr("Play a video file in the Live tab")
        )
        self.camera_note = ElidedLabel("")  # why there is no camera can be long: cut to the row, whole in its tooltip
        self.camera_note.setAccessibleName("Camera status")
        source_row = QHBoxLayout()
        source_row.addWidget(QLabel(self.tr("Source:")))
        source_row.addWidget(self.source_box, 1)
        source_row.addWidget(self.open_button)
        source_row.addWidget(self.camera_note, 1)

        self.view = ImageView()
        self.view.setAccessibleName("Live frame with overlay")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c02020;")
        self.message.setAccessibleName("Live tab message")
        self.message.hide()

        self.play_button = named_button(self.tr("Play"), "Play or pause", self.tr("Play or pause the video (Space)"))
        self.step_button = named_button(self.tr("Step"), "Step one frame", self.tr("Pause and show the next frame (.)"))
        self.seek_slider = QSlider(Qt.Orientation.Horizontal)
        self.seek_slider.setAccessibleName("Seek")
        self.seek_slider.setToolTip(self.tr("Drag to show another moment of the video"))
        self.time_label = QLabel("0:00.00 / 0:00.00")
        self.time_label.setAccessibleName("Time")
        self.speed_box = QComboBox()
        self.speed_box.setAccessibleName("Playback speed")
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed:g}×", speed)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        transport = QHBoxLayout()
        for widget, stretch in (
            (self.play_button, 0),
            (self.step_button, 0),
            (self.seek_slider, 1),
            (self.time_label, 0),
            (self.speed_box, 0),
        ):
            transport.addWidget(widget, stretch)

        self.timeline = TimelinePanel(self.session, lambda: self.player.path)
        t = self.timeline  # its parts, as the tab's: the tests reach them here
        self.strip, self.timeline_status = t.strip, t.status
        self.cancel_timeline_button, self.export_button = t.cancel_button, t.export_button

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 4, 0)
        column.addLayout(source_row)
        column.addWidget(self.message)
        column.addWidget(self.view, 1)
        column.addLayout(transport)
        column.addWidget(self.timeline)

        self.stats_label = QLabel(self.session.stats_text())
        self.stats_label.setWordWrap(True)  # its second line (the fast pass) must not widen the sidebar
        self.stats_label.setAccessibleName("Frames per second, latency and dropped frames")
        font = self.stats_label.font()
        font.setBold(True)
        self.stats_label.setFont(font)
        self.smooth_spin = QSpinBox()
        self.smooth_spin.setRange(1, 60)
        self.smooth_spin.setPrefix(self.tr("smooth over "))
        self.smooth_spin.setSuffix(self.tr(" frame(s)"))
        self.smooth_spin.setAccessibleName("Smoothing: frames averaged")
        self.smooth_spin.setToolTip(
            self.tr("The top-5 of the class probabilities averaged over the last N frames (1: none)")
        )
        self.prediction = PredictionPanel()
        self.rate_label = QLabel("")
        self.rate_label.setAccessibleName("Overlay rate")
        self.rate_label.setWordWrap(True)
        self.sync_box = QCheckBox(self.tr("Keep each map on its own frame"))
        self.sync_box.setAccessibleName("Keep each map on its own frame")
        self.sync_box.setToolTip(
            self.tr(
                "While frames run, the picture moves on when a map is made, so a map never trails a moving object "
                "(Grad-CAM every 3rd frame: a third of the frame rate). Off: the video plays at its pace under the "
                "last map."
            )
        )
        self.controls = OverlayControls()
        self.capture = CapturePanel(self.workers, lambda: self.session.current, self.source_getter, self.device_getter)
        c = self.capture  # its parts, as the tab's: the tests and the keys reach them here
        self.snapshot_button, self.class_edit, self.capture_button = c.snapshot_button, c.class_edit, c.capture_button
        self.capture_label, self.teach_button = c.capture_label, c.teach_button
        sidebar = QWidget()
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(4, 0, 4, 0)
        for title, widgets in (
            (self.tr("Live"), [self.stats_label, self.smooth_spin]),
            (self.tr("Prediction"), [self.prediction]),
            (self.tr("Overlay"), [self.rate_label, self.sync_box, self.controls]),
        ):
            group = QGroupBox(title)
            box = QVBoxLayout(group)
            for widget in widgets:
                box.addWidget(widget)
            side.addWidget(group)
        side.addWidget(self.capture)
        side.addStretch(1)
        self.sidebar, self.wheel_guard = add_sidebar(self, left, sidebar, SIDEBAR_WIDTH)

    def _connect(self) -> None:
        s, p = self.session, self.player
        self.source_box.activated.connect(self._source_chosen)
        self.open_button.clicked.connect(self.choose_file)
        self.play_button.clicked.connect(self.toggle_play)
        self.step_button.clicked.connect(self.step)
        self.seek_slider.valueChanged.connect(lambda value: p.seek(value / 1000))  # drag, click, keys; not playback
        self.speed_box.currentIndexChanged.connect(lambda _i: p.set_speed(self.speed_box.currentData()))
        self.strip.seek_requested.connect(p.seek)
        self.smooth_spin.valueChanged.connect(s.set_smoothing)
        self.capture.snapshot_saved.connect(self.snapshot_saved)
        self.capture.model_taught.connect(self.model_taught)
        self.capture.failed.connect(self.show_error)
        self.view.query_picked.connect(self.controls.set_query)
        self.prediction.class_clicked.connect(self.controls.set_class)
        self.prediction.top_class_shown.connect(self.controls.set_top_class)
        self.controls.spec_changed.connect(self._spec_changed)
        self.sync_box.toggled.connect(lambda on: on and self._own_map_now())
        self.controls.appearance_changed.connect(self._appearance_changed)
        p.opened.connect(self._file_opened)
        p.frame_ready.connect(self.show_frame)
        p.failed.connect(self.show_error)
        p.playing_changed.connect(self._playing_changed)
        self.camera.frame_ready.connect(self.show_frame)
        self.camera.failed.connect(self._camera_failed)
        s.result_ready.connect(self._show_result)
        s.stats_changed.connect(self.stats_label.setText)
        s.plan_changed.connect(lambda: self.rate_label.setText(self.rate_text(self.session.spec.kind)))
        s.failed.connect(self.show_error)
        s.failed.connect(lambda _message: self._present_undrawn())
        self._spec_changed(self.controls.spec())
        self.session.colormap = self.controls.colormap()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        """List the cameras the first time the tab shows."""
        if not self._cameras_listed:
            self.refresh_cameras()
        super().showEvent(event)

    def refresh_cameras(self) -> list[CameraChoice]:
        """List the cameras in the source picker (it says "No camera found" when there is none); return them."""
        self._cameras_listed = True
        cameras, note = list_cameras()
        self.source_box.blockSignals(True)
        self.source_box.clear()
        self.source_box.addItem(self.tr("Video file"), FILE_SOURCE)
        for camera in cameras:
            self.source_box.addItem(self.tr("Camera: {name}").format(name=camera.description), camera)
        if not cameras:
            self.source_box.addItem(QCoreApplication.translate("Camera", NO_CAMERA))
            self.source_box.model().item(self.source_box.count() - 1).setEnabled(False)
        self.source_box.blockSignals(False)
        self.camera_note.setText(note)
        return cameras

    def _source_chosen(self, index: int) -> None:
        data = self.source_box.itemData(index)
        if isinstance(data, CameraChoice):
            self.player.close()
            self.session.cancel_timeline()
            self.session.reset()
            self._set_file_controls(False)
            self.strip.clear(self.tr("The timeline is for video files."))
            self.camera_note.setText(self.tr("Starting {name}…").format(name=data.description))
            self.camera.start(data)
        else:
            self.camera.stop()

    def _camera_failed(self, message: str) -> None:
        self.camera_note.setText(message)
        self.source_box.setCurrentIndex(0)
        self.show_error(message)

    def choose_file(self) -> None:
        """Ask for a video file and play it."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a video file"), "", self.tr(VIDEO_FILTER))
        if path:
            self.open_file(path)

    def open_file(self, path: str | os.PathLike) -> None:
        """Open the video file at ``path``: its first frame shows, its timeline is computed in the background."""
        self.camera.stop()
        self.source_box.setCurrentIndex(0)
        self.session.reset()
        self.session.cancel_timeline()
        self.message.hide()
        self.strip.clear(self.tr("Opening…"))
        self._set_file_controls(False)
        self.player.open(path)

    def _file_opened(self, info) -> None:
        duration = float(info.duration or 0.0)
        self.seek_slider.blockSignals(True)  # a new range is no seek
        self.seek_slider.setRange(0, int(duration * 1000))
        self.seek_slider.setValue(0)
        self.seek_slider.blockSignals(False)
        self._set_file_controls(True)
        self.strip.set_duration(duration)
        self.session.start_timeline(self.player.path)
        self.cancel_timeline_button.setEnabled(True)

    def _set_file_controls(self, enabled: bool) -> None:
        for widget in (self.play_button, self.step_button, self.seek_slider, self.speed_box):
            widget.setEnabled(enabled)
        self.timeline.set_enabled()

    def show_frame(self, frame: LiveFrame) -> None:
        """Send ``frame`` to the network (dropped when busy) and show it; capture it when capture is held. A frame the
        network takes at once is drawn with its top-5: picture and classes show together, and no drawing holds the
        GIL beside its pass (played: arrival to top-5 11.2 -> 10.1 ms, with attention 13.6 -> 11.1 ms, bundled model,
        AMD Zen 5). One that finds it busy is drawn at once, so the video keeps its pace (the one waiting, never)."""
        self._undrawn = frame if self.session.offer(frame) else None
        if self._undrawn is None:
            self._present(frame)
        self.capture.frame_arrived(frame)

    def _present(self, frame: LiveFrame) -> None:
        """Draw ``frame`` with the map shown last (or, keeping maps on their frames, wait for its own), and move the
        time, the scrubber and the strip's marker to it."""
        overlay = self.session.overlay
        if not (self.synced() and overlay is not None and self.view.state is not None):  # else: when its map comes
            self.view.set_image(frame.qimage, self._view_box(frame))
            if overlay is not None and self.controls.overlay_visible():
                self.view.set_overlay(overlay, self._layers)
        if frame.time is not None:
            info = self.player.info
            total = float(info.duration or 0.0) if info is not None else 0.0
            self.time_label.setText(f"{time_text(frame.time)} / {time_text(total)}")
            if not self.seek_slider.isSliderDown():
                self.seek_slider.blockSignals(True)
                self.seek_slider.setValue(int(frame.time * 1000))
                self.seek_slider.blockSignals(False)
            self.strip.set_position(frame.time)

    def _present_undrawn(self) -> None:
        """Draw the frame waiting for its top-5 now (its top-5 came, or its pass failed)."""
        frame, self._undrawn = self._undrawn, None
        if frame is not None:
            self._present(frame)

    def _show_result(self, result: LiveResult) -> None:
        if result.frame is self._undrawn:
            self._present_undrawn()
        self.prediction.set_prediction(result.prediction)
        if result.overlay is not None:
            cmap = self.controls.colormap()
            fresh = result.layers is not None and result.colormap == cmap  # coloured in the worker
            self._layers = result.layers if fresh else colorize(result.overlay, cmap)
            self.controls.show_result(result.overlay)
            if self.controls.overlay_visible():  # a new map; a top-5 alone leaves the view (and its paint) be
                if self.synced():
                    self.view.set_image(result.frame.qimage, self._view_box(result.frame))
                self.view.set_overlay(result.overlay, self._layers)

    def synced(self) -> bool:
        """True while the picture waits for maps: "Keep each map on its own frame" is on, a map is drawn and frames
        run (a file playing, a camera)."""
        running = self.player.playing or self.camera.running
        return running and self.sync_box.isChecked() and self.controls.overlay_visible() and self.controls.isEnabled()

    def _view_box(self, frame: LiveFrame) -> Box:
        clf = self.classifier_getter()
        return model_view_box(clf, frame.size) if clf is not None else Box(0, 0, *frame.size)

    def _playing_changed(self, playing: bool) -> None:
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))
        if not playing and self.sync_box.isChecked():
            self._own_map_now()

    def _own_map_now(self) -> None:
        """Keeping maps on their frames while nothing runs (paused, or the option just turned on): show the newest
        frame, which the picture may have skipped while waiting for maps, and give it its own map."""
        current, result = self.session.current, self.session.result
        if current is None or self.view.state is None or self.synced() or not self.controls.overlay_visible():
            return
        if result is not None and result.frame is current and result.overlay is not None:
            return  # its own map is on screen
        self.view.set_image(current.qimage, self._view_box(current))  # no map of another frame over it meanwhile
        self.session.set_spec(self.session.spec)  # the frame shown is explained again, with its map

    def _spec_changed(self, spec) -> None:
        self.session.set_spec(spec)
        self.rate_label.setText(self.rate_text(spec.kind))

    def rate_text(self, kind: str) -> str:
        """Return the overlay rate the tab states for map ``kind``, translated (:func:`texts.rate_text`), saying
        what runs the frames between when the fast pass does."""
        period = self.session.plan.period(kind)
        text = rate_text(kind, period)
        if period > 1 and self.session.fast is not None:
            text += self.tr(" (the frames between on {runtime})").format(runtime=self.session.runtime_name())
        return text

    def _appearance_changed(self) -> None:
        c = self.controls
        self.view.set_opacity(c.opacity())
        self.view.set_overlay_visible(c.overlay_visible())
        self.session.colormap = c.colormap()  # before a refresh: the worker colours the next map with it
        self.session.set_overlay_on(c.overlay_visible())
        overlay = self.session.overlay
        if overlay is not None:
            self._layers = colorize(overlay, c.colormap())
            self.view.set_overlay(overlay, self._layers)

    def model_ready(self, classifier: Predictor) -> None:
        """Use ``classifier`` (the window's active model) from now on: the controls offer its blocks and classes,
        the frame shown is classified again, a file's timeline is computed again."""
        self.prediction.set_model(classifier.info, classifier.placement)
        net = getattr(classifier, "net", None)
        self.controls.set_model(list_blocks(net) if net is not None else [], classifier.label_names)
        self.controls.setEnabled(not classifier.maps_unavailable)
        self.session.reset()
        self._layers = []
        if self.session.current is not None:  # drawn without the old model's map, and classified again
            self._present(self.session.current)
            self.session.refresh()
        if self.player.info is not None:
            self.strip.set_duration(float(self.player.info.duration or 0.0))
            self.session.start_timeline(self.player.path)

    def show_error(self, message: str) -> None:
        """Show ``message`` above the frame (and in the window's banner through ``failed``); the tab stays usable."""
        self.message.setText(message)
        self.message.show()
        self.failed.emit(message)

    def toggle_play(self) -> None:
        """Play or pause the file (Space; nothing without a file)."""
        if self.player.info is not None:
            self.player.toggle()

    def step(self) -> None:
        """Pause and show the next frame of the file (``.``)."""
        if self.player.info is not None:
            self.player.step(1)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Pressing C starts capturing (Space, ``.`` and S are the View menu's actions, scoped to the tab)."""
        if event.key() == Qt.Key.Key_C and not event.isAutoRepeat():
            self.capture.start_capture()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Releasing C stops capturing."""
        if event.key() == Qt.Key.Key_C and not event.isAutoRepeat():
            self.capture.stop_capture()
        else:
            super().keyReleaseEvent(event)

    def shutdown(self) -> None:
        """Stop the camera, the player, the frame in flight, the timeline and any teaching (the window closes)."""
        self.camera.stop()
        self.player.stop()
        self.session.shutdown()
        self.capture.shutdown()
