"""Frames captured into classes from the Live tab, without Qt: one folder per class under the data folder
(``<data>/live-captures/<class>/``), the layout "Teach" reads as a labelled folder, and snapshots for the Image tab
(``<data>/live-snapshots/``). Every file is written atomically under a name never used before (nothing is
overwritten)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from PIL import Image

from model.atomic import write_bytes_atomically
from model.fileguard import claim
from model.names import file_stem, folder_name
from model.paths import data_dir

CAPTURES, SNAPSHOTS = "live-captures", "live-snapshots"


def captures_root() -> Path:
    """Return the folder of the captured classes (it may not exist yet)."""
    return data_dir() / CAPTURES


def class_folder(class_name: str, root: str | os.PathLike | None = None) -> Path:
    """Return the folder of class ``class_name`` under ``root`` (default :func:`captures_root`), made if needed.
    Raises ValueError for an empty name."""
    if not class_name.strip():
        raise ValueError("Name the class to capture into first.")
    folder = Path(root if root is not None else captures_root()) / folder_name(class_name.strip())
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def save_frame(image: Image.Image, folder: str | os.PathLike, stem: str) -> Path:
    """Write ``image`` as PNG into ``folder`` as ``<stem>.png`` (numbered when taken), atomically; return its
    path."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    path = claim(Path(folder) / f"{file_stem(stem, empty='frame')}.png")
    write_bytes_atomically(path, _png(image))
    return path


def capture_stem(source: str, seconds: float | None) -> str:
    """Return a file stem naming where a frame came from: ``clip-t12.345`` for a file, ``camera-<clock>`` else."""
    name = Path(source).stem if source else "camera"
    when = f"t{seconds:.3f}" if seconds is not None else time.strftime("%Y%m%d-%H%M%S")
    return f"{name}-{when}"


def save_snapshot(image: Image.Image, source: str, seconds: float | None) -> Path:
    """Write the frame ``image`` into ``<data>/live-snapshots/`` for the Image tab; return its path."""
    return save_frame(image, data_dir() / SNAPSHOTS, capture_stem(source, seconds))


def class_counts(root: str | os.PathLike | None = None) -> dict[str, int]:
    """Return the number of PNG frames per class folder under ``root`` (default :func:`captures_root`)."""
    folder = Path(root if root is not None else captures_root())
    if not folder.is_dir():
        return {}
    return {d.name: sum(1 for _ in d.glob("*.png")) for d in sorted(folder.iterdir()) if d.is_dir()}
