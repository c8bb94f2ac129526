"""Sorting labelled images into one folder per class: a plan to preview, then copy (default) or move.

Nothing is ever overwritten: a name already taken in the class folder gets `` (2)``, `` (3)``, ... before its
suffix, and the name is claimed atomically (``O_EXCL``) before the file goes there. Class names become folder
names with :func:`folder_names` (``T-shirt/top`` -> ``T-shirt-top``). Every copy or move is appended to a
manifest (JSON Lines in DEST, flushed per file, so an interrupted sort can be undone too); :func:`undo_sort`
moves moved files back and deletes copies that are still identical to their original. With a confidence
threshold, images whose top-1 probability is below it go to an ``uncertain`` folder instead of a class folder.
:func:`undo_question` and :meth:`UndoResult.report` say in words what an undo will do and what it did.
"""

from __future__ import annotations

import errno
import filecmp
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from model.batch.journal import decode_path, encode_path

MANIFEST_KEY = "coatnet_sort_manifest"
UNCERTAIN = "uncertain"
_UNSAFE = set('/\\:*?"<>|')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_MAX_NAME_BYTES = 120


def safe_folder_name(label: str) -> str:
    """Return ``label`` as a folder name valid on Linux, macOS and Windows: path separators and other
    reserved characters become ``-``, trailing dots/spaces go, reserved device names get a ``_`` prefix,
    at most 120 bytes; an empty result is ``_``."""
    name = "".join("-" if c in _UNSAFE or ord(c) < 32 else c for c in label).strip().rstrip(". ")
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        name = name[:-1]
    return name or "_"


def folder_names(label_names: list[str]) -> list[str]:
    """Return one folder name per class index, distinct even where two classes share a name or differ only
    in letter case (the later one gets `` (index)`` appended)."""
    seen: set[str] = set()
    out = []
    for index, label in enumerate(label_names):
        name = safe_folder_name(label)
        if name.casefold() in seen:
            name = f"{name} ({index})"
        seen.add(name.casefold())
        out.append(name)
    return out


def uncertain_folder(folders: list[str]) -> str:
    """Return the folder for images below the confidence threshold: ``uncertain``, or ``uncertain (2)``,
    ``uncertain (3)``, ... when a class folder already has that name (in any letter case)."""
    taken = {f.casefold() for f in folders}
    name, n = UNCERTAIN, 1
    while name.casefold() in taken:
        n += 1
        name = f"{UNCERTAIN} ({n})"
    return name


@dataclass(frozen=True)
class SortStep:
    """One file to copy or move: ``src`` into the class folder ``folder`` of the destination as ``dst``."""

    src: Path
    dst: Path
    folder: str


def _numbered(path: Path, n: int) -> Path:
    """Return ``path`` with `` (n)`` before its suffix (``a.jpg`` -> ``a (2).jpg``)."""
    return path.with_name(f"{path.stem} ({n}){path.suffix}") if n > 1 else path


def plan_sort(
    records: Iterable[dict],
    root: str | os.PathLike,
    dest: str | os.PathLike,
    folders: list[str],
    uncertain_below: float | None = None,
) -> Iterator[SortStep]:
    """Yield where each labelled record's file goes: ``dest/<folder of its top-1 class>/<file name>``, with a
    numbered name where the name is taken on disk or earlier in this plan. With ``uncertain_below`` (a
    probability, 0..1), a record whose top-1 probability is below it goes to ``dest/<uncertain_folder>``
    instead. Error rows are left out; ``folders`` comes from :func:`folder_names`."""
    root, dest = Path(os.path.abspath(root)), Path(os.path.abspath(dest))
    unsure = uncertain_folder(folders)
    planned: set[Path] = set()
    for record in records:
        if record.get("error") or not record.get("indices"):
            continue
        below = uncertain_below is not None and record["probs"][0] < uncertain_below
        folder = unsure if below else folders[record["indices"][0]]
        rel = decode_path(record)
        wanted = dest / folder / Path(rel).name
        n = 1
        while _numbered(wanted, n) in planned or os.path.lexists(_numbered(wanted, n)):
            n += 1
        planned.add(_numbered(wanted, n))
        yield SortStep(root / rel, _numbered(wanted, n), folder)


def _reserve(path: Path) -> bool:
    """Create an empty file at ``path`` unless something is there (atomically); return whether it did."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    return True


def _claim(wanted: Path) -> Path:
    """Reserve ``wanted`` or the first free numbered name beside it; return the reserved path."""
    n = 1
    while not _reserve(_numbered(wanted, n)):
        n += 1
    return _numbered(wanted, n)


def _copy_into(src: Path, dst: Path) -> None:
    """Copy ``src``'s bytes and times into the (claimed, empty) file ``dst``."""
    with src.open("rb") as fin, dst.open("wb") as fout:
        shutil.copyfileobj(fin, fout, 1 << 20)
    shutil.copystat(src, dst)


