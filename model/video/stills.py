"""One sampled frame read back by its name ``path#t=SECONDS`` (:func:`model.video.files.frame_key`): how a row
that ``label`` wrote for a video frame becomes an image again wherever an image file would be read (teaching
from a table, the audit, folder maps, the Batch tab's thumbnails and the Image tab).

    frame = frame_source("clips/a.mp4#t=1.500")     # ("clips/a.mp4", 1.5); None for an image's path
    image, size = read_frame(*frame)               # the frame as labelled (RGB PIL image), the video's size

A name is a frame only when :func:`~model.video.files.split_key` parses it and no file of that very name exists
(a file literally called ``a.mp4#t=1.000`` stays a file). The frame read is the first at or after the name's
time less half a millisecond (the name rounds the time to three decimals), reached by seeking to the keyframe
before it and decoding forward: the same pixels ``label`` saw. Each thread keeps its last video open: a later
frame up to :data:`AHEAD_S` seconds on is reached by decoding forward from the last one read (frames read in time
order cost about what decoding the video once does), anything else by a seek; a video whose file changed (size,
time or inode) is opened again, and one left unread for :data:`IDLE_S` seconds is closed (no file stays held).
PyAV is imported on the first frame read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from PIL import Image

from model.video.files import split_key

HALF_MS = 0.0005  # seconds: a frame name's time is rounded to the millisecond
AHEAD_S = 4.0  # seconds: a later frame up to this far on is decoded forward, not sought
IDLE_S = 2.0  # seconds: a video no frame was read from for this long is closed
STOPPED_EARLY_S = 0.5  # seconds: frames that end this far before the header's length mean a damaged file
_THREAD = threading.local()


def frame_source(source: object) -> tuple[str, float] | None:
    """Return ``(video path, seconds)`` when ``source`` (a path: str or os.PathLike) names a sampled frame, else
    None (bytes, an image's path, a file that exists under that very name)."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    name = os.fspath(source)
    if not isinstance(name, str):
        return None
    path, seconds = split_key(name)
    if seconds is None or os.path.lexists(name):
        return None
    return path, seconds


def read_frame(path: str, seconds: float, shrink_to: int | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """Return the frame of the video ``path`` at ``seconds`` (RGB, as displayed; ``shrink_to``: its shorter side
    scaled down to at most this, as :meth:`~model.video.reader.VideoReader.to_rgb` does) and the video's
    ``(width, height)`` as displayed. Raises :class:`~model.video.reader.VideoError` with a one-line reason when
    the video cannot be read or has no frame at that time."""
    from model.video.reader import VideoError

    want = max(0.0, seconds - HALF_MS)
    try:
        while True:
            opened = _opened(path, shrink_to)
            with opened.lock:
                if not opened.closed:  # else closed while idle: open it again
                    frame = opened.frame_at(want)
                    break
            _THREAD.opened = None
    except BaseException:  # a decoding error, or an interruption mid-frame: the next read starts afresh
        _forget()
        raise
    opened.close_when_idle()
    if frame is None:
        length, end = opened.video.info.duration, opened.end
        if length and end is not None and end + STOPPED_EARLY_S < length:  # the frames stop well before its length
            stop = f"its frames stop at {end:.3f} s of {length:.3f} s (truncated or damaged?)"
            raise VideoError(f"{path}: no frame at {seconds:.3f} s: {stop}")
        raise VideoError(f"{path}: no frame at {seconds:.3f} s" + (f" (it lasts {length:.3f} s)" if length else ""))
    return frame, (opened.video.info.width, opened.video.info.height)


class _Opened:
    """A thread's open video: the reader, its raw frames decoded forward from the last seek, the last frame read
    (``time``, ``image``) and ``floor``: that frame is the first at or after any time in ``(floor, time]``."""

    def __init__(self, path: str, signature: tuple, shrink_to: int | None):
        from model.video.reader import open_video

        self.key, self.shrink_to = (path, signature, shrink_to), shrink_to
        self.video = open_video(path)
        self.raw: Iterator | None = None
        self.time: float | None = None
        self.image: Image.Image | None = None
        self.floor = 0.0
        self.end: float | None = None  # the last frame's time when the frames ran out (None: none after the seek)
        self.lock = threading.Lock()  # the owning thread reads, the idle timer closes
        self.closed = False
        self.timer: threading.Timer | None = None

    def close_when_idle(self) -> None:
        """Close the file once no frame was read from it for :data:`IDLE_S` seconds (no file stays held open)."""
        if self.timer is not None:
            self.timer.cancel()
        self.timer = threading.Timer(IDLE_S, self.close)
        self.timer.daemon = True
        self.timer.start()

    def close(self) -> None:
        """Close the video (the owning thread opens it again on its next read)."""
        with self.lock:
            if not self.closed:
                self.closed, self.raw = True, None
                self.video.close()

    def frame_at(self, want: float) -> Image.Image | None:
        """Return the first frame at or after ``want`` seconds (None when there is none)."""
        last = self.time
        if last is not None and self.floor < want <= last:
            return self.image
        if last is None or self.raw is None or not last < want <= last + AHEAD_S:
            self.raw, last = self.video.timed(want), None
        previous = last
        for time, raw in self.raw:
            if time >= want - 1e-6:
                self.floor = previous if previous is not None else want
                self.time, self.image = time, self.video.to_rgb(raw, self.shrink_to)
                return self.image
            previous = time
        self.raw = self.time = self.image = None
        self.end = previous
        return None


def file_signature(path: str) -> tuple:
    """Return what tells a changed file: size, modification time, inode (raises OSError for a missing one)."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_ino


def _opened(path: str, shrink_to: int | None) -> _Opened:
    """Return this thread's open video ``path`` (opened again when another video, size or file is asked for;
    :func:`~model.video.reader.open_video` raises for a missing or unreadable one)."""
    try:
        signature = file_signature(path)
    except OSError:
        signature = ()
    held: _Opened | None = getattr(_THREAD, "opened", None)
    if held is not None and signature and held.key == (path, signature, shrink_to):
        return held
    _forget()
    _THREAD.opened = _Opened(path, signature, shrink_to)
    return _THREAD.opened


def _forget() -> None:
    """Close this thread's open video, if any."""
    held: _Opened | None = getattr(_THREAD, "opened", None)
    _THREAD.opened = None
    if held is not None:
        if held.timer is not None:
            held.timer.cancel()
        held.close()
