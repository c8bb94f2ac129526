"""Atomic file writes: a file is either the old one or the whole new one, never half-written.

Permissions are those an editor gives: a new file gets ``0o666`` less the user's umask (0644 under umask 022,
0600 under 077), and a file that is replaced keeps its permission bits. (``tempfile.mkstemp`` would create every
file 0600, whatever the umask.)"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

_TRIES = 100  # random temp names tried before giving up (a clash of 32 random bits is already rare)


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
    fd, tmp = _temp_beside(target)
    try:
        yield fd
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temp_beside(target: Path) -> tuple[int, Path]:
    """Create a new, empty temp file in ``target``'s folder; return its descriptor (open for writing) and path.
    Its mode is ``target``'s permission bits when ``target`` exists, else ``0o666`` less the umask (the kernel
    applies the umask to ``os.open``'s mode: nothing here reads or changes the process-wide umask)."""
    try:
        keep = stat.S_IMODE(os.stat(target).st_mode) & 0o777  # no set-id or sticky bits carried over
    except OSError:
        keep = None
    for _ in range(_TRIES):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except FileExistsError:
            continue
        if keep is not None:
            try:
                os.chmod(tmp, keep)
            except OSError:
                os.close(fd)
                tmp.unlink(missing_ok=True)
                raise
        return fd, tmp
    raise FileExistsError(f"{target.parent}: no free temporary name for {target.name} after {_TRIES} tries")
