"""Video files of known content for the tests, written with PyAV into a test's folder (small, short, fast)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SLICE = Path(__file__).resolve().parent / "data" / "fmnist_test_slice"


def write_clip(
    path: Path,
    frames: Iterable[np.ndarray],
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rate: int = 10,
    rotation: int | None = None,
    pts: list[int] | None = None,
    time_base: Fraction | None = None,
    options: dict | None = None,
    container_options: dict | None = None,
    bit_rate: int | None = None,
) -> Path:
    """Write ``frames`` (uint8 ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA) as one video stream; ``pts`` (in
    ``time_base`` units) gives each frame's own timestamp (a variable frame rate); ``rotation`` the display
    matrix's counter-clockwise degrees; ``bit_rate`` (bits/s) for encoders without a quality option (MPEG-4).
    Return ``path``."""
    frames = list(frames)
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"crf": "18"} if codec == "libx264" and options is None else (options or {})
        if bit_rate:
            stream.bit_rate = bit_rate
        if time_base is not None:
            stream.codec_context.time_base = time_base
            stream.time_base = time_base
        if rotation is not None:
            stream.set_display_rotation(rotation)
        for i, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="rgba" if array.shape[2] == 4 else "rgb24")
            if pts is not None:
                frame.pts, frame.time_base = pts[i], time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def solid(rgb: tuple[int, ...], width: int = 64, height: int = 48) -> np.ndarray:
    """Return one ``(height, width, len(rgb))`` frame of a single colour."""
    return np.tile(np.array(rgb, np.uint8), (height, width, 1))


def fashion_stills(per_class: int = 2) -> list[tuple[Path, str]]:
    """Return ``per_class`` Fashion-MNIST test images per class from ``tests/data/fmnist_test_slice`` (the first
    by name) with their true class names (its ``labels.csv``)."""
    with (SLICE / "labels.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    chosen: dict[str, list[Path]] = {}
    for row in sorted(rows, key=lambda r: r["file"]):
        taken = chosen.setdefault(row["label"], [])
        if len(taken) < per_class:
            taken.append(SLICE / row["file"])
    return [(path, name) for name, paths in sorted(chosen.items()) for path in paths]


def held_frames(stills: list[Path], hold: int = 10, size: int = 28) -> list[np.ndarray]:
    """Return each still (grey 28 x 28) scaled to ``size`` px (nearest) as RGB, repeated ``hold`` times."""
    from PIL import Image

    out = []
    for path in stills:
        grey = Image.open(path).convert("L").resize((size, size), Image.Resampling.NEAREST)
        rgb = np.repeat(np.asarray(grey)[:, :, None], 3, axis=2)
        out += [rgb] * hold
    return out
