"""Writing the results of a batch run as CSV or JSON Lines, atomically (a temp file, then ``os.replace``).

JSON Lines: one object per image with the fields of ``classify --json`` — ``path`` (relative to the labelled
folder), ``labels``, ``indices``, ``probs``, ``model``, ``device``, ``precision``, ``error`` — plus
``path_b64`` for a name that is not valid UTF-8 (see :mod:`model.batch.journal`). The file is UTF-8.

CSV (RFC 4180, UTF-8, CRLF line ends, fields quoted when they hold a comma, quote or line break): the header
``path,label,index,prob,labels,indices,probs,model,device,precision,error``; ``label,index,prob`` are the
top-1, ``labels,indices,probs`` the top-k joined with ``;``, ``error`` empty when fine (and the prediction
columns empty when not). A name that is not valid UTF-8 is written with ``\\xNN`` escapes (the JSON Lines
export keeps the exact bytes).

A run that labelled video frames has two more fields, after those (:mod:`model.batch.videos`): ``frame`` (the
decoded-frame number) and ``time`` (seconds); a frame's ``path`` is ``video#t=SECONDS``, and an image's row or a
video's error row leaves them empty.

A run that saved maps (``label --maps``, :mod:`model.explain.folder_maps`) has more fields, last in CSV: ``map``
(the ``.npy`` map), ``overlay`` (the PNG), ``deletion`` (the map's deletion area; empty when none), ``random_lo``
and ``random_hi`` (the 95 % interval of a random order's area), ``verdict`` (``better``, ``worse`` or
``inconclusive`` against the random orders) and ``fill`` (how pixels were removed); JSON Lines also has ``flat``.

CSV cells are safe to open in a spreadsheet (OWASP's CSV injection): a cell that would start with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (a file named ``=1+2.png``, a class taught as ``=HYPERLINK(...)``) is
written behind a ``'``, which spreadsheets show as text; so is a value that already starts with ``'`` followed
by such a cell, so that :func:`csv_value` gives every original value back exactly. Plain numbers (``-1``,
``+2.5e3``) are left as they are: a spreadsheet shows them as numbers, not formulas. ``raw=True`` writes the
values unchanged, for programs. JSON Lines always holds the raw values.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from model.atomic import atomic_writer
from model.batch.journal import decode_path

CSV_HEADER = ("path", "label", "index", "prob", "labels", "indices", "probs", "model", "device", "precision", "error")
MAP_COLUMNS = (
    "map",
    "overlay",
    "deletion",
    "random_lo",
    "random_hi",
    "verdict",
    "fill",
)  # CSV columns of a run that saved maps, after CSV_HEADER's
VIDEO_COLUMNS = ("frame", "time")  # CSV columns of a run that labelled video frames, before MAP_COLUMNS
EXPORT_SUFFIXES = (".csv", ".jsonl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet evaluates a cell starting with one of these
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass
class ExportCounts:
    """How many rows an export holds: labelled images and error rows."""

    labelled: int = 0
    failed: int = 0


def export_format(path: str | os.PathLike) -> str:
    """Return ``"csv"`` or ``"jsonl"`` for an output path; raises ``ValueError`` for other suffixes."""
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise ValueError(f"output must end in .csv or .jsonl, not {suffix or 'nothing'!r}")
    return suffix[1:]


def _evaluated(text: str) -> bool:
    """Return whether a spreadsheet would evaluate a cell holding ``text`` as a formula."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value: str) -> str:
    """Return ``value`` as a cell no spreadsheet evaluates: behind a ``'`` when it (after any ``'`` it already
    starts with) would start a formula; else unchanged. :func:`csv_value` undoes it exactly."""
    return "'" + value if _evaluated(value.lstrip("'")) else value


def csv_value(cell: str) -> str:
    """Return the original value of a cell that :func:`csv_cell` wrote (the inverse of :func:`csv_cell`)."""
    return cell[1:] if cell.startswith("'") and _evaluated(cell.lstrip("'")) else cell


class CsvWriter:
    """``csv.writer`` on ``f`` whose :meth:`writerow` passes every cell through :func:`csv_cell` (unless
    ``raw``)."""

    def __init__(self, f: IO[str], raw: bool = False):
        self._writer = csv.writer(f)
        self.raw = raw

    def writerow(self, row: Iterable[str]) -> None:
        """Write one row of strings."""
        self._writer.writerow(row if self.raw else [csv_cell(cell) for cell in row])


def csv_row(record: dict) -> list[str]:
    """Return the CSV fields (in :data:`CSV_HEADER` order) of one record (a field it lacks is empty)."""
    labels, indices, probs = (record.get(key) or [] for key in ("labels", "indices", "probs"))
    top = [str(column[0]) if column else "" for column in (labels, indices, probs)]
    return [
        record["path"],
        *top,
        ";".join(labels),
        ";".join(map(str, indices)),
        ";".join(map(str, probs)),
        record.get("model", ""),
        record.get("device", ""),
        record.get("precision", ""),
        record.get("error") or "",
    ]


def map_row(record: dict) -> list[str]:
    """Return the :data:`MAP_COLUMNS` fields of one record of a run that saved maps (empty when it has none)."""
    numbers = ["" if record.get(k) is None else str(record[k]) for k in ("deletion", "random_lo", "random_hi")]
    return [
        record.get("map", ""),
        record.get("overlay", ""),
        *numbers,
        record.get("verdict", ""),
        record.get("fill", ""),
    ]


def video_row(record: dict) -> list[str]:
    """Return the :data:`VIDEO_COLUMNS` fields of one record (empty for an image or an error row)."""
    return ["" if record.get(key) is None else str(record[key]) for key in VIDEO_COLUMNS]


def write_export(
    records: Iterable[dict],
    path: str | os.PathLike,
    only: Container[str] | None = None,
    raw: bool = False,
    frames: bool | None = None,
) -> ExportCounts:
    """Write ``records`` (streamed, any length) to ``path`` as CSV or JSON Lines by its suffix, atomically;
    return the counts. With ``only`` (file names as :func:`~model.batch.journal.decode_path` returns them,
    e.g. the rows a table shows), the other records are left out. The CSV gains :data:`VIDEO_COLUMNS` when
    ``frames`` (None: when the first record has a ``time`` field) and :data:`MAP_COLUMNS` when the first record
    has a ``map`` field; its cells are spreadsheet-safe (:func:`csv_cell`) unless ``raw``."""
    fmt = export_format(path)
    counts = ExportCounts()
    records = iter(records)
    first = next(records, None)
    maps = first is not None and "map" in first
    if frames is None:
        frames = first is not None and "time" in first
    header = CSV_HEADER + (VIDEO_COLUMNS if frames else ()) + (MAP_COLUMNS if maps else ())
    with atomic_writer(path, newline="" if fmt == "csv" else None) as f:
        writer = CsvWriter(f, raw) if fmt == "csv" else None
        if writer:
            writer.writerow(header)
        for record in itertools.chain([first] if first is not None else [], records):
            if only is not None and decode_path(record) not in only:
                continue
            if record.get("error"):
                counts.failed += 1
            else:
                counts.labelled += 1
            if writer:
                row = csv_row(record) + (video_row(record) if frames else [])
                writer.writerow(row + map_row(record) if maps else row)
            else:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return counts
