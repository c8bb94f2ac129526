"""The ``label`` and ``undo-sort`` commands as real processes: a SIGKILL mid-run and ``--resume``, the CSV and
the summary, sorting with ``--move`` and undoing it."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from killed_runs import command, commits, kill_after_commits
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def write_pngs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / f"img_{i:04d}.png")


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=300, cwd=REPO, env=ENV)


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_output_as_an_uninterrupted_one(tmp_path: Path, small_model_dir: Path):
    folder = tmp_path / "images"
    write_pngs(folder, 240)
    (folder / "broken.png").write_text("not an image")
    common = ("--model", small_model_dir, "--batch-size", "4", "--workers", "1")
    out = tmp_path / "killed.jsonl"
    journal = tmp_path / "killed.jsonl.journal"

    kill_after_commits(("label", folder, "--out", out, *common), journal, 5, ENV)
    done_before = commits(journal)
    assert 5 <= done_before < 61 and not out.exists()

    resumed = run("label", folder, "--out", out, "--resume", *common)
    assert resumed.returncode == 1, resumed.stderr  # broken.png is an error row
    assert "by the earlier run" in resumed.stdout and "labelled 240, failed 1" in resumed.stdout
    assert "broken.png: error:" in resumed.stderr
    assert not journal.exists()

    whole = tmp_path / "whole.jsonl"
    assert run("label", folder, "--out", whole, *common).returncode == 1
    assert out.read_bytes() == whole.read_bytes()
    assert len(out.read_bytes().splitlines()) == 241


def test_label_writes_the_csv_then_sorts_with_move_and_undo_sort_restores(tmp_path: Path, small_model_dir: Path):
    folder, dest = tmp_path / "in", tmp_path / "sorted"
    write_pngs(folder / "sub", 5)
    write_pngs(folder, 3)
    (folder / "notes.txt").write_text("skipped: not an image suffix")
    out = tmp_path / "results.csv"

    dry = run("label", folder, "-r", "--model", small_model_dir, "--sort-into", dest, "--move", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would move") == 8 and not dest.exists()
    assert (folder / "coatnet-labels.csv").is_file()  # a dry run labels; it only leaves the files alone

    moved = run(
        "label", folder, "-r", "--model", small_model_dir, "--out", out, "--topk", "3", "--sort-into", dest, "--move"
    )
    assert moved.returncode == 0, moved.stderr
    assert "labelled 8, failed 0" in moved.stdout and "sorted 8 files" in moved.stdout
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 8 and list(rows[0]) == [
        "path",
        "label",
        "index",
        "prob",
        "labels",
        "indices",
        "probs",
        "model",
        "device",
        "precision",
        "error",
    ]
    assert {r["path"] for r in rows} >= {"img_0000.png", "sub/img_0004.png"}
    assert all(len(r["labels"].split(";")) == 3 and r["error"] == "" for r in rows)
    assert sorted(p.name for p in folder.rglob("*.png")) == []
    assert len(list(dest.rglob("*.png"))) == 8  # two img_0000.png etc.: numbered, not overwritten

    manifest = next(dest.glob("coatnet-sort-*.jsonl"))
    undo = run("undo-sort", manifest)
    assert undo.returncode == 0, undo.stderr
    assert "restored 8 files" in undo.stdout
    assert len(list(folder.rglob("*.png"))) == 8 and not list(dest.rglob("*.png"))
