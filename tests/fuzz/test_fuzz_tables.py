"""Fuzzing the tables we read: label tables (CSV / JSON Lines) given to ``train`` (and ``audit``) through
:func:`model.teach.dataset.labelled_from_table`, the journal that ``label --resume`` continues
(:class:`model.batch.journal.Journal`, :func:`~model.batch.journal.read_records`), and the spreadsheet-safe CSV
cells' round trip.

Properties: a table ends in a labelled set or :class:`TeachError`, a journal in its records or
:class:`JournalError`, never another exception; reading writes nothing (a resumed journal only cuts its own
uncommitted tail); every record a journal yields is one the export can write; every value survives
``write_export`` → the table reader exactly."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from model.batch.export import FORMULA_STARTS, csv_cell, csv_row, csv_value, write_export
from model.batch.journal import Journal, JournalError, read_records
from model.teach.dataset import labelled_from_table
from model.teach.types import TeachError
from tests.fuzz.fuzzing import FUZZ, bounded, changes_outside, snapshot

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
CELL = st.sampled_from(["=1+2.png", "'=x", "-1", "@a", "\t", "a.png", "", "cat", "'", '"', "\r\n", "\x00"]) | st.text(
    max_size=16
)
COLUMNS = ["path", "label", "corrected", "error", "labels", "'path", "=label", ""]
CSV_TABLE = st.tuples(
    st.lists(st.sampled_from(COLUMNS), min_size=0, max_size=5), st.lists(st.lists(CELL, max_size=6), max_size=6)
)
RECORD_KEYS = ["path", "label", "labels", "corrected", "error", "path_b64"]
JSONL_LINE = st.dictionaries(st.sampled_from(RECORD_KEYS), JSON | CELL, max_size=5) | JSON


def csv_text(table: tuple[list[str], list[list[str]]]) -> str:
    """Return a header and rows as CSV text (the csv module quotes what needs quoting)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(table[0])
    writer.writerows(table[1])
    return out.getvalue()


def read_table(content: bytes, suffix: str) -> None:
    """Write ``content`` as a table and read it; check the properties of the module docstring."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        table = base / f"labels{suffix}"
        table.write_bytes(content)
        before = snapshot(base)
        try:
            data = labelled_from_table(table)
        except TeachError as exc:
            assert str(exc)
        else:
            assert all(isinstance(p, str) and Path(p).is_absolute() for p in data.paths)
            assert all(isinstance(c, str) and c.strip() for c in data.classes)
            assert len(data.paths) == len(data.labels) and all(0 <= i < len(data.classes) for i in data.labels)
        assert changes_outside(before, snapshot(base), []) == []


@FUZZ
@given(table=CSV_TABLE, bom=st.booleans())
def test_csv_label_tables(table: tuple[list[str], list[list[str]]], bom: bool):
    with bounded("label tables (CSV)"):
        read_table(("\ufeff" if bom else "").encode() + csv_text(table).encode("utf-8", "surrogatepass"), ".csv")


@FUZZ
@given(lines=st.lists(JSONL_LINE.map(lambda v: json.dumps(v, ensure_ascii=False)) | st.text(max_size=20), max_size=6))
def test_jsonl_label_tables(lines: list[str]):
    with bounded("label tables (JSON Lines)"):
        read_table("\n".join(lines).encode("utf-8", "surrogatepass"), ".jsonl")


@FUZZ
@given(content=st.binary(max_size=200), suffix=st.sampled_from([".csv", ".jsonl", ".txt"]))
def test_label_tables_of_any_bytes(content: bytes, suffix: str):
    with bounded("label tables (bytes)"):
        read_table(content, suffix)


NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"), min_size=1, max_size=16)
LABEL = st.sampled_from(['=HYPERLINK("http://x"&A1)', "+1", "-2+3", "@a", "'=q", "-1"]) | st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")), min_size=1, max_size=12
)


@FUZZ
@given(value=st.text(max_size=20) | CELL)
def test_csv_cells_are_never_formulas_and_round_trip(value: str):
    with bounded("CSV cells"):
        cell = csv_cell(value)
        assert csv_value(cell) == value
        if cell.startswith(FORMULA_STARTS):
            float(cell)  # only a plain number may start like a formula


@FUZZ
@given(rows=st.lists(st.tuples(NAME, LABEL), min_size=1, max_size=6, unique_by=lambda r: r[0]))
def test_exported_names_and_classes_read_back_exactly(rows: list[tuple[str, str]]):
    with tempfile.TemporaryDirectory() as tmp, bounded("CSV export round trips"):
        base = Path(tmp)
        names = [n for n, _ in rows if n not in (".", "..")]
        records = [
            {"path": n, "labels": [c], "indices": [0], "probs": [1.0], "model": "m", "device": "cpu",
             "precision": "fp32", "error": None}
            for n, c in rows if n in names
        ]  # fmt: skip
        table = base / "labels.csv"
        write_export(records, table)
        with table.open(encoding="utf-8", newline="") as f:
            cells = list(csv.reader(f))[1:]
        assert [[csv_value(c) for c in row] for row in cells] == [csv_row(r) for r in records]
        try:
            data = labelled_from_table(table)
        except TeachError:
            return  # class names teaching refuses (clashing case or spacing): said, not misread
        got = sorted((Path(p).name, data.classes[i]) for p, i in zip(data.paths, data.labels, strict=True))
        want = sorted((Path(base / r["path"]).name, r["labels"][0].strip()) for r in records)
        assert got == [w for w in want if w[1]]


SETTINGS = {"root": "/photos", "model": "m", "topk": 5}
GOOD = {"path": "a.png", "labels": ["cat"], "indices": [3], "probs": [0.9], "model": "m", "device": "cpu",
        "precision": "fp32", "error": None}  # fmt: skip
JOURNAL_LINE = (
    st.just(GOOD)
    | st.fixed_dictionaries({"commit": st.integers(-1, 3) | JSON})
    | st.dictionaries(st.sampled_from([*GOOD, "path_b64", "commit"]), JSON, max_size=8).map(lambda d: {**GOOD, **d})
    | JSON
)
HEADER_LINE = st.just({"coatnet_journal": 1, **SETTINGS}) | st.dictionaries(st.text(max_size=8), JSON) | JSON


@FUZZ
@given(
    header=HEADER_LINE,
    lines=st.lists(JOURNAL_LINE.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=12), max_size=8),
    torn=st.binary(max_size=8),
)
def test_journals_that_resume_reads(header: object, lines: list[bytes], torn: bytes):
    with tempfile.TemporaryDirectory() as tmp, bounded("journals (--resume)"):
        base = Path(tmp)
        (base / "out").mkdir()
        path = base / "out" / "labels.csv.journal"
        path.write_bytes(b"".join(line + b"\n" for line in [json.dumps(header).encode(), *lines]) + torn)
        before = snapshot(base)
        records = list(read_records(path))
        write_export(records, base / "out" / "labels.csv")  # every committed record can be exported
        write_export(records, base / "out" / "labels.jsonl")
        try:
            journal = Journal(path, SETTINGS, resume=True)
        except JournalError as exc:
            assert str(exc)
        else:
            with journal:
                assert len(journal.done) <= len(records) and journal.failed <= len(records)
                assert all(isinstance(name, str) for name in journal.done)
        assert changes_outside(before, snapshot(base), [base / "out"]) == []
