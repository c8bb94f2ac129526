"""The user's corrections of a batch run, without Qt: reading and writing them beside the run's journal, and
exports that carry them.

A run's ``corrections.json`` (UTF-8, written atomically on every change) holds
``{"coatnet_corrections": 1, "classes": [...], "corrections": [{"path": ..., "label": ...}, ...]}``: the classes
the user added beyond the model's, in the order added, and one entry per corrected file (its path relative to the
run's folder, as the journal writes it: a name that is not valid UTF-8 gets ``path_b64`` too).

Exports are those of :func:`~model.batch.export.write_export` plus the user's class: a last CSV column
``corrected`` (empty where the model's label stands) and a ``corrected`` field in JSON Lines (null there).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

from model.atomic import atomic_writer
from model.batch.export import (
    CSV_HEADER,
    MAP_COLUMNS,
    VIDEO_COLUMNS,
    CsvWriter,
    ExportCounts,
    csv_row,
    export_format,
    map_row,
    video_row,
)
from model.batch.journal import decode_path, encode_path

CORRECTIONS_KEY = "coatnet_corrections"
CORRECTIONS_VERSION = 1
CORRECTED_COLUMN = "corrected"


@dataclass
class Corrections:
    """``labels`` maps a file (``os.fsdecode`` form, relative to the run's folder) to the class the user gave it;
    ``added`` lists the classes the user added beyond the model's."""

    labels: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)

    def merged(self, newer: Corrections) -> Corrections:
        """Return these corrections updated by ``newer`` (its labels win; the added classes of both)."""
        added = self.added + [name for name in newer.added if name not in self.added]
        return Corrections({**self.labels, **newer.labels}, added)


def read_corrections(path: str | os.PathLike) -> Corrections:
    """Return the corrections stored at ``path`` (none when the file is missing); raises ``ValueError`` when it
    is not a corrections file this version reads, ``OSError`` when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            obj = json.load(f)
    except FileNotFoundError:
        return Corrections()
    except RecursionError:  # nested deeper than any corrections file
        raise ValueError(f"{path} is not a corrections file of this version") from None
    if not isinstance(obj, dict) or obj.get(CORRECTIONS_KEY) != CORRECTIONS_VERSION:
        raise ValueError(f"{path} is not a corrections file of this version")
    try:
        labels = {decode_path(entry): entry["label"] for entry in obj["corrections"]}
        added = list(obj["classes"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is damaged: {exc}") from exc
    if not all(isinstance(x, str) for x in (*labels, *labels.values(), *added)):
        raise ValueError(f"{path} is damaged: a file or class name is not text")
    return Corrections(labels, added)


def write_corrections(path: str | os.PathLike, corrections: Corrections) -> None:
    """Write ``corrections`` to ``path``, atomically."""
    entries = [{**encode_path(rel), "label": name} for rel, name in corrections.labels.items()]
    obj = {CORRECTIONS_KEY: CORRECTIONS_VERSION, "classes": corrections.added, "corrections": entries}
    with atomic_writer(path) as f:
        json.dump(obj, f, ensure_ascii=False)


def write_corrected_export(
    records: Iterable[dict],
    path: str | os.PathLike,
    corrections: dict[str, str],
    only: Container[str] | None = None,
    frames: bool = False,
) -> ExportCounts:
    """Write ``records`` to ``path`` as :func:`~model.batch.export.write_export` does (CSV or JSON Lines by the
    suffix, atomically, ``only`` the named files when given), each with the class of ``corrections`` (file ->
    class name) in its ``corrected`` column or field; return the counts. A run that labelled video frames
    (``frames``) has the ``frame`` and ``time`` columns, and a run that saved maps the map columns, before
    ``corrected``. CSV cells are spreadsheet-safe (:func:`~model.batch.export.csv_cell`)."""
    fmt = export_format(path)
    counts = ExportCounts()
    records = iter(records)
    first = next(records, None)
    maps = MAP_COLUMNS if first is not None and "map" in first else ()
    video = VIDEO_COLUMNS if frames else ()
    with atomic_writer(path, newline="" if fmt == "csv" else None) as f:
        writer = CsvWriter(f) if fmt == "csv" else None
        if writer:
            writer.writerow((*CSV_HEADER, *video, *maps, CORRECTED_COLUMN))
        for record in itertools.chain([first] if first is not None else [], records):
            rel = decode_path(record)
            if only is not None and rel not in only:
                continue
            if record.get("error"):
                counts.failed += 1
            else:
                counts.labelled += 1
            corrected = corrections.get(rel)
            if writer:
                extra = [*(video_row(record) if video else []), *(map_row(record) if maps else [])]
                writer.writerow([*csv_row(record), *extra, corrected or ""])
            else:
                f.write(json.dumps({**record, CORRECTED_COLUMN: corrected}, ensure_ascii=False) + "\n")
    return counts
