"""Video files to RGB frames through PyAV (FFmpeg): the one place the project decodes video.

    with open_video("clip.mp4") as video:
        print(video.info)                                # size after rotation, fps, duration, codec, ...
        for frame in video.frames(fps=DEFAULT_FPS):      # 2 frames per second of video
            frame.index, frame.time, frame.image         # decoded-frame number, seconds, RGB PIL image

Decoding rules:

- ``time`` is the frame's presentation time, ``pts * time_base`` minus the stream's start time, in seconds:
  right for variable frame rates. A frame without a timestamp gets the previous one's plus one frame period.
- Pixels are converted by libswscale with the frame's own colour matrix (BT.601 / BT.709 / ...) and colour
  range (limited or full), from any pixel format FFmpeg decodes (8/10/12-bit, 4:2:0 / 4:2:2 / 4:4:4, RGB,
  palette). A format with alpha is composited on :data:`~model.data.decode.ALPHA_BACKGROUND` (white), as
  images are; VP8/VP9 with an alpha channel (WebM's ``alpha_mode``) is decoded with libvpx, which reads it.
- The display matrix (a phone's rotation tag) is applied in steps of 90 degrees, and a non-square sample
  aspect ratio is resampled to square pixels: ``info.width`` x ``info.height`` is what a player shows.
- Sampling: every decoded frame, every ``every``-th, or the first frame at or after each step of ``1 / fps``
  seconds (on timestamps, so a variable frame rate samples evenly in time). :data:`DEFAULT_FPS` is the rate
  the headless commands use when none is given (:mod:`model.video.files`).
- Anything that fails (missing, not a video, no video stream, no decodable frame) raises :class:`VideoError`
  from :func:`open_video` with a one-line reason; a file damaged or truncated part-way yields its frames up to
  the damage, then :meth:`VideoReader.frames` raises :class:`VideoError` saying where it stopped.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image

from model.data.decode import ALPHA_BACKGROUND, file_problem
from model.video.files import DEFAULT_FPS, VIDEO_SUFFIXES, is_video

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

_ALPHA_DECODERS = {"vp8": "libvpx", "vp9": "libvpx-vp9"}  # FFmpeg's own VP8/VP9 decoders drop WebM's alpha
_TRANSPOSE = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
_EPS = 1e-6  # seconds: timestamps within this of a sampling step count as on it


class VideoError(ValueError):
    """A video file that cannot be used, or stopped being readable part-way; ``str(error)`` is one line."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video's header says. ``width``/``height``: as displayed (after rotation and sample aspect ratio);
    ``fps``: the stream's average (or guessed) rate, 0.0 if unknown; ``duration`` seconds and ``frames`` (the
    header's count) None if unknown; ``rotation``: the display matrix's counter-clockwise degrees (0, 90, 180,
    270); ``codec`` and ``pix_fmt``: FFmpeg's names (``h264``, ``yuv420p10le``)."""

    width: int
    height: int
    fps: float
    duration: float | None
    frames: int | None
    rotation: int
    codec: str
    pix_fmt: str


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: ``index`` (its number among the decoded frames, 0 first; after a seek counted from the
    frame rate), ``time`` (seconds from the stream's start) and ``image`` (RGB, as displayed)."""

    index: int
    time: float
    image: Image.Image


def _quarter_turns(degrees: float) -> int:
    """Return ``degrees`` (counter-clockwise, any sign) as 0, 90, 180 or 270, rounded to the nearest quarter."""
    return int(round(degrees / 90.0)) % 4 * 90


def _has_alpha(frame: av.VideoFrame) -> bool:
    return any(c.is_alpha for c in frame.format.components)


class VideoReader:
    """An open video file (see the module's rules); use :func:`open_video`, and close it (``with``)."""

    def __init__(self, path: str | os.PathLike):
        """Open ``path`` and decode its first frame; raises :class:`VideoError` (see :func:`open_video`)."""
        self.path = Path(path)
        problem = file_problem(self.path, "a video")
        if problem:
            raise VideoError(problem)
        try:
            self._container = av.open(os.fspath(self.path), "r")
        except av.error.PermissionError:
            raise VideoError(f"{self.path}: permission denied") from None
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise VideoError(f"{self.path}: not a video FFmpeg can read ({_reason(exc)})") from None
        try:
            self._open_stream()
        except BaseException:
            self._container.close()
            raise

    def _open_stream(self) -> None:
        """Pick the video stream, its decoder and the first frame; fill :attr:`info`."""
        streams = [s for s in self._container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]
        if not streams:
            raise VideoError(f"{self.path}: has no video stream (audio only, or the index at its end is missing)")
        self._stream = stream = streams[0]
        stream.thread_type = "AUTO"
        codec = stream.codec_context.name
        self._alpha_ctx: av.CodecContext | None = None
        if stream.metadata.get("alpha_mode") == "1" and codec in _ALPHA_DECODERS:
            try:
                self._alpha_ctx = av.CodecContext.create(_ALPHA_DECODERS[codec], "r")
            except (av.error.FFmpegError, ValueError):  # a build without libvpx: colour without alpha
                self._alpha_ctx = None
        self._time_base = stream.time_base or Fraction(1, 1000)
        self._start_pts = stream.start_time if stream.start_time is not None else 0
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
        self._period = 1.0 / fps if fps > 0 else 0.04
        self._rest: Iterator[av.VideoFrame] | None = self._decode_from(0.0, seek=False)
        try:
            first = next(self._rest)
        except StopIteration:
            raise VideoError(f"{self.path}: no frame could be decoded ({codec}, truncated or empty)") from None
        except VideoError as exc:
            raise VideoError(f"{self.path}: no frame could be decoded: {exc}") from None
        self._first = first
        rotation = _quarter_turns(first.rotation)
        width, height = self._display_size(first)
        if rotation in (90, 270):
            width, height = height, width
        duration = float(stream.duration * self._time_base) if stream.duration else None
        if duration is None and self._container.duration and len(self._container.streams) == 1:
            duration = self._container.duration / av.time_base
        self.info = VideoInfo(
            width=width,
            height=height,
            fps=fps,
            duration=duration,
            frames=stream.frames or None,
            rotation=rotation,
            codec=codec,
            pix_fmt=first.format.name,
        )

    def _display_size(self, frame: av.VideoFrame) -> tuple[int, int]:
        """Return ``frame``'s size with square pixels (the sample aspect ratio applied to the width)."""
        sar = self._stream.sample_aspect_ratio
        if sar and sar > 0 and sar != 1:
            return max(1, round(frame.width * sar)), frame.height
        return frame.width, frame.height

    def _packets_decoded(self) -> Iterator[av.VideoFrame]:
        """Yield decoded frames from the current position (libvpx for alpha, else the stream's decoder)."""
        if self._alpha_ctx is None:
            yield from self._container.decode(self._stream)
            return
        for packet in self._container.demux(self._stream):
            yield from self._alpha_ctx.decode(packet if packet.size else None)

    def _decode_from(self, start: float, seek: bool = True) -> Iterator[av.VideoFrame]:
        """Yield raw frames from the keyframe at or before ``start`` seconds (with ``seek``; without, from where
        the demuxer is). Decoder errors become :class:`VideoError`."""
        if seek:
            offset = self._start_pts + int(start / self._time_base)
            try:
                self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
            except (av.error.FFmpegError, OSError) as exc:
                raise VideoError(f"{self.path}: cannot seek to {start:.3f} s: {_reason(exc)}") from None
            if self._alpha_ctx is not None:
                self._alpha_ctx.flush_buffers()
        decoded = self._packets_decoded()
        while True:
            try:
                frame = next(decoded)
            except StopIteration:
                return
            except (av.error.FFmpegError, OSError, MemoryError) as exc:
                raise VideoError(f"decoding failed: {_reason(exc)}") from None
            yield frame

    def _time(self, frame: av.VideoFrame, previous: float | None) -> float:
        """Return ``frame``'s time in seconds from the stream's start (see the module's rules)."""
        if frame.pts is not None:
            return float((frame.pts - self._start_pts) * self._time_base)
        return 0.0 if previous is None else previous + self._period

    def to_rgb(self, frame: av.VideoFrame, shrink_to: int | None = None) -> Image.Image:
        """Return ``frame`` as an RGB image as displayed: colour matrix and range from the frame, alpha composited
        on white, square pixels, rotation applied. ``shrink_to``: scale down (never up) in libswscale so the
        shorter side is at most this many pixels (a 4K frame is never converted at full size)."""
        width, height = self._display_size(frame)
        if shrink_to and min(width, height) > shrink_to:
            scale = shrink_to / min(width, height)
            width, height = max(1, round(width * scale)), max(1, round(height * scale))
        alpha = _has_alpha(frame)
        options = {"interpolation": "AREA"} if (width, height) != (frame.width, frame.height) else {}
        converted = frame.reformat(
            width=width,
            height=height,
            format="rgba" if alpha else "rgb24",
            src_color_range=frame.color_range or None,
            dst_color_range="JPEG",
            **options,
        )
        if alpha:
            image = Image.fromarray(converted.to_ndarray(), "RGBA")
            canvas = Image.new("RGBA", image.size, (*ALPHA_BACKGROUND, 255))
            image = Image.alpha_composite(canvas, image).convert("RGB")
        else:
            image = converted.to_image()
        turn = _quarter_turns(frame.rotation)
        return image.transpose(_TRANSPOSE[turn]) if turn else image

    def frames(
        self, every: int | None = None, fps: float | None = None, start: float = 0.0, *, shrink_to: int | None = None
    ) -> Iterator[VideoFrame]:
        """Yield the sampled frames from ``start`` seconds on, in order: all of them, every ``every``-th decoded
        frame (the first one at or after ``start`` included), or with ``fps`` the first frame at or after each
        ``start + k / fps`` seconds. ``start`` > 0 seeks to the keyframe at or before it and decodes forward.
        ``shrink_to``: see :meth:`to_rgb`.

        Raises ValueError for both ``every`` and ``fps``, or either below 1 / not above 0; raises
        :class:`VideoError` after the last good frame when the file turns out damaged or truncated.
        """
        if every is not None and fps is not None:
            raise ValueError("give every or fps, not both")
        if every is not None and every < 1:
            raise ValueError(f"every must be 1 or more, not {every}")
        if fps is not None and not (fps > 0 and math.isfinite(fps)):
            raise ValueError(f"fps must be a positive number, not {fps}")
        start = max(0.0, float(start))
        rest, self._rest = self._rest, None
        raw = itertools.chain([self._first], rest) if rest is not None and start == 0.0 else self._decode_from(start)
        yield from self._sample(raw, every, fps, start, shrink_to)

    def timed(self, start: float = 0.0) -> Iterator[tuple[float, av.VideoFrame]]:
        """Yield ``(time in seconds, raw frame)`` for every decoded frame from the keyframe at or before ``start``
        on, not converted (:meth:`to_rgb` converts the one wanted); raises :class:`VideoError` when decoding
        fails. Reading a few frames by their times costs no conversion of the frames between them."""
        self._rest = None  # the demuxer moves: frames() seeks from now on
        time: float | None = None
        for frame in self._decode_from(max(0.0, float(start))):
            time = self._time(frame, time)
            yield time, frame

    def _sample(
        self, raw: Iterator[av.VideoFrame], every: int | None, fps: float | None, start: float, shrink_to: int | None
    ) -> Iterator[VideoFrame]:
        """Yield :class:`VideoFrame`s of the raw frames ``raw`` by the sampling rules of :meth:`frames`, then check
        that the stream did not end early."""
        count = kept = 0
        due = start
        time: float | None = None
        last: av.VideoFrame | None = None
        seeked = start > 0
        try:
            for frame in raw:
                time = self._time(frame, time)
                last = frame
                if time < start - _EPS:
                    continue
                index = round(time / self._period) if seeked else count
                take = (count % every == 0) if every else (fps is None or time >= due - _EPS)
                count += 1
                if not take:
                    continue
                if fps:
                    due = start + (math.floor((time - start) * fps + _EPS) + 1) / fps
                kept += 1
                yield VideoFrame(index, time, self.to_rgb(frame, shrink_to))
        except VideoError as exc:
            where = f"after {time:.3f} s" if time is not None else "before the first frame"
            raise VideoError(f"{self.path}: damaged or truncated, stopped {where}: {exc}") from None
        self._check_complete(last, time, count, seeked)

    def _check_complete(self, last: av.VideoFrame | None, time: float | None, count: int, seeked: bool) -> None:
        """Raise :class:`VideoError` when the decoded stream ended clearly before the header's frame count or
        duration (a truncated download, a recording cut off)."""
        info = self.info
        if last is None or time is None:
            raise VideoError(f"{self.path}: no frame after the seek point (damaged or truncated?)")
        if not seeked and info.frames and count < info.frames - 1:
            raise VideoError(
                f"{self.path}: truncated or damaged: {count} of the header's {info.frames} frames decoded "
                f"(stopped after {time:.3f} s)"
            )
        if info.duration:
            shown = float(last.duration * self._time_base) if last.duration else self._period
            if time + shown + max(2 * self._period, 0.1) < info.duration:
                raise VideoError(
                    f"{self.path}: truncated or damaged: the frames stop at {time:.3f} s of {info.duration:.3f} s"
                )

    def close(self) -> None:
        """Close the file."""
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _reason(exc: BaseException) -> str:
    """Return a one-line reason from an FFmpeg or OS error (its message without the errno)."""
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0]


def open_video(path: str | os.PathLike) -> VideoReader:
    """Return the open :class:`VideoReader` of ``path`` (a context manager; its first frame is decoded to learn
    the rotation and check that the file decodes). Raises :class:`VideoError` with a one-line reason for a
    missing, empty or unreadable file, a file FFmpeg cannot read, one without a video stream and one whose first
    frame does not decode."""
    return VideoReader(path)