def _transfer(src: Path, dst: Path, move: bool) -> None:
    """Copy or move ``src`` onto the reserved (empty) ``dst``: a rename, or copy + delete across file
    systems. On failure the placeholder is removed and ``src`` is left as it was."""
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


@dataclass
class SortResult:
    """What :func:`apply_sort` did: the ``manifest`` path, files ``done`` and ``(src, reason)`` failures."""

    manifest: Path
    done: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)


def _line(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def apply_sort(
    steps: Iterable[SortStep],
    dest: str | os.PathLike,
    move: bool = False,
    on_step: Callable[[SortStep, Path], None] | None = None,
) -> SortResult:
    """Copy (or ``move``) each step's file into its class folder under ``dest``, never overwriting; write
    the manifest ``dest/coatnet-sort-<time>.jsonl`` as it goes; return a :class:`SortResult`.
    ``on_step(step, final destination)`` is called after each file. A failing file is reported, not fatal."""
    dest = Path(os.path.abspath(dest))
    dest.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    result = SortResult(_claim(dest / f"coatnet-sort-{stamp}.jsonl"))
    made: set[Path] = set()
    with result.manifest.open("w", encoding="utf-8") as log:
        log.write(_line({MANIFEST_KEY: 1, "mode": "move" if move else "copy", **encode_path(str(dest), "dest")}))
        for step in steps:
            folder = step.dst.parent
            try:
                if folder not in made and not folder.exists():
                    folder.mkdir(parents=True)
                    log.write(_line(encode_path(str(folder), "mkdir")))
                made.add(folder)
                if not step.src.is_file():
                    raise FileNotFoundError(errno.ENOENT, "no such file", str(step.src))
                dst = _claim(step.dst)
                _transfer(step.src, dst, move)
            except OSError as exc:
                result.failed.append((step.src, exc.strerror or str(exc)))
                continue
            log.write(_line({**encode_path(str(step.src), "src"), **encode_path(str(dst), "dst")}))
            log.flush()
            result.done += 1
            if on_step:
                on_step(step, dst)
    return result


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


def read_manifest(path: str | os.PathLike) -> tuple[dict, list[dict]]:
    """Return ``(header, entries)`` of a sort manifest; raises ``ValueError`` when it is not one."""
    with Path(path).open(encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.endswith("\n")]
    if not lines or lines[0].get(MANIFEST_KEY) != 1:
        raise ValueError(f"{path} is not a sort manifest")
    return lines[0], lines[1:]


def undo_question(manifest: str | os.PathLike) -> str:
    """Return what undoing the sort in ``manifest`` will do, as a question to confirm ("Remove 3,000 copies
    from /x? The originals are untouched." or "Move 3,000 files back from /x to where they were?"); raises
    ``OSError`` or ``ValueError`` when ``manifest`` cannot be read or is not a sort manifest."""
    header, entries = read_manifest(manifest)
    files = sum(1 for entry in entries if "src" in entry)
    dest = decode_path(header, "dest")
    if header["mode"] == "copy":
        return f"Remove {_count(files, 'copy', 'copies')} from {dest}? The originals are untouched."
    return f"Move {_count(files, 'file', 'files')} back from {dest} to where they were?"


def _undo_one(mode: str, src: Path, dst: Path) -> str | None:
    """Undo one copy or move; return None when done (or already undone), else the reason it was not."""
    if mode == "copy":
        if not dst.exists():
            return None
        if not src.is_file() or not filecmp.cmp(src, dst, shallow=False):
            return f"kept {dst}: it differs from {src} (or that is gone)"
        dst.unlink()
        return None
    if not os.path.lexists(dst):
        return None if src.exists() else f"{dst} is gone; cannot put back {src}"
    src.parent.mkdir(parents=True, exist_ok=True)
    if not _reserve(src):
        return f"kept {dst}: {src} exists again"
    _transfer(dst, src, move=True)
    return None


def undo_sort(manifest: str | os.PathLike) -> UndoResult:
    """Undo the sort recorded in ``manifest`` (last file first): move moved files back, delete copies still
    identical to their source, remove class folders the sort created if they are empty. Safe to run twice."""
    header, entries = read_manifest(manifest)
    result = UndoResult(mode=header["mode"], dest=decode_path(header, "dest"))
    for entry in reversed(entries):
        if "mkdir" in entry:
            try:
                Path(decode_path(entry, "mkdir")).rmdir()
            except OSError:
                pass  # not empty (a kept file, or the user's own): leave it
            continue
        src, dst = Path(decode_path(entry, "src")), Path(decode_path(entry, "dst"))
        try:
            problem = _undo_one(header["mode"], src, dst)
        except OSError as exc:
            problem = f"{dst}: {exc.strerror or exc}"
        if problem:
            result.problems.append(problem)
        else:
            result.restored += 1
    return result
