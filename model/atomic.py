"""Atomic file writes: a file is either the old one or the whole new one, never half-written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_writer(path: str | os.PathLike, newline: str | None = None) -> Iterator[IO[str]]:
    """Yield a UTF-8 text file that replaces ``path`` only once the block ends without an error (written to a
    temp file beside it, synced, then ``os.replace``d); on error the temp file is removed. Creates missing
    parent folders."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with _replacing(path) as fd, open(fd, "w", encoding="utf-8", newline=newline) as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


@contextmanager
def atomic_binary_writer(path: str | os.PathLike, sync: bool = True) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces ``path`` only once the block ends without an error, as
    :func:`atomic_writer` does, but into an existing folder only; raises OSError (the temp file is removed).
    ``sync=False`` skips the ``fsync`` (for caches, where a file lost in a crash is only computed again)."""
    with _replacing(path) as fd, open(fd, "wb") as f:
        yield f
        if sync:
            f.flush()
            os.fsync(f.fileno())


def write_bytes_atomically(path: str | os.PathLike, data: bytes, sync: bool = True) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_binary_writer` (``sync`` as there)."""
    with atomic_binary_writer(path, sync=sync) as f:
        f.write(data)


@contextmanager
def _replacing(path: str | os.PathLike) -> Iterator[int]:
    """Yield the descriptor of a temp file beside ``path``; rename it over ``path`` when the block succeeds."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        yield fd
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
