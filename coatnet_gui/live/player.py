"""Playing a video file: play, pause, step, seek and speed, decoded through :mod:`model.video` on the ``playback``
pool of the app's one worker facility, at the file's pace (times the speed).

Every request is "latest wins" (one kind, ``live.playback``): pausing, seeking or a new speed supersedes the
playback job, which stops at its next frame, and nothing of it shows afterwards. A paused player decodes single
frames for step and seek. Frames reach the GUI thread as :class:`~coatnet_gui.live.frames.LiveFrame` through
``frame_ready``; the QImage is made in the worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from coatnet_gui.live.frames import LiveFrame
from coatnet_gui.qimage import pil_to_qimage
from coatnet_gui.workers import Job, Workers
from model.video import VideoError, VideoInfo, open_video

PLAYBACK = "live.playback"
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
SHORT_SIDE = 720  # frames are decoded with their shorter side at most this (a 4K file plays as 720p)
_SLEEP_SLICE_S = 0.02  # a paced wait checks for a cancel this often


def _decoded(path: str, frame) -> tuple:
    """Return what a worker hands to the GUI thread for one decoded ``frame``: (index, time, image, qimage)."""
    image = frame.image.convert("RGB")
    return frame.index, float(frame.time), image, pil_to_qimage(image)


class FilePlayer(QObject):
    """The player of one video file; see the module docstring. Signals: ``opened(VideoInfo)``, ``failed(message)``,
    ``frame_ready(LiveFrame)``, ``playing_changed(bool)``, ``ended()`` (the last frame was shown)."""

    opened = Signal(object)
    failed = Signal(str)
    frame_ready = Signal(object)
    playing_changed = Signal(bool)
    ended = Signal()

    def __init__(self, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.workers = workers
        self.path = ""
        self.info: VideoInfo | None = None
        self.speed = 1.0
        self.playing = False
        self.position = 0.0  # seconds: the time of the frame shown last
        self.index = -1  # the index of the frame shown last

    # --- intents -------------------------------------------------------------------------------------------

    def open(self, path: str | os.PathLike) -> None:
        """Open the video file at ``path`` (off the GUI thread) and show its first frame; ``failed`` says why a
        file cannot be read (the player is then empty)."""
        self.stop()
        self.path, self.info, self.position, self.index = os.fspath(path), None, 0.0, -1
        path = self.path
        empty = self.tr("{path}: holds no video frames").format(path=path)

        def job(_job: Job) -> tuple:
            with open_video(path) as reader:
                info = reader.info
                first = next(iter(reader.frames(shrink_to=SHORT_SIDE)), None)
            if first is None:
                raise VideoError(empty)
            return info, _decoded(path, first)

        def done(result: tuple) -> None:
            self.info = result[0]
            self.opened.emit(self.info)
            self._show(result[1])

        what = self.tr("Opening {name}…").format(name=os.path.basename(path))
        self.workers.submit("playback", job, done, self._failed, latest=PLAYBACK, what=what)

    def play(self) -> None:
        """Play from the frame shown (from the start once the end was reached) at :attr:`speed`."""
        if self.info is None:
            return
        duration = float(self.info.duration or 0.0)
        start = 0.0 if duration and self.position >= duration - self._frame_s() else self.position
        skip = self.index if start == self.position else -1  # the frame shown is not shown again
        path, speed = self.path, self.speed

        def job(job: Job) -> Iterator[tuple]:
            with open_video(path) as reader:
                clock, first_time = time.perf_counter(), None
                for frame in reader.frames(start=start, shrink_to=SHORT_SIDE):
                    if frame.index <= skip:
                        continue
                    if first_time is None:
                        first_time = float(frame.time)
                    due = clock + (float(frame.time) - first_time) / speed
                    while (wait := due - time.perf_counter()) > 0:
                        job.token.check()
                        time.sleep(min(wait, _SLEEP_SLICE_S))
                    yield _decoded(path, frame)

        self._set_playing(True)
        self.workers.submit(
            "playback", job, lambda _r: self._reached_end(), self._failed, on_report=self._show, latest=PLAYBACK
        )

    def pause(self) -> None:
        """Stop at the frame shown."""
        self.workers.supersede(PLAYBACK)
        self._set_playing(False)

    def toggle(self) -> None:
        """Pause when playing, else play."""
        self.pause() if self.playing else self.play()

    def stop(self) -> None:
        """Stop playing; nothing more of the file shows."""
        self.pause()

    def close(self) -> None:
        """Stop and forget the file (another source takes over)."""
        self.stop()
        self.path, self.info, self.position, self.index = "", None, 0.0, -1

    def step(self, frames: int = 1) -> None:
        """Pause and show the frame ``frames`` after the one shown (the last one at the end)."""
        self.pause()
        if self.info is None:
            return
        path, after, start = self.path, self.index + frames - 1, self.position

        def job(_job: Job) -> tuple | None:
            shown = None
            with open_video(path) as reader:
                for frame in reader.frames(start=start, shrink_to=SHORT_SIDE):
                    shown = frame
                    if frame.index > after:
                        break
            return _decoded(path, shown) if shown is not None else None

        self.workers.submit("playback", job, self._show_if_any, self._failed, latest=PLAYBACK)

    def seek(self, seconds: float) -> None:
        """Show the frame at ``seconds`` (and play on from there when playing)."""
        if self.info is None:
            return
        last = max(0.0, float(self.info.duration or 0.0) - self._frame_s())  # a seek past the last frame finds none
        seconds = max(0.0, min(float(seconds), last))
        if self.playing:
            self.workers.supersede(PLAYBACK)
            self.position, self.index = seconds, -1
            self.play()
            return
        path = self.path

        def job(_job: Job) -> tuple | None:
            with open_video(path) as reader:
                frame = next(iter(reader.frames(start=seconds, shrink_to=SHORT_SIDE)), None)
            return _decoded(path, frame) if frame is not None else None

        self.workers.submit("playback", job, self._show_if_any, self._failed, latest=PLAYBACK)

    def set_speed(self, speed: float) -> None:
        """Play at ``speed`` times the file's pace from now on."""
        self.speed = max(0.05, float(speed))
        if self.playing:
            self.workers.supersede(PLAYBACK)
            self.play()

    # --- results -------------------------------------------------------------------------------------------

    def _frame_s(self) -> float:
        fps = float(self.info.fps or 0.0) if self.info is not None else 0.0
        return 1.0 / fps if fps > 0 else 0.0

    def _show(self, decoded: tuple) -> None:
        index, seconds, image, qimage = decoded
        self.index, self.position = index, seconds
        self.frame_ready.emit(LiveFrame(qimage, index, seconds, self.path, time.perf_counter(), image))

    def _show_if_any(self, decoded: tuple | None) -> None:
        if decoded is not None:
            self._show(decoded)

    def _reached_end(self) -> None:
        self._set_playing(False)
        self.ended.emit()

    def _failed(self, message: str) -> None:
        self._set_playing(False)
        self.failed.emit(message)

    def _set_playing(self, playing: bool) -> None:
        if playing != self.playing:
            self.playing = playing
            self.playing_changed.emit(playing)
