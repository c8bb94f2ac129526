"""The corrections file beside a run and the corrected export, without Qt (issue 27: the corrections store read back
field by field; each test fails on a mutant of coatnet_gui/batch/corrections.py that survived the other tests)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from coatnet_gui.batch import corrections
from coatnet_gui.batch.corrections import Corrections, read_corrections, write_corrected_export, write_corrections
from model.batch.export import CSV_HEADER, MAP_COLUMNS
from model.batch.journal import encode_path

ODD = os.fsdecode(b"caf\xe9.png")  # a name that is not valid UTF-8


def _record(name: str, error: str | None = None, **extra) -> dict:
    top = {"labels": [], "indices": [], "probs": []} if error else {"labels": ["Bag"], "indices": [8], "probs": [0.5]}
    return {**encode_path(name), **top, "model": "m", "device": "cpu", "precision": "fp32", "error": error, **extra}


def test_corrections_round_trip_with_odd_names_and_added_classes(tmp_path: Path):
    path = tmp_path / "corrections.json"
    assert read_corrections(path) == Corrections()  # none yet
    kept = Corrections({ODD: "猫", "a.png": "Bag"}, ["猫", "Coat 2"])
    write_corrections(path, kept)
    assert read_corrections(path) == kept
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["coatnet_corrections"] == 1 and stored["classes"] == ["猫", "Coat 2"] and "猫" in path.read_text()


def test_newer_corrections_win_and_added_classes_keep_their_order():
    older = Corrections({"a.png": "Bag", "b.png": "Coat"}, ["x", "y"])
    newer = Corrections({"b.png": "Shirt", "c.png": "x"}, ["y", "z"])
    merged = older.merged(newer)
    assert merged == Corrections({"a.png": "Bag", "b.png": "Shirt", "c.png": "x"}, ["x", "y", "z"])
    assert older == Corrections({"a.png": "Bag", "b.png": "Coat"}, ["x", "y"])  # unchanged


@pytest.mark.parametrize(
    "text, why",
    [
        ("[" * 100_000 + "]" * 100_000, "not a corrections file of this version"),
        ("[]", "not a corrections file of this version"),
        ('{"coatnet_corrections": 2, "classes": [], "corrections": []}', "not a corrections file of this version"),
        ('{"classes": [], "corrections": []}', "not a corrections file of this version"),
        ('{"coatnet_corrections": 1, "classes": []}', "is damaged"),
        ('{"coatnet_corrections": 1, "corrections": []}', "is damaged"),
        ('{"coatnet_corrections": 1, "classes": [], "corrections": [{"path": "a.png", "label": 3}]}', "not text"),
        ('{"coatnet_corrections": 1, "classes": [7], "corrections": []}', "not text"),
    ],
    ids=["too-deep", "a-list", "version-2", "no-key", "no-corrections", "no-classes", "label-number", "class-number"],
)
def test_a_file_that_is_not_a_corrections_file_is_refused_with_why(tmp_path: Path, text: str, why: str):
    path = tmp_path / "corrections.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=why):
        read_corrections(path)


def test_the_corrected_csv_has_the_corrected_column_last_and_counts_rows(tmp_path: Path):
    records = [_record("a.png"), _record("bad.png", error="cannot decode"), _record(ODD), _record("skip.png")]
    counts = write_corrected_export(
        iter(records), tmp_path / "out.csv", {ODD: "Coat", "bad.png": "Shirt"}, only={"a.png", "bad.png", ODD}
    )
    assert (counts.labelled, counts.failed) == (2, 1)
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [*CSV_HEADER, "corrected"]
    assert [(r[0], r[1], r[-2], r[-1]) for r in rows[1:]] == [
        ("a.png", "Bag", "", ""),
        ("bad.png", "", "cannot decode", "Shirt"),
        ("caf\\xe9.png", "Bag", "", "Coat"),
    ]


def test_a_run_with_maps_has_the_map_columns_before_corrected(tmp_path: Path):
    records = [_record("a.png", map="m/a.npy", overlay="m/a.png", deletion=0.5)]
    write_corrected_export(records, tmp_path / "out.csv", {"a.png": "Coat"})
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as f:
        header, row = list(csv.reader(f))
    assert header == [*CSV_HEADER, *MAP_COLUMNS, "corrected"] and row[-8:-5] == ["m/a.npy", "m/a.png", "0.5"]
    assert row[-1] == "Coat"


def test_the_corrected_json_lines_keep_each_record_and_name_the_class_or_null(tmp_path: Path):
    records = [_record("猫.png"), _record("b.png")]
    counts = write_corrected_export(records, tmp_path / "out.jsonl", {"猫.png": "Coat"})
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert counts.labelled == 2 and "猫.png" in text  # readable, not \\u-escaped
    assert [json.loads(line) for line in text.splitlines()] == [
        {**records[0], "corrected": "Coat"},
        {**records[1], "corrected": None},
    ]
    with pytest.raises(ValueError, match="must end in .csv or .jsonl"):
        write_corrected_export(records, tmp_path / "out.txt", {})


@pytest.mark.parametrize("suffix, newline", [(".csv", ""), (".jsonl", None)])
def test_the_csv_is_written_without_newline_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix, newline
):
    """Mutant: ``newline`` swapped between the formats. On POSIX the bytes are the same either way; on Windows a
    translated CSV would end its rows in ``\\r\\r\\n`` (the csv module writes ``\\r\\n`` itself), so the argument is
    what the test checks."""
    opened: list[str | None] = []
    real = corrections.atomic_writer

    def spy(path, newline=None):
        opened.append(newline)
        return real(path, newline=newline)

    monkeypatch.setattr(corrections, "atomic_writer", spy)
    write_corrected_export([_record("a.png")], tmp_path / f"out{suffix}", {})
    assert opened == [newline]
