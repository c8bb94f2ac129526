"""Writing a cluster run's results: CSV and JSON Lines exactly as the local engine (:mod:`model.batch.export`),
plus Parquet for big runs, all atomic (a temp file beside the output, then ``os.replace``).

Parquet holds the CSV's columns with their types: ``path``, ``label`` (top-1), ``index`` (int32), ``prob``
(float32), ``labels`` / ``indices`` / ``probs`` (lists, the top-k), ``model``, ``device``, ``precision``,
``error`` (null when fine), plus ``path_b64`` (null unless the name is not valid UTF-8; see
:mod:`model.batch.journal`) and, when the run labelled video frames, ``frame`` (int64) and ``time`` (float64,
seconds; null for an image). Rows are written in row groups of :data:`ROW_GROUP`, streamed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from model.atomic import atomic_binary_writer
from model.batch.export import EXPORT_SUFFIXES, ExportCounts, write_export

OUTPUT_SUFFIXES = (*EXPORT_SUFFIXES, ".parquet")
ROW_GROUP = 65_536


def output_format(path: str | os.PathLike) -> str:
    """Return ``"csv"``, ``"jsonl"`` or ``"parquet"`` for an output path; raises ``ValueError`` for others."""
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(f"output must end in .csv, .jsonl or .parquet, not {suffix or 'nothing'!r}")
    return suffix[1:]


def _schema(frames: bool = False):
    """Return the Parquet schema of the results, with ``frame`` and ``time`` when ``frames`` (pyarrow is imported
    only here)."""
    import pyarrow as pa

    video = [("frame", pa.int64()), ("time", pa.float64())] if frames else []
    return pa.schema(
        [
            ("path", pa.string()),
            ("label", pa.string()),
            ("index", pa.int32()),
            ("prob", pa.float32()),
            ("labels", pa.list_(pa.string())),
            ("indices", pa.list_(pa.int32())),
            ("probs", pa.list_(pa.float32())),
            ("model", pa.string()),
            ("device", pa.string()),
            ("precision", pa.string()),
            ("error", pa.string()),
            ("path_b64", pa.string()),
            *video,
        ]
    )


def _groups(records: Iterable[dict], counts: ExportCounts, frames: bool = False) -> Iterator[dict[str, list]]:
    """Yield columns of up to :data:`ROW_GROUP` records each, counting labelled and failed ones."""
    names = _schema(frames).names
    columns: dict[str, list] = {name: [] for name in names}
    for record in records:
        if record.get("error"):
            counts.failed += 1
        else:
            counts.labelled += 1
        # a partial record (an error row written before its prediction) has no top-k: empty, as in the CSV
        labels, indices, probs = (record.get(key) or [] for key in ("labels", "indices", "probs"))
        row = {
            **{key: record.get(key) for key in names},
            "label": labels[0] if labels else None,
            "index": indices[0] if indices else None,
            "prob": probs[0] if probs else None,
            "labels": labels,
            "indices": indices,
            "probs": probs,
            "error": record.get("error") or None,
        }
        for name in names:
            columns[name].append(row[name])
        if len(columns["path"]) == ROW_GROUP:
            yield columns
            columns = {name: [] for name in names}
    if columns["path"]:
        yield columns


def write_parquet(records: Iterable[dict], path: str | os.PathLike, frames: bool = False) -> ExportCounts:
    """Write ``records`` (journal records, streamed) to ``path`` as Parquet, atomically, with the ``frame`` and
    ``time`` columns when ``frames``; return the counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(frames)
    counts = ExportCounts()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_binary_writer(path) as f, pq.ParquetWriter(f, schema) as writer:
        for columns in _groups(records, counts, frames):
            writer.write_table(pa.Table.from_pydict(columns, schema=schema))
    return counts


def write_output(
    records: Iterable[dict], path: str | os.PathLike, raw: bool = False, frames: bool | None = None
) -> ExportCounts:
    """Write ``records`` to ``path`` by its suffix (CSV / JSON Lines with the local engine's
    :func:`~model.batch.export.write_export`, spreadsheet-safe CSV unless ``raw``; else Parquet, which keeps raw
    values), atomically, with the ``frame`` and ``time`` columns when ``frames`` (a run that labelled video
    frames; None: as :func:`~model.batch.export.write_export` decides, Parquet without); return the counts."""
    if output_format(path) == "parquet":
        return write_parquet(records, path, bool(frames))
    return write_export(records, path, raw=raw, frames=frames)
