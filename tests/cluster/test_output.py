"""Parquet output: the CSV's columns with their types, error rows and non-UTF-8 names kept, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from model.batch.journal import decode_path, encode_path

pq = pytest.importorskip("pyarrow.parquet")
from model.cluster.output import output_format, write_output  # noqa: E402

META = {"model": "m", "device": "cpu", "precision": "bf16"}


def record(name: str, labels: list[str], indices: list[int], probs: list[float], error: str | None = None) -> dict:
    return {**encode_path(name), "labels": labels, "indices": indices, "probs": probs, **META, "error": error}


RECORDS = [
    record("a.png", ["Bag", "Coat"], [8, 4], [0.75, 0.25]),
    record("bad.png", [], [], [], "bad.png: not an image"),
    record(os.fsdecode(b"caf\xe9.png"), ["Bag"], [8], [0.5]),
]


def test_parquet_holds_the_csv_columns_typed(tmp_path: Path):
    out = tmp_path / "deep" / "results.parquet"
    counts = write_output(iter(RECORDS), out)
    assert (counts.labelled, counts.failed) == (2, 1)
    table = pq.read_table(out)
    assert table.column_names[:11] == ["path", "label", "index", "prob", "labels", "indices", "probs", "model",
                                       "device", "precision", "error"]  # fmt: skip
    rows = table.to_pylist()
    assert rows[0]["label"] == "Bag" and rows[0]["index"] == 8 and rows[0]["prob"] == 0.75
    assert rows[0]["probs"] == [0.75, 0.25] and rows[0]["error"] is None
    assert rows[1]["label"] is None and rows[1]["labels"] == [] and rows[1]["error"] == "bad.png: not an image"
    assert decode_path(rows[2]) == os.fsdecode(b"caf\xe9.png") and rows[2]["path"] == "caf\\xe9.png"
    assert [p.name for p in out.parent.iterdir()] == ["results.parquet"]  # no temp file left


def test_a_partial_record_is_a_row_with_empty_predictions(tmp_path: Path):
    out = tmp_path / "results.parquet"
    counts = write_output(iter([{"path": "x.png", "error": "x.png: vanished"}, {"path": "y.png"}]), out)
    assert (counts.labelled, counts.failed) == (1, 1)
    rows = pq.read_table(out).to_pylist()
    assert [(r["path"], r["label"], r["labels"], r["error"]) for r in rows] == [
        ("x.png", None, [], "x.png: vanished"),
        ("y.png", None, [], None),
    ]


def test_a_failed_write_leaves_the_old_output(tmp_path: Path):
    out = tmp_path / "results.parquet"
    write_output(iter(RECORDS), out)
    before = out.read_bytes()

    def failing():
        yield from RECORDS
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_output(failing(), out)
    assert out.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["results.parquet"]


def test_output_formats():
    assert [output_format(p) for p in ("a.CSV", "b.jsonl", "c.parquet")] == ["csv", "jsonl", "parquet"]
    with pytest.raises(ValueError, match=r"\.csv, \.jsonl or \.parquet"):
        output_format("d.xlsx")


def test_a_run_with_video_frames_gains_frame_and_time(tmp_path: Path):
    frames = [*RECORDS[:1], {**record("clip.mp4#t=0.500", ["Bag"], [8], [0.9]), "frame": 15, "time": 0.5}]
    for name in ("out.parquet", "out.csv"):
        write_output(iter(frames), tmp_path / name, frames=True)
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert [(r["frame"], r["time"]) for r in rows] == [(None, None), (15, 0.5)]
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",error,frame,time") and lines[2].endswith(",15,0.5")
    assert "frame" not in pq.read_table(_plain(tmp_path)).column_names  # an images-only run: no such columns


def _plain(tmp_path: Path) -> Path:
    write_output(iter(RECORDS), tmp_path / "plain.parquet")
    return tmp_path / "plain.parquet"
