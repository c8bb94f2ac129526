"""Labelled images in: a folder per class, a CSV/JSONL table that ``label`` wrote, or (path, class) pairs; checked
for the mistakes people make (one class, empty or single-image classes, clashing names, the same file in two
classes), and split into a stratified, seeded held-out part. Nothing is ever written under the source."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from model.batch.export import csv_value
from model.batch.journal import decode_path
from model.batch.scan import iter_images
from model.features import file_digest
from model.teach.types import LabelledSet, TeachError


def labelled_from_folder(src: str | os.PathLike) -> LabelledSet:
    """Return the images of an ImageFolder layout: one sub-folder per class (its name is the class), images at
    any depth inside it. Hidden entries are ignored. Raises :class:`TeachError` when ``src`` is not a folder,
    has images outside class folders only, or a class folder holds no image."""
    root = Path(src).expanduser().absolute()
    if not root.is_dir():
        raise TeachError(f"{root} is not a folder; give a folder with one sub-folder of images per class.")
    try:
        entries = [e for e in os.scandir(root) if not e.name.startswith(".")]
    except OSError as exc:
        raise TeachError(f"Cannot list {root}: {exc.strerror or exc}.") from None
    folders = [e for e in entries if e.is_dir()]
    if not folders:
        raise TeachError(f"{root} has no class folders: put each class's images in a sub-folder named after it.")
    pairs: list[tuple[str, str]] = []
    for folder in sorted(folders, key=lambda e: e.name):
        found = [folder.path + os.sep + s.rel for s in iter_images(folder.path, recursive=True) if s.error is None]
        if not found:
            raise TeachError(
                f"The class folder {folder.name!r} ({folder.path}) holds no images; add some or remove the folder."
            )
        pairs += [(p, folder.name) for p in found]
    return labelled_from_pairs(pairs)


@dataclass(frozen=True)
class TableRow:
    """One row of a labelled run: the image ``path``, the model's top-1 ``label`` and its probability ``prob``
    (None when unknown), the user's ``corrected`` class ("" when none) and the row's ``error`` ("" when none)."""

    path: str
    label: str
    prob: float | None = None
    corrected: str = ""
    error: str = ""


def labelled_from_rows(rows: Iterable[TableRow], min_prob: float = 0.0) -> LabelledSet:
    """Return what to teach from a labelled run: every row, not only the corrected ones. A corrected row is
    ground truth; an uncorrected row carries the model's label as the user accepted it by leaving it, when its
    probability is at least ``min_prob`` (0: every row; a row with no probability counts as accepted). So a class
    the user never touched is kept, and a new class typed in a correction is added. Error rows, rows without a
    label and rows below ``min_prob`` are skipped with the reason. Raises :class:`TeachError` for clashing
    class names (see :func:`labelled_from_pairs`).

    Measured on 1,500 real Fashion-MNIST test images (benchmarks/bench_relabel.py): teaching from the
    corrected rows alone could not even teach (too few classes), every row gave 94.4 % -> 96.4 % after 30
    corrections and 99.4 % after all 84; a 0.5 floor was slightly worse (96.1 %, 99.1 %)."""
    pairs, skipped = [], []
    for row in rows:
        if row.error:
            skipped.append((row.path, f"could not be labelled: {row.error}"))
        elif row.corrected.strip():
            pairs.append((row.path, row.corrected.strip()))
        elif not row.label.strip():
            skipped.append((row.path, "has no label"))
        elif row.prob is not None and row.prob < min_prob:
            skipped.append((row.path, f"the model's label {row.label!r} is below {min_prob:.0%}; not corrected"))
        else:
            pairs.append((row.path, row.label.strip()))
    data = labelled_from_pairs(pairs)
    return LabelledSet(data.paths, data.labels, data.classes, skipped + data.skipped)


def labelled_from_table(
    path: str | os.PathLike, min_prob: float = 0.0, root: str | os.PathLike | None = None
) -> LabelledSet:
    """Return the images of a CSV or JSON Lines table with ``path`` and ``label`` columns (what ``label``
    exports, perhaps corrected by hand) through :func:`labelled_from_rows`: a row's ``corrected`` class, as the
    Batch tab exports it, wins over its ``label``; a JSON Lines row without either uses the first of its
    ``labels``. Relative paths are relative to ``root`` (the folder that was labelled; default: the table's
    folder). Raises :class:`TeachError` for an unreadable table or missing columns."""
    table = Path(path).expanduser().absolute()
    base = Path(root).expanduser().absolute() if root is not None else table.parent
    try:
        with table.open(encoding="utf-8-sig", newline="") as f:  # a quoted cell's CR stays a CR
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise TeachError(f"Cannot read the table {table}: {exc}.") from None
    rows = _json_rows(text, table) if table.suffix.lower() == ".jsonl" else _csv_rows(text, table)
    resolved = (replace(r, path=os.path.join(base, r.path)) if not os.path.isabs(r.path) else r for r in rows)
    return labelled_from_rows(resolved, min_prob)


def _prob(value: object) -> float | None:
    try:
        prob = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond any float
        return None
    return prob if 0.0 <= prob <= 1.0 else None


def _csv_rows(text: str, table: Path) -> list[TableRow]:
    """Return a :class:`TableRow` per data row of a CSV table. Cells that the export made spreadsheet-safe are
    read back as their original values (:func:`~model.batch.export.csv_value`)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fields = [csv_value(name) for name in reader.fieldnames or ()]
        if not {"path", "label"} <= set(fields):
            raise TeachError(f"{table.name} needs a header with 'path' and 'label' columns (as `label` writes).")
        reader.fieldnames = fields
        rows = []
        for row in reader:
            cell = {key: csv_value(value) for key, value in row.items() if isinstance(key, str) and value}
            rows.append(
                TableRow(
                    cell.get("path", ""),
                    cell.get("label", "").strip(),
                    _prob(cell.get("prob")),
                    cell.get("corrected", "").strip(),
                    cell.get("error", ""),
                )
            )
        return rows
    except csv.Error as exc:
        raise TeachError(f"{table.name} is not a readable CSV table (line {reader.line_num}: {exc}).") from None


