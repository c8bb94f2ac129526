"""What the audit keeps per image between runs, keyed by file content, in one ``.npz`` file per base network:
the base's final features and the 32 px thumbnail. Ten thousand images load from it in milliseconds, where
the per-image feature cache costs a file per image (about a second for 10,000, measured). The per-image cache
stays the reference: a pack that cannot be read is ignored, one that cannot be written is only lost.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.atomic import atomic_binary_writer
from model.audit.fingerprint import SIZE

LIMIT = 200_000  # images a pack holds at most: the most recently added


@dataclass
class PackRow:
    """One image's entry: ``vector`` ``(width,)`` float32, ``thumb`` ``(SIZE, SIZE)`` uint8."""

    vector: np.ndarray
    thumb: np.ndarray


def read_pack(path: Path) -> dict[str, PackRow]:
    """Return ``{digest: PackRow}`` from the pack at ``path`` (empty when absent or unreadable)."""
    try:
        with np.load(path, allow_pickle=False) as found:
            digests, vectors, thumbs = found["digests"], found["vectors"], found["thumbs"]
    except (OSError, ValueError, KeyError):
        return {}
    n = len(digests)
    if vectors.ndim != 2 or len(vectors) != n or vectors.dtype != np.float32 or thumbs.shape != (n, SIZE, SIZE):
        return {}
    return {d: PackRow(v, t) for d, v, t in zip(digests.astype(str).tolist(), vectors, thumbs, strict=True)}


def write_pack(path: Path, rows: dict[str, PackRow]) -> None:
    """Replace the pack at ``path`` with ``rows`` (the last :data:`LIMIT`), atomically; a failure loses it only."""
    digests = list(rows)[-LIMIT:]
    if not digests:
        return
    vectors = np.stack([rows[d].vector for d in digests]).astype(np.float32, copy=False)
    thumbs = np.stack([rows[d].thumb for d in digests]).astype(np.uint8, copy=False)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_binary_writer(path) as f:
            np.savez(f, digests=np.array(digests, dtype="S64"), vectors=vectors, thumbs=thumbs)
