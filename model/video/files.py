"""Which files are videos, how sampled frames are named, and how they are sampled: no PyAV, no Pillow, so the
command line's parsers and the folder scan import it at no cost.

A sampled frame is named ``path#t=SECONDS`` (a W3C media-fragment time), the seconds with exactly three
decimals (``clip.mp4#t=12.500``): the name of its row in ``label``'s results, of its line in ``classify`` and
its key in a batch journal (a resumed run skips the frames whose names are there).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass

DEFAULT_FPS = 2.0  # frames per second of video that `classify` and `label` sample when neither --every nor --fps
VIDEO_SUFFIXES = frozenset(
    {
        ".mp4", ".m4v", ".mov", ".qt", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg",
        ".m2v", ".ts", ".mts", ".m2ts", ".3gp", ".3g2", ".ogv", ".y4m",
    }
)  # fmt: skip
FRAGMENT = "#t="
_KEY = re.compile(r"(?s)(.+)#t=(\d+\.\d{3})")


def is_video(path: str | os.PathLike) -> bool:
    """Return True when ``path``'s name ends in one of :data:`VIDEO_SUFFIXES` (any letter case)."""
    return os.path.splitext(os.fspath(path))[1].lower() in VIDEO_SUFFIXES


def frame_key(path: str, time: float) -> str:
    """Return the name of the frame at ``time`` seconds of the video ``path``: ``path#t=SECONDS``, three decimals."""
    return f"{path}{FRAGMENT}{time:.3f}"


def split_key(key: str) -> tuple[str, float | None]:
    """Return ``(path, seconds)`` of a name :func:`frame_key` made, or ``(key, None)`` for any other name (an
    image, a whole video)."""
    match = _KEY.fullmatch(key)
    if match is None or not is_video(match.group(1)):
        return key, None
    return match.group(1), float(match.group(2))


@dataclass(frozen=True)
class Sampling:
    """Which frames of a video to use: every ``every``-th decoded frame, or ``fps`` frames per second of video
    (:data:`DEFAULT_FPS` when neither is given)."""

    every: int | None = None
    fps: float | None = None

    def __post_init__(self) -> None:
        if self.every is not None and self.fps is not None:
            raise ValueError("give --every or --fps, not both")
        if self.every is not None and self.every < 1:
            raise ValueError(f"--every must be 1 or more, not {self.every}")
        if self.fps is not None and not (self.fps > 0 and math.isfinite(self.fps)):
            raise ValueError(f"--fps must be a positive number, not {self.fps}")

    @property
    def rate(self) -> float | None:
        """Return the frames per second sampled by time (:data:`DEFAULT_FPS` by default), None with ``every``."""
        return None if self.every else (self.fps or DEFAULT_FPS)

    def identity(self) -> dict:
        """Return the JSON fields a batch journal records about the sampling (a resumed run must match them)."""
        return {"video_every": self.every} if self.every else {"video_fps": self.rate}

    def estimate(self, duration: float | None, frames: int | None, fps: float) -> int:
        """Return about how many frames this sampling takes from a video of ``duration`` seconds, ``frames``
        frames at ``fps`` (any may be unknown: None or 0); at least 1."""
        if self.every:
            count = frames or (duration * fps if duration and fps else 0)
            return max(1, math.ceil(count / self.every))
        seconds = duration or (frames / fps if frames and fps else 0)
        return max(1, math.ceil(seconds * self.rate))
