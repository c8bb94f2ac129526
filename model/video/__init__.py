"""Video files: decoding and sampling frames (:mod:`model.video.reader`, PyAV)."""

from model.video.reader import (
    DEFAULT_FPS,
    VIDEO_SUFFIXES,
    VideoError,
    VideoFrame,
    VideoInfo,
    VideoReader,
    is_video,
    open_video,
)

__all__ = [
    "DEFAULT_FPS",
    "VIDEO_SUFFIXES",
    "VideoError",
    "VideoFrame",
    "VideoInfo",
    "VideoReader",
    "is_video",
    "open_video",
]
