"""The per-frame timeline of a video file, without Qt: top-1 class and confidence over time, computed in batches
for the whole file (sampled evenly when it is long) with ``cancel=``, and exported as CSV or JSON Lines.

    for chunk in timeline_rows("clip.mp4", classifier, cancel=token):   # lists of TimelineRow, in time order
        rows.extend(chunk)
    write_rows("clip-frames.csv", rows)                                  # atomic; refuses to overwrite

A row names its frame as ``path#t=SECONDS`` (the form the headless ``classify`` and ``label`` use for video
frames) and carries ``frame`` (0-based index in the file) and ``time`` (seconds).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from model.atomic import atomic_writer
from model.batch.export import CsvWriter, export_format
from model.cancel import CancelToken, check
from model.data.pixels import pixel_array, stack_pixels
from model.runtime.predictor import Predictor
from model.video import VideoError, open_video
from model.video.files import frame_key

TIMELINE_MAX_ROWS = 2000  # a longer file is sampled evenly: every k-th frame, at most this many rows
BATCH = 16  # frames per forward pass
TOP_K = 5
CSV_HEADER = ["path", "frame", "time", "label", "confidence", "class_index", "top5"]


@dataclass(frozen=True)
class TimelineRow:
    """One classified frame: its ``frame`` index and ``time`` (seconds) in the file at ``path``, the top-5
    ``labels``/``indices``/``probs`` (best first)."""

    path: str
    frame: int
    time: float
    labels: tuple[str, ...]
    indices: tuple[int, ...]
    probs: tuple[float, ...]

    @property
    def name(self) -> str:
        """Return the frame's name, ``path#t=SECONDS`` (3 decimals)."""
        return frame_key(self.path, self.time)

    @property
    def label(self) -> str:
        """The top-1 class name."""
        return self.labels[0]

    @property
    def confidence(self) -> float:
        """The top-1 probability."""
        return self.probs[0]

    def as_json(self) -> dict:
        """Return the JSON-ready fields: path (the frame's name), file, frame, time, label, confidence,
        class_index, labels, indices, probs."""
        return {
            "path": self.name,
            "file": self.path,
            "frame": self.frame,
            "time": round(self.time, 6),
            "label": self.label,
            "confidence": round(self.confidence, 6),
            "class_index": self.indices[0],
            "labels": list(self.labels),
            "indices": list(self.indices),
            "probs": [round(p, 6) for p in self.probs],
        }


def sample_every(frames: int, limit: int = TIMELINE_MAX_ROWS) -> int:
    """Return k such that every k-th of ``frames`` frames gives at most ``limit`` rows (1 for short files and
    for an unknown count, 0)."""
    return max(1, math.ceil(frames / limit)) if frames > 0 else 1


def timeline_rows(
    path: str | os.PathLike,
    predictor: Predictor,
    *,
    limit: int = TIMELINE_MAX_ROWS,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[list[TimelineRow]]:
    """Yield the rows of ``path``'s frames (every k-th, :func:`sample_every`) in chunks of up to :data:`BATCH`, in
    time order, classified by ``predictor``. ``progress(frames done, frames in the file)``; ``cancel`` is checked
    before each batch. Raises :class:`~model.video.VideoError` for a file that cannot be read, or (after the rows
    of the frames before the break) for one damaged or truncated part-way."""
    name = os.fspath(path)
    with open_video(path) as reader:
        total = int(reader.info.frames or 0)
        every = sample_every(total, limit)
        cfg = predictor.preprocess_cfg
        side = 2 * max(cfg.input_size)  # decoded small: the model sees its input size, not 4K
        pending: list = []

        def classify(frames: list) -> list[TimelineRow]:
            probs = predictor.pixel_probabilities(stack_pixels([pixel_array(f.image, cfg) for f in frames]))
            preds = predictor.top_k_batch(probs, TOP_K, [name] * len(frames))
            return [
                TimelineRow(name, f.index, float(f.time), tuple(p.labels), tuple(p.indices), tuple(p.probs))
                for f, p in zip(frames, preds, strict=True)
            ]

        try:
            for frame in reader.frames(every=every if every > 1 else None, shrink_to=side):
                pending.append(frame)
                if len(pending) == BATCH:
                    check(cancel)
                    yield classify(pending)
                    if progress is not None:
                        progress(frame.index + 1, max(total, frame.index + 1))
                    pending = []
        except VideoError:  # damaged or truncated part-way: the frames before the break still get their rows
            if pending:
                yield classify(pending)
            raise
        if pending:
            check(cancel)
            yield classify(pending)
        if progress is not None:
            progress(max(total, 1), max(total, 1))


def row_at(rows: list[TimelineRow], seconds: float) -> TimelineRow | None:
    """Return the row of ``rows`` (in time order) nearest to ``seconds``, or None when there are none."""
    if not rows:
        return None
    times = [r.time for r in rows]
    i = min(range(len(rows)), key=lambda k: abs(times[k] - seconds))
    return rows[i]


def write_rows(path: str | os.PathLike, rows: list[TimelineRow], *, overwrite: bool = False) -> int:
    """Write ``rows`` to ``path`` (.csv: spreadsheet-safe cells; .jsonl: one object a line) atomically; return
    how many. Raises FileExistsError when ``path`` exists and ``overwrite`` is False (ask first), ValueError for
    another suffix."""
    fmt = export_format(path)
    if Path(path).exists() and not overwrite:
        raise FileExistsError(f"{path} exists already: nothing was written.")
    with atomic_writer(path, newline="" if fmt == "csv" else None) as f:
        if fmt == "csv":
            writer = CsvWriter(f)
            writer.writerow(CSV_HEADER)
            for r in rows:
                top5 = ";".join(f"{label}:{p:.4f}" for label, p in zip(r.labels, r.probs, strict=True))
                cells = [r.name, str(r.frame), f"{r.time:.6f}", r.label, f"{r.confidence:.6f}", str(r.indices[0])]
                writer.writerow([*cells, top5])
        else:
            for r in rows:
                f.write(json.dumps(r.as_json(), ensure_ascii=False) + "\n")
    return len(rows)
