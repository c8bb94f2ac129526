"""Undoing a sort from its manifest (:mod:`model.batch.manifest`): moved files go back, copies that are still
identical to their original are deleted, and class folders the sort created go when empty.

Only what the sort wrote is touched: every path acted on lies inside the manifest's DEST (no link leads out),
``src`` and ``dst`` must differ, and a file is moved back only onto a free name. A foreign manifest (not
signed by this user's app, or changed since) is refused unless ``allow_foreign``: then copies inside DEST may
be deleted, but nothing is moved out of DEST.
"""

from __future__ import annotations

import filecmp
import os
from dataclasses import dataclass, field
from pathlib import Path

from model.batch.manifest import Manifest, read_manifest
from model.fileguard import is_inside, reserve, transfer


class ForeignManifest(ValueError):
    """The manifest was not written by this user's app (or was changed since); it carries the :class:`Manifest`."""

    def __init__(self, manifest: Manifest):
        super().__init__(
            f"{manifest.path} was not written by this app for this user, or was changed since: undo refused. "
            "Look at what it lists before you allow it; even then only copies inside "
            f"{manifest.dest} are removed and nothing is moved out of it."
        )
        self.manifest = manifest


def _count(n: int, one: str, many: str) -> str:
    """Return ``"1 copy"``, ``"3,000 copies"``."""
    return f"{n:,} {one if n == 1 else many}"


@dataclass
class UndoResult:
    """What :func:`undo_sort` did: files ``restored`` (moved back or copy deleted) and ``problems`` left, for
    a sort in ``mode`` ("copy" or "move") into ``dest``."""

    restored: int = 0
    problems: list[str] = field(default_factory=list)
    mode: str = "move"
    dest: str = ""

    def report(self) -> str:
        """Return what the undo did in words, e.g. "Removed 3,000 copies from /x; the originals were
        untouched." or "Moved 3,000 files back from /x.", with the first problem when some were left."""
        if self.mode == "copy":
            text = f"Removed {_count(self.restored, 'copy', 'copies')} from {self.dest}; the originals were untouched."
        else:
            text = f"Moved {_count(self.restored, 'file', 'files')} back from {self.dest}."
        if self.problems:
            text += f" {len(self.problems):,} left as they are: {self.problems[0]}"
        return text


def undo_question(manifest: str | os.PathLike | Manifest) -> str:
    """Return what undoing the sort in ``manifest`` will do, as a question to confirm ("Remove 3,000 copies
    from /x? The originals are untouched." or "Move 3,000 files back from /x to where they were?"); raises
    ``OSError`` or ``ValueError`` when ``manifest`` cannot be read or is not a sort manifest."""
    manifest = manifest if isinstance(manifest, Manifest) else read_manifest(manifest)
    if manifest.mode == "copy":
        return f"Remove {_count(manifest.files, 'copy', 'copies')} from {manifest.dest}? The originals are untouched."
    return f"Move {_count(manifest.files, 'file', 'files')} back from {manifest.dest} to where they were?"


def _same_file(a: Path, b: Path) -> bool:
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _undo_copy(src: Path, dst: Path) -> str | None:
    if not os.path.lexists(dst):
        return None  # already undone, or the user deleted the copy
    if os.path.islink(dst) or not dst.is_file():
        return f"kept {dst}: the sort never writes a link or folder there"
    if not src.is_file() or not filecmp.cmp(src, dst, shallow=False):
        return f"kept {dst}: it differs from {src} (or that is gone)"
    dst.unlink()
    return None


def _undo_move(src: Path, dst: Path, dest: Path, trusted: bool) -> str | None:
    if not trusted and not is_inside(src, dest):
        return f"kept {dst}: a foreign manifest cannot move files out of {dest}"
    if not os.path.lexists(dst):
        return None if os.path.lexists(src) else f"{dst} is gone; cannot put back {src}"
    src.parent.mkdir(parents=True, exist_ok=True)
    if not reserve(src):
        return f"kept {dst}: {src} exists again"
    transfer(dst, src, move=True)  # onto the name just reserved: nothing else is overwritten
    return None


def _undo_one(manifest: Manifest, src: Path, dst: Path) -> str | None:
    """Undo one copy or move; return None when done (or already undone), else why it was not."""
    if not is_inside(dst, manifest.dest):
        return f"refused {dst}: it is not inside {manifest.dest}"
    if _same_file(src, dst):
        return f"refused {dst}: it names the same file as its source"
    if manifest.mode == "copy":
        return _undo_copy(src, dst)
    return _undo_move(src, dst, manifest.dest, manifest.trusted)


def undo_sort(manifest: str | os.PathLike | Manifest, allow_foreign: bool = False) -> UndoResult:
    """Undo the sort recorded in ``manifest`` (last file first): move moved files back, delete copies still
    identical to their source, remove class folders the sort created if they are empty. Safe to run twice.
    Raises :class:`ForeignManifest` for a manifest this user's app did not write unless ``allow_foreign``, and
    ``OSError``/``ValueError`` when it cannot be read or is not a manifest."""
    manifest = manifest if isinstance(manifest, Manifest) else read_manifest(manifest)
    if not manifest.trusted and not allow_foreign:
        raise ForeignManifest(manifest)
    result = UndoResult(mode=manifest.mode, dest=str(manifest.dest))
    for kind, first, second in reversed(manifest.entries):
        if kind == "mkdir":
            if is_inside(first, manifest.dest) and not os.path.islink(first):
                try:
                    first.rmdir()
                except OSError:
                    pass  # not empty (a kept file, or the user's own): leave it
            continue
        assert second is not None
        try:
            problem = _undo_one(manifest, first, second)
        except OSError as exc:
            problem = f"{second}: {exc.strerror or exc}"
        if problem:
            result.problems.append(problem)
        else:
            result.restored += 1
    return result
