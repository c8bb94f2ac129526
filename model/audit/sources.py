"""What an audit reads: images and their given classes, from a folder of class folders (optionally split into
train / test folders, or with a separate held-out folder), from a CSV/JSONL table that ``label`` wrote (its
``corrected`` column wins), or from a plain folder without labels (duplicates and outliers only).

Nothing here writes anything. Problems that make the input unusable raise :class:`AuditError` with a sentence
saying what and where; files that are listed but missing become rows with their reason.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from model.batch.scan import iter_images
from model.teach.dataset import labelled_from_folder, labelled_from_table
from model.teach.types import LabelledSet, TeachError
from model.video.stills import frame_source

TABLE_SUFFIXES = (".csv", ".jsonl")
SPLIT_NAMES = {"train": "train", "training": "train", "val": "held-out", "valid": "held-out",
               "validation": "held-out", "test": "held-out", "testing": "held-out", "holdout": "held-out"}  # fmt: skip
TRAIN, HELD_OUT = "train", "held-out"


class AuditError(Exception):
    """Input an audit cannot use; ``str()`` says what and where, in a sentence or two."""


@dataclass
class AuditSet:
    """The images of an audit: ``paths[i]`` (absolute) was given class ``given[i]`` ("" when unlabelled) and
    belongs to split ``splits[i]`` (all "train" unless a held-out part was given); ``root`` is the folder the
    output's relative paths start from; ``skipped`` holds ``(path, reason)`` for listed files that cannot take
    part (missing, listed under two classes, no label in the table)."""

    paths: list[str]
    given: list[str]
    splits: list[str]
    root: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        """The given classes, sorted."""
        return sorted({g for g in self.given if g})

    @property
    def has_held_out(self) -> bool:
        """True when some images are in a held-out split."""
        return HELD_OUT in self.splits


def read_audit_set(
    src: str | os.PathLike, labels: str | os.PathLike | None = None, held_out: str | os.PathLike | None = None
) -> AuditSet:
    """Return the images of ``src``: a CSV/JSONL table; a folder labelled by the table ``labels`` (its relative
    paths start at ``src``, wherever the table was written); a folder of class folders, perhaps inside
    ``train``/``test`` split folders; or a plain folder of images (unlabelled). ``held_out``, a folder of
    class folders, joins as the held-out split. Raises :class:`AuditError` when nothing usable is found."""
    source = Path(src).expanduser().absolute()
    if source.is_file():
        if source.suffix.lower() not in TABLE_SUFFIXES:
            raise AuditError(f"{source} is neither a folder nor a .csv/.jsonl table from `label`.")
        if labels is not None:
            raise AuditError("Give either a table as SRC or a folder with --labels TABLE, not both.")
        found = _from_table(source, source.parent, None)
    elif not source.is_dir():
        raise AuditError(f"{source} does not exist.")
    elif labels is not None:
        found = _from_table(Path(labels).expanduser().absolute(), source, source)
    else:
        found = _from_folder(source)
    if held_out is not None:
        extra = _from_folder(Path(held_out).expanduser().absolute(), split=HELD_OUT)
        found = AuditSet(found.paths + extra.paths, found.given + extra.given, found.splits + extra.splits,
                         found.root, found.skipped + extra.skipped)  # fmt: skip
    if not found.paths:
        raise AuditError(f"No images to audit in {source}.")
    return found


def is_present(path: str) -> bool:
    """Return True when the image file ``path`` exists, or for a video's frame ``video#t=SECONDS`` its video (the
    frame itself is read with the others, an error row if it cannot be)."""
    frame = frame_source(path)
    return os.path.isfile(frame[0] if frame else path)


def _labelled(data: LabelledSet, split: str, root: Path) -> AuditSet:
    """Return a :class:`LabelledSet` as an :class:`AuditSet` of one split, listed files that are gone skipped."""
    paths, given, skipped = [], [], list(data.skipped)
    for path, label in zip(data.paths, data.labels, strict=True):
        if is_present(path):
            paths.append(path)
            given.append(data.classes[label])
        else:
            skipped.append((path, "missing: the file is not there any more"))
    return AuditSet(paths, given, [split] * len(paths), root, skipped)


def _from_table(table: Path, root: Path, named_root: Path | None) -> AuditSet:
    """Return the rows of a ``label`` table whose relative paths start at ``root``."""
    if not table.is_file():
        raise AuditError(f"The labels table {table} does not exist.")
    try:
        data = labelled_from_table(table, root=root)
    except TeachError as exc:
        raise AuditError(str(exc)) from None
    found = _labelled(data, TRAIN, root)
    if data.paths and not found.paths:
        first = data.paths[0]
        hint = (
            f"give the folder it labelled: coatnet-gui audit FOLDER --labels {table}"
            if named_root is None
            else "is it the table of another folder?"
        )
        raise AuditError(
            f"None of the {len(data.paths)} images listed in {table.name} exists under {root} (first: {first}); {hint}"
        )
    if not data.paths:
        raise AuditError(f"{table.name} has no labelled rows: every row is empty or an error.")
    return found


def _split_folders(root: Path) -> list[tuple[Path, str]] | None:
    """Return ``[(folder, split)]`` when every sub-folder of ``root`` is named like a split (train, test,
    val, ...), else None."""
    try:
        folders = [Path(e.path) for e in os.scandir(root) if e.is_dir() and not e.name.startswith(".")]
    except OSError as exc:
        raise AuditError(f"Cannot list {root}: {exc.strerror or exc}.") from None
    if not folders or any(f.name.casefold() not in SPLIT_NAMES for f in folders):
        return None
    return [(f, SPLIT_NAMES[f.name.casefold()]) for f in sorted(folders)]


def _from_folder(root: Path, split: str = TRAIN) -> AuditSet:
    """Return the images of a folder of class folders (split folders allowed), or of a plain folder, unlabelled."""
    if not root.is_dir():
        raise AuditError(f"{root} is not a folder.")
    splits = _split_folders(root) if split == TRAIN else None
    if splits is not None:
        parts = [_from_folder(folder, part) for folder, part in splits]
        return AuditSet([p for s in parts for p in s.paths], [g for s in parts for g in s.given],
                        [x for s in parts for x in s.splits], root, [k for s in parts for k in s.skipped])  # fmt: skip
    try:
        return _labelled(labelled_from_folder(root), split, root)
    except TeachError:
        pass  # no class folders, or an empty one: maybe a plain folder of images
    plain = [str(root / s.rel) for s in iter_images(root, recursive=False) if s.error is None]
    if not plain:
        try:
            labelled_from_folder(root)  # the class-folder layout's own message says what is wrong
        except TeachError as exc:
            raise AuditError(str(exc)) from None
    return AuditSet(plain, [""] * len(plain), [split] * len(plain), root)
