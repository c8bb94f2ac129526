"""One sampled frame read back by its name ``path#t=SECONDS`` (:func:`model.video.files.frame_key`): how a row
that ``label`` wrote for a video frame becomes an image again wherever an image file would be read (teaching
from a table, the audit, folder maps, the Batch tab's thumbnails and the Image tab).

    frame = frame_source("clips/a.mp4#t=1.500")     # ("clips/a.mp4", 1.5); None for an image's path
    image, size = read_frame(*frame)               # the frame as labelled (RGB PIL image), the video's size

A name is a frame only when :func:`~model.video.files.split_key` parses it and no file of that very name exists
(a file literally called ``a.mp4#t=1.000`` stays a file). The frame read is the first at or after the name's
time less half a millisecond (the name rounds the time to three decimals), reached by seeking to the keyframe
before it and decoding forward: the same pixels ``label`` saw. PyAV is imported on the first frame read.
"""

from __future__ import annotations

import os

from PIL import Image

from model.video.files import split_key

HALF_MS = 0.0005  # seconds: a frame name's time is rounded to the millisecond


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
    from model.video.reader import VideoError, open_video

    with open_video(path) as video:
        for frame in video.frames(start=max(0.0, seconds - HALF_MS), shrink_to=shrink_to):
            return frame.image, (video.info.width, video.info.height)
        length = f" (it lasts {video.info.duration:.3f} s)" if video.info.duration else ""
        raise VideoError(f"{path}: no frame at {seconds:.3f} s{length}")
