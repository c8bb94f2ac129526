"""The export's formats read back field by field (issue 27: each test fails on a mutant of model/batch/export.py that
survived the other export tests): the suffix decides the format and anything else is refused, the counts, the
top-1 and ``;``-joined top-k columns, error rows, map columns, and names kept readable in JSON Lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from model.batch.export import CSV_HEADER, MAP_COLUMNS, VIDEO_COLUMNS, export_format, write_export
from model.batch.journal import encode_path

GOOD = {
    **encode_path("猫.png"),
    "labels": ["Bag", "Coat"],
    "indices": [8, 4],
    "probs": [0.75, 0.25],
    "model": "m",
    "device": "cpu",
    "precision": "fp32",
    "error": None,
}
BAD = {**encode_path("broken.png"), "labels": [], "indices": [], "probs": [], "error": "cannot decode"}


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("name, fmt", [("out.csv", "csv"), ("OUT.JSONL", "jsonl"), ("a.b.Csv", "csv")])
def test_the_suffix_decides_the_format_in_any_letter_case(name: str, fmt: str):
    assert export_format(name) == fmt


@pytest.mark.parametrize("name, shown", [("out.txt", "'.txt'"), ("out", "'nothing'")])
def test_another_suffix_is_refused_and_nothing_is_written(tmp_path: Path, name: str, shown: str):
    """Mutants: the refusal's ``raise`` dropped (a ``.txt`` written as JSON Lines); the message's fallback."""
    with pytest.raises(ValueError, match=f"must end in .csv or .jsonl, not {shown}"):
        write_export([GOOD], tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_csv_columns_top1_topk_and_error_rows_and_the_counts(tmp_path: Path):
    """Mutants: the counts' start or step changed; the top-1 taken from the second column; the error cell blank."""
    counts = write_export([GOOD, BAD, GOOD], tmp_path / "out.csv")
    assert (counts.labelled, counts.failed) == (2, 1)
    header, good, bad, _ = _rows(tmp_path / "out.csv")
    assert tuple(header) == CSV_HEADER
    assert good == ["猫.png", "Bag", "8", "0.75", "Bag;Coat", "8;4", "0.75;0.25", "m", "cpu", "fp32", ""]
    assert bad == ["broken.png", "", "", "", "", "", "", "", "", "", "cannot decode"]


def test_an_empty_export_has_its_header_and_no_rows(tmp_path: Path):
    counts = write_export(iter([]), tmp_path / "out.csv")
    assert (counts.labelled, counts.failed) == (0, 0) and _rows(tmp_path / "out.csv") == [list(CSV_HEADER)]


def test_a_run_with_maps_gains_the_map_columns(tmp_path: Path):
    """Mutants: the map columns added to every export, or the deletion area, its interval or its verdict lost."""
    scored = {"deletion": 0.125, "random_lo": 0.25, "random_hi": 0.5, "verdict": "better", "fill": "blur"}
    with_maps = [{**GOOD, "map": "maps/a.npy", "overlay": "maps/a.png", **scored}, {**BAD, "map": ""}]
    write_export(iter(with_maps), tmp_path / "maps.csv")
    header, good, bad = _rows(tmp_path / "maps.csv")
    assert tuple(header) == CSV_HEADER + MAP_COLUMNS
    assert MAP_COLUMNS == ("map", "overlay", "deletion", "random_lo", "random_hi", "verdict", "fill")
    assert good[-7:] == ["maps/a.npy", "maps/a.png", "0.125", "0.25", "0.5", "better", "blur"]
    assert bad[-7:] == [""] * 7


def test_a_run_with_video_frames_gains_frame_and_time_columns_unless_told_otherwise(tmp_path: Path):
    """Mutants: the frame columns' values lost or inverted; ``frames`` not decided from the first record."""
    frame = {**GOOD, **encode_path("clip.mp4#t=1.5"), "frame": 3, "time": 1.5}
    write_export([frame, GOOD, BAD], tmp_path / "frames.csv")
    header, first, image, bad = _rows(tmp_path / "frames.csv")
    assert tuple(header) == CSV_HEADER + VIDEO_COLUMNS and VIDEO_COLUMNS == ("frame", "time")
    assert first[-2:] == ["3", "1.5"] and image[-2:] == ["", ""] and bad[-2:] == ["", ""]
    write_export([frame], tmp_path / "told.csv", frames=False)  # the caller's word wins over the first record
    assert tuple(_rows(tmp_path / "told.csv")[0]) == CSV_HEADER
    write_export([GOOD, frame], tmp_path / "later.csv", frames=True)  # frames further down a run
    header, image, first = _rows(tmp_path / "later.csv")
    assert tuple(header) == CSV_HEADER + VIDEO_COLUMNS and image[-2:] == ["", ""] and first[-2:] == ["3", "1.5"]


def test_json_lines_hold_the_records_as_they_are_with_names_readable(tmp_path: Path):
    """Mutant: ``ensure_ascii`` on (a ``\\u`` escape where the user looks for the name)."""
    counts = write_export([GOOD, BAD], tmp_path / "out.jsonl", only={"猫.png"})
    text = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert (counts.labelled, counts.failed) == (1, 0) and "猫.png" in text
    assert [json.loads(line) for line in text.splitlines()] == [GOOD]
