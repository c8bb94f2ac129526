"""Writing an audit as CSV or JSON Lines, atomically, most suspect rows first.

Columns (CSV header, JSON keys): ``path`` (relative to the audited folder when inside it), ``given``,
``suggested``, ``suspect`` (0..1, four decimals), ``issue`` (``label``, ``duplicate``, ``near-duplicate``,
``outlier``, ``error`` or ``ok``), ``group`` (duplicate group, empty / null when none), ``given_prob``,
``suggested_prob`` (out-of-fold probabilities, empty / null without a label check) and ``reason``.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from model.atomic import atomic_writer
from model.audit.report import AuditResult, AuditRow
from model.batch.export import export_format

COLUMNS = ("path", "given", "suggested", "suspect", "issue", "group", "given_prob", "suggested_prob", "reason")


def row_fields(row: AuditRow, root: Path) -> dict[str, object]:
    """Return the exported fields of ``row`` (:data:`COLUMNS`), its path relative to ``root`` when inside it."""
    rel = os.path.relpath(row.path, root)
    return {
        "path": row.path if rel.startswith("..") else rel,
        "given": row.given,
        "suggested": row.suggested,
        "suspect": round(row.suspect, 4),
        "issue": row.issue,
        "group": row.group or None,
        "given_prob": None if row.given_prob is None else round(row.given_prob, 4),
        "suggested_prob": None if row.suggested_prob is None else round(row.suggested_prob, 4),
        "reason": row.reason,
    }


def write_audit(result: AuditResult, out: str | os.PathLike, root: str | os.PathLike) -> None:
    """Write ``result`` to ``out`` (``.csv`` or ``.jsonl``, by its suffix), most suspect first, atomically; paths
    relative to ``root``. Raises ValueError for another suffix, OSError when it cannot be written."""
    fmt = export_format(out)
    rows = [row_fields(r, Path(root)) for r in result.ranked()]
    with atomic_writer(out, newline="") as f:
        if fmt == "csv":
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            writer.writerows([["" if v is None else v for v in r.values()] for r in rows])
        else:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