def _text(value: object) -> str | None:
    """Return a JSON value as a class name or message: text as it is, a number as text, None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _json_rows(text: str, table: Path) -> list[TableRow]:
    """Return a :class:`TableRow` per object of a JSON Lines table. Lines end at ``\\n`` only: a name may hold
    any other line separator (JSON leaves U+2028 unescaped)."""
    rows = []
    for i, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        record: object = None
        try:
            record = json.loads(line)
            name = decode_path(record)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, RecursionError):
            name = None
        if not isinstance(record, dict) or not isinstance(name, str):
            raise TeachError(f"Line {i} of {table.name} is not a JSON object with a 'path'.")
        top, probs = record.get("labels"), record.get("probs")
        label = record.get("label") or (top[0] if isinstance(top, list) and top else "")
        prob = record.get("prob", probs[0] if isinstance(probs, list) and probs else None)
        corrected, error = record.get("corrected") or "", record.get("error") or ""
        if _text(label) is None or _text(corrected) is None:
            raise TeachError(f"Line {i} of {table.name} names a class that is not text.")
        rows.append(TableRow(name, _text(label).strip(), _prob(prob), _text(corrected).strip(), str(error)))
    return rows


def labelled_from_pairs(pairs: Iterable[tuple[str, str]]) -> LabelledSet:
    """Return the set of ``(absolute path, class name)`` pairs (e.g. the corrected rows of a batch run), classes
    sorted. A path given twice with one class counts once; with two classes it is left out (skipped, with both
    names). Raises :class:`TeachError` for empty or clashing class names (names equal but for letter case,
    spacing or Unicode form)."""
    chosen: dict[str, str] = {}
    conflicts: dict[str, set[str]] = {}
    for path, name in pairs:
        full = os.path.abspath(path)
        if full in chosen and chosen[full] != name:
            conflicts.setdefault(full, {chosen[full]}).add(name)
        chosen.setdefault(full, name)
    skipped = [(p, f"listed as {' and '.join(map(repr, sorted(names)))}; left out") for p, names in conflicts.items()]
    kept = {p: c for p, c in chosen.items() if p not in conflicts}
    classes = sorted(set(kept.values()))
    _check_names(classes)
    index = {c: i for i, c in enumerate(classes)}
    return LabelledSet(list(kept), [index[c] for c in kept.values()], classes, skipped)


def _check_names(classes: list[str]) -> None:
    """Raise :class:`TeachError` for a class name that is empty, has a control character, or clashes."""
    seen: dict[str, str] = {}
    for name in classes:
        if not name.strip() or any(unicodedata.category(ch).startswith("C") for ch in name):
            raise TeachError(f"The class name {name!r} is empty or holds a control character; rename it.")
        key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
        if key in seen:
            raise TeachError(
                f"The class names {seen[key]!r} and {name!r} differ only in letter case, spacing or Unicode form; "
                "merge or rename them."
            )
        seen[key] = name


@dataclass
class Checked:
    """A labelled set after checking: the kept ``paths``, their ``labels`` and content ``digests``, the
    ``classes`` and every ``skipped`` ``(path, reason)``."""

    paths: list[str]
    labels: list[int]
    digests: list[str]
    classes: list[str]
    skipped: list[tuple[str, str]]

    def without(self, drop: dict[int, str]) -> Checked:
        """Return a copy without the items whose index is in ``drop`` (index -> reason, added to skipped)."""
        keep = [i for i in range(len(self.paths)) if i not in drop]
        skipped = self.skipped + [(self.paths[i], reason) for i, reason in sorted(drop.items())]
        return Checked(
            [self.paths[i] for i in keep],
            [self.labels[i] for i in keep],
            [self.digests[i] for i in keep],
            self.classes,
            skipped,
        )


def check_set(data: LabelledSet) -> Checked:
    """Return ``data`` checked: unreadable files skipped, a file repeated within a class kept once, a file found
    in two classes left out of both (each with the reason). Raises :class:`TeachError` when fewer than two
    classes are given."""
    if len(data.classes) < 2:
        only = f" (only {data.classes[0]!r})" if data.classes else ""
        raise TeachError(f"Teaching needs at least two classes{only}; add a folder of images for another class.")
    digests, drop = [], {}
    for i, path in enumerate(data.paths):
        try:
            digests.append(file_digest(path))
        except OSError as exc:
            digests.append("")
            drop[i] = f"cannot read: {exc.strerror or exc}"
    first: dict[str, int] = {}
    for i, digest in enumerate(digests):
        if i in drop:
            continue
        if digest not in first:
            first[digest] = i
            continue
        j = first[digest]
        if data.labels[j] == data.labels[i]:
            drop[i] = f"same file as {data.paths[j]}"
        else:
            names = data.classes[data.labels[j]], data.classes[data.labels[i]]
            for k in (i, j):
                drop[k] = f"the same image is in classes {names[0]!r} and {names[1]!r}; left out of both"
    checked = Checked(list(data.paths), list(data.labels), digests, list(data.classes), list(data.skipped))
    return checked.without(drop)


def require_two_per_class(labels: Sequence[int], classes: list[str]) -> None:
    """Raise :class:`TeachError` naming the classes with fewer than two usable images (one to learn from, one
    to check), or when fewer than two classes have images."""
    counts = [0] * len(classes)
    for label in labels:
        counts[label] += 1
    short = [f"{classes[c]!r} ({n})" for c, n in enumerate(counts) if n < 2]
    if short:
        raise TeachError(
            f"Each class needs at least two readable, distinct images (one to learn from, one to check); too few "
            f"in: {', '.join(short)}. Add images to them or remove them."
        )


def stratified_split(labels: Sequence[int], val_split: float, seed: int) -> tuple[list[int], list[int]]:
    """Return ``(train indices, held-out indices)``: per class, ``round(n * val_split)`` images held out (at
    least one, and at least one left to learn from), chosen by a generator seeded with ``seed``."""
    if not 0.0 < val_split < 1.0:
        raise TeachError(f"The held-out fraction must be between 0 and 1, not {val_split}.")
    rng = random.Random(seed)
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    train, held = [], []
    for label in sorted(by_class):
        items = by_class[label]
        rng.shuffle(items)
        n_val = min(max(1, round(len(items) * val_split)), len(items) - 1)
        held += items[:n_val]
        train += items[n_val:]
    return sorted(train), sorted(held)


def with_class_order(data: LabelledSet, names: list[str]) -> LabelledSet:
    """Return ``data`` with its classes in the order of ``names`` (a class map: the new head's outputs follow
    it). Raises :class:`TeachError` unless ``names`` are exactly the data's classes."""
    missing, extra = sorted(set(data.classes) - set(names)), sorted(set(names) - set(data.classes))
    if missing or extra or len(names) != len(set(names)):
        problems = [f"not in the list: {', '.join(map(repr, missing))}" if missing else "",
                    f"without images: {', '.join(map(repr, extra))}" if extra else "",
                    "a name is listed twice" if len(names) != len(set(names)) else ""]  # fmt: skip
        raise TeachError(
            f"The class list must name each class of the data once ({'; '.join(p for p in problems if p)})."
        )
    index = {name: i for i, name in enumerate(names)}
    labels = [index[data.classes[label]] for label in data.labels]
    return LabelledSet(list(data.paths), labels, list(names), list(data.skipped))
