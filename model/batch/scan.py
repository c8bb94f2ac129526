"""Finding the images of a folder as a stream, in a fixed order, without ever listing the whole tree.

Which files count: names ending in one of :data:`model.data.decode.IMAGE_SUFFIXES` (any letter case), and with
``videos=True`` also :data:`model.video.files.VIDEO_SUFFIXES` (the batch pipeline samples their frames). Hidden
files and folders (a name starting with ``.``, or the hidden attribute on Windows) are skipped. Symlinks to
files count. A symlinked folder is followed only when it points outside the scanned tree (inside, its target
is scanned under its real path anyway), and a folder already visited (same device and inode) is entered once
only, so symlink cycles end.

Paths are yielded relative to the root, ``/``-separated, as ``str``; a name that is not valid in the file
system's encoding keeps its raw bytes as lone surrogates (``os.fsdecode``), so ``root / rel`` opens it.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from model.data.decode import IMAGE_SUFFIXES
from model.video.files import is_video

_SUFFIXES = frozenset(s.lower() for s in IMAGE_SUFFIXES)
_WINDOWS_HIDDEN = stat.FILE_ATTRIBUTE_HIDDEN if sys.platform == "win32" else 0  # the constant exists everywhere


@dataclass(frozen=True)
class ScanEntry:
    """One scanned image, or (``error`` set) a sub-folder that could not be listed."""

    rel: str
    error: str | None = None


def is_image_name(name: str) -> bool:
    """Return True when ``name`` ends in an image suffix (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in _SUFFIXES


def _hidden(entry: os.DirEntry) -> bool:
    """Return True for dot-names, and on Windows for entries with the hidden attribute."""
    if entry.name.startswith("."):
        return True
    if _WINDOWS_HIDDEN:
        try:
            return bool(entry.stat(follow_symlinks=False).st_file_attributes & _WINDOWS_HIDDEN)
        except OSError:
            return False
    return False


def _listing(folder: Path) -> list[os.DirEntry]:
    """Return the visible entries of ``folder`` sorted by name (the one list the scan holds per level)."""
    with os.scandir(folder) as it:
        return sorted((e for e in it if not _hidden(e)), key=lambda e: e.name)


def _dir_key(path: Path) -> tuple[int, int] | None:
    """Return the (device, inode) of the folder ``path`` points to, or None if it cannot be stat'ed."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def iter_images(root: str | os.PathLike, recursive: bool = False, videos: bool = False) -> Iterator[ScanEntry]:
    """Yield the images (and with ``videos`` the video files) under ``root`` in a stable order: each folder's
    entries sorted by name, sub-folders entered where they sort (depth-first) when ``recursive``.

    Memory holds one sorted listing per open folder level, never the tree. A sub-folder that cannot be
    listed yields a :class:`ScanEntry` with ``error`` set (``rel`` ends with ``/``); an unlistable root
    raises ``OSError``.
    """
    root = Path(root)
    real_root = os.path.realpath(root)
    visited = {_dir_key(root)}
    stack: list[tuple[str, Iterator[os.DirEntry]]] = [("", iter(_listing(root)))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        rel = prefix + entry.name
        try:
            is_dir = entry.is_dir()  # follows symlinks
        except OSError:
            is_dir = False
        if not is_dir:
            if (is_image_name(entry.name) or (videos and is_video(entry.name))) and _is_file(entry):
                yield ScanEntry(rel)
            continue
        if not recursive or _links_inside(entry, real_root):
            continue
        key = _dir_key(Path(entry.path))
        if key in visited:
            continue  # a symlink cycle, or a second link to a folder already scanned
        visited.add(key)
        try:
            stack.append((rel + "/", iter(_listing(Path(entry.path)))))
        except OSError as exc:
            yield ScanEntry(rel + "/", f"cannot list folder: {exc.strerror or exc}")


def _links_inside(entry: os.DirEntry, real_root: str) -> bool:
    """Return True for a symlinked folder whose target lies inside the scanned tree: that folder is (or will
    be) scanned under its real path, so following the link would only list it twice or loop."""
    if not entry.is_symlink():
        return False
    target = os.path.realpath(entry.path)
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _is_file(entry: os.DirEntry) -> bool:
    """Return True for a regular file or a symlink to one; a dangling symlink counts (it becomes an error
    row when read, so the user sees it)."""
    try:
        return entry.is_file() or entry.is_symlink()
    except OSError:
        return False


def count_images(root: str | os.PathLike, recursive: bool = False, videos: bool = False) -> int:
    """Return how many entries :func:`iter_images` yields (a streaming pass; nothing is kept)."""
    return sum(1 for _ in iter_images(root, recursive, videos))
