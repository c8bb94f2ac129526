"""Sorting labelled images into one folder per class: a plan to preview, then copy (default) or move.

Nothing is ever overwritten: a name already taken in the class folder gets `` (2)``, `` (3)``, ... before its
suffix, and the name is claimed atomically (``O_EXCL``) before the file goes there. Class names become folder
names with :func:`folder_names` (``T-shirt/top`` -> ``T-shirt-top``). Every copy or move is appended to a
signed manifest in DEST (:mod:`model.batch.manifest`, flushed per file, so an interrupted sort can be undone
too); :func:`model.batch.undo.undo_sort` moves moved files back and deletes copies that are still identical to
their original. With a confidence threshold, images whose top-1 probability is below it go to an
``uncertain`` folder instead of a class folder. A file is placed only inside DEST (no link leads out of it), and
a record whose path is absolute or climbs out of the labelled folder (``..``) is refused. A video frame's record
(``video#t=SECONDS``, :func:`is_frame_record`) is left out: a frame is not a file to copy or move, and a video is
not one class (the callers count them for their summaries).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from model.batch.journal import decode_path
from model.batch.manifest import ManifestWriter
from model.fileguard import claim, is_inside, numbered, transfer
from model.names import folder_name
from model.video.files import split_key

UNCERTAIN = "uncertain"


def folder_names(label_names: list[str]) -> list[str]:
    """Return one folder name per class index, distinct even where two classes share a name or differ only
    in letter case (the later one gets `` (index)`` appended)."""
    seen: set[str] = set()
    out = []
    for index, label in enumerate(label_names):
        name = folder_name(label)
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


def is_frame_record(record: dict) -> bool:
    """Return True when ``record`` is a video frame's (its path names ``video#t=SECONDS``): sorting leaves it out."""
    return split_key(decode_path(record))[1] is not None


@dataclass(frozen=True)
class SortStep:
    """One file to copy or move: ``src`` into the class folder ``folder`` of the destination as ``dst``."""

    src: Path
    dst: Path
    folder: str


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
    instead. Error rows and video frames' rows (:func:`is_frame_record`) are left out; ``folders`` comes from
    :func:`folder_names`. Raises ``ValueError`` for
    a record whose path is absolute or climbs out of ``root`` (a journal this app did not write)."""
    root, dest = Path(os.path.abspath(root)), Path(os.path.abspath(dest))
    unsure = uncertain_folder(folders)
    planned: set[Path] = set()
    for record in records:
        if record.get("error") or not record.get("indices") or is_frame_record(record):
            continue
        below = uncertain_below is not None and record["probs"][0] < uncertain_below
        folder = unsure if below else folders[record["indices"][0]]
        rel = decode_path(record)
        if os.path.isabs(rel) or ".." in Path(rel).parts:
            raise ValueError(f"refused to sort {rel!r}: a labelled file's path must lie inside {root}")
        wanted = dest / folder / Path(rel).name
        n = 1
        while numbered(wanted, n) in planned or os.path.lexists(numbered(wanted, n)):
            n += 1
        planned.add(numbered(wanted, n))
        yield SortStep(root / rel, numbered(wanted, n), folder)


def _make_folders(folder: Path, dest: Path, log: ManifestWriter) -> None:
    """Create ``folder`` (inside ``dest``) and any missing folder between them, each recorded in the manifest
    so that undo removes them again (a plan that keeps relative paths nests folders)."""
    missing = []
    while folder != dest and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir()
        log.made_folder(made)


@dataclass
class SortResult:
    """What :func:`apply_sort` did: the ``manifest`` path, files ``done`` and ``(src, reason)`` failures."""

    manifest: Path
    done: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)


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
    if os.path.islink(dest):
        raise ValueError(f"{dest} is a link: sort into the folder it points to instead")
    dest.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    with ManifestWriter(dest, "move" if move else "copy") as log:
        result = SortResult(log.path)
        for step in steps:
            folder = step.dst.parent
            try:
                if not is_inside(step.dst, dest):
                    raise OSError(errno.EPERM, f"{step.dst} is not inside {dest}")
                if folder not in made:
                    _make_folders(folder, dest, log)
                made.add(folder)
                if not step.src.is_file():
                    raise FileNotFoundError(errno.ENOENT, "no such file", str(step.src))
                dst = claim(step.dst)
                transfer(step.src, dst, move)
            except OSError as exc:
                result.failed.append((step.src, exc.strerror or str(exc)))
                continue
            log.placed(step.src, dst)
            result.done += 1
            if on_step:
                on_step(step, dst)
    return result
