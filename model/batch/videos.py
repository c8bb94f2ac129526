"""The video files of a labelled folder: each becomes one item per sampled frame for the batch pipeline.

A frame's item is named ``path#t=SECONDS`` (:func:`model.video.files.frame_key`), and its record gains ``frame``
(the decoded-frame number) and ``time`` (seconds): the journal keys frames by that name, so a resumed run
decodes the video again and skips the frames already committed. A video that cannot be opened, or that turns out
damaged part-way, gives one error row named by the file itself (after the frames before the damage); a resumed
run skips a video whose file row is in the journal. PyAV is imported only when a folder holds a video.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Container, Iterator, MutableMapping
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from model.batch.journal import printable
from model.data.pixels import PreprocessCfg, frame_side, pixel_array, stack_pixels
from model.video.files import Sampling, frame_key

if TYPE_CHECKING:
    from model.batch.pipeline import Loaded  # (relative path or frame name, uint8 pixels or None, error or None)
    from model.runtime.predictor import Prediction, Predictor
    from model.video.reader import VideoFrame


def shrink_side(cfg: PreprocessCfg) -> int:
    """Return the shorter side a frame is scaled down to while decoding (:func:`model.data.pixels.frame_side`,
    which reading a frame back by its name uses too)."""
    return frame_side(cfg)


def frame_fields(frame: VideoFrame) -> dict:
    """Return a frame's row fields: ``frame`` (the decoded-frame number) and ``time`` (seconds, to the microsecond)."""
    return {"frame": frame.index, "time": round(frame.time, 6)}


def frame_pixels(key: str, image: Image.Image, cfg: PreprocessCfg) -> Loaded:
    """Return ``(key, pixels, None)``: the model's view of a decoded frame (runs in the decode pool)."""
    return key, pixel_array(image, cfg), None


def video_items(
    root: str,
    rel: str,
    sampling: Sampling,
    cfg: PreprocessCfg,
    done: Container[str],
    fields: MutableMapping[str, dict],
) -> Iterator[Loaded | Callable[[], Loaded]]:
    """Yield the work of the video ``root/rel``: per sampled frame not in ``done``, a function that returns its
    :data:`Loaded` (its ``frame``/``time`` fields are put in ``fields`` under its name), then, when the video
    cannot be read or stops early, the error item named ``rel``. Decoding happens here, in the caller's thread."""
    from model.video.reader import VideoError, open_video

    try:
        with open_video(os.path.join(root, rel)) as video:
            for frame in video.frames(sampling.every, sampling.rate, shrink_to=shrink_side(cfg)):
                key = frame_key(rel, frame.time)
                if key in done:
                    continue
                fields[key] = frame_fields(frame)
                yield partial(frame_pixels, key, frame.image, cfg)
    except VideoError as exc:
        yield rel, None, printable(str(exc))


def estimated_frames(path: str | os.PathLike, sampling: Sampling) -> int:
    """Return about how many frames ``sampling`` takes from the video at ``path`` (from its header; 1 when it
    cannot be read: its error row)."""
    from model.video.reader import VideoError, open_video

    try:
        with open_video(path) as video:
            info = video.info
    except VideoError:
        return 1
    return sampling.estimate(info.duration, info.frames, info.fps)


def classify_video(
    clf: Predictor, path: str, sampling: Sampling, k: int, batch_size: int = 16
) -> Iterator[tuple[Prediction, dict]]:
    """Yield, per sampled frame of the video ``path`` in order, its top-``k`` :class:`Prediction` (``path`` is
    the frame's name, ``path#t=SECONDS``) and its ``frame``/``time`` fields; frames go through the network
    ``batch_size`` at a time. A video that cannot be read, or stops early, ends with one failed prediction
    named ``path`` (and empty fields) after the frames before the damage."""
    from model.video.reader import VideoError, open_video

    cfg = clf.preprocess_cfg
    pending: list[tuple[str, np.ndarray, dict]] = []

    def flush() -> Iterator[tuple[Prediction, dict]]:
        start = time.perf_counter()
        probs = clf.pixel_probabilities(stack_pixels([p for _, p, _ in pending]))
        seconds = (time.perf_counter() - start) / len(pending)
        preds = clf.top_k_batch(probs, k, [key for key, _, _ in pending], seconds)
        yield from zip(preds, [fields for _, _, fields in pending], strict=True)
        pending.clear()

    try:
        with open_video(path) as video:
            for frame in video.frames(sampling.every, sampling.rate, shrink_to=shrink_side(cfg)):
                fields = frame_fields(frame)
                pending.append((frame_key(path, frame.time), pixel_array(frame.image, cfg), fields))
                if len(pending) == batch_size:
                    yield from flush()
    except VideoError as exc:
        if pending:
            yield from flush()
        yield clf.failed(path, printable(str(exc))), {}
        return
    if pending:
        yield from flush()
