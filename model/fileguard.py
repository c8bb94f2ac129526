"""Guards for code that moves, copies or deletes the user's files: is a path really inside a folder (links
included), claiming a free file name atomically so that nothing is ever overwritten, and a copy or move onto
such a claimed name."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


def is_inside(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """Return whether ``path`` lies strictly below ``root``, both as written (no ``..`` escapes) and on disk:
    no symbolic link among ``path``'s parent folders leads out of ``root``. ``path`` itself may be a link (a
    rename or unlink acts on the link, not on its target)."""
    path, root = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    if path == root or root not in path.parents:
        return False
    real_root = Path(os.path.realpath(root))
    real_parent = Path(os.path.realpath(path.parent))
    return real_parent == real_root or real_root in real_parent.parents


def numbered(path: Path, n: int) -> Path:
    """Return ``path`` with `` (n)`` before its suffix (``a.jpg`` -> ``a (2).jpg``); ``path`` itself for n=1."""
    return path.with_name(f"{path.stem} ({n}){path.suffix}") if n > 1 else path


def reserve(path: Path) -> bool:
    """Create an empty file at ``path`` unless something is there (atomically, following the umask); return
    whether it did."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    except FileExistsError:
        return False
    return True


def claim(wanted: Path) -> Path:
    """Reserve ``wanted`` or the first free numbered name beside it; return the reserved path."""
    n = 1
    while not reserve(numbered(wanted, n)):
        n += 1
    return numbered(wanted, n)


def _copy_into(src: Path, dst: Path) -> None:
    """Copy ``src``'s bytes, times and permission bits into the (claimed, empty) file ``dst``."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    shutil.copystat(src, dst)


def transfer(src: Path, dst: Path, move: bool) -> None:
    """Copy or move ``src`` onto the reserved (empty) ``dst``: a rename, or copy + delete across file systems
    (``EXDEV``). On failure the placeholder ``dst`` is removed and ``src`` is left as it was."""
    try:
        if move:
            try:
                os.replace(src, dst)
                return
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
        _copy_into(src, dst)
    except BaseException:
        dst.unlink(missing_ok=True)
        raise
    if move:
        src.unlink()
