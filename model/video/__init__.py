"""Video files: :mod:`model.video.files` (which files, frame names, sampling; no PyAV) and
:mod:`model.video.reader` (decoding through PyAV, imported on first use of its names)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.video.files import DEFAULT_FPS, VIDEO_SUFFIXES, Sampling, frame_key, is_video, split_key

if TYPE_CHECKING:
    from model.video.reader import VideoError, VideoFrame, VideoInfo, VideoReader, open_video

_READER = ("VideoError", "VideoFrame", "VideoInfo", "VideoReader", "open_video")
__all__ = [
    "DEFAULT_FPS",
    "VIDEO_SUFFIXES",
    "Sampling",
    "VideoError",
    "VideoFrame",
    "VideoInfo",
    "VideoReader",
    "frame_key",
    "is_video",
    "open_video",
    "split_key",
]


def __getattr__(name: str) -> Any:
    """Return the reader's names on first use (importing PyAV only then)."""
    if name in _READER:
        from model.video import reader

        return getattr(reader, name)
    raise AttributeError(f"module 'model.video' has no attribute {name!r}")
