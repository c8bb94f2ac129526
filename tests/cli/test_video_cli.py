"""``classify VIDEO`` and ``label DIR`` with video files, as real processes: a line per sampled frame, rows named
``path#t=SECONDS`` with frame and time columns, --every/--fps, bad videos as error rows while the run goes on,
and a SIGKILL mid-video then ``--resume``, which ends with the uninterrupted run's output."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from killed_runs import command, commits, kill_after_commits
from PIL import Image
from video_clips import solid, write_clip

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=300, cwd=REPO, env=ENV)


def ramp(n: int, size: int = 32) -> list[np.ndarray]:
    return [solid((i * 255 // n, 128, 255 - i * 255 // n), size, size) for i in range(n)]


def test_classify_prints_one_prediction_per_sampled_frame(tmp_path: Path, small_model_dir: Path):
    clip = write_clip(tmp_path / "clip.mp4", ramp(25), rate=10)  # 2.5 s
    image = tmp_path / "still.png"
    Image.new("L", (28, 28), 90).save(image)
    model = ("--model", small_model_dir)

    default = run("classify", clip, image, *model, "--topk", "2")
    assert default.returncode == 0, default.stderr
    heads = [line.split("  (")[0] for line in default.stdout.splitlines() if not line.startswith((" ", "model:"))]
    assert heads == [f"{clip}#t={t:.3f}" for t in (0, 0.5, 1.0, 1.5, 2.0)] + [str(image)]  # 2 fps by default

    every = run("classify", clip, *model, "--json", "--every", "10")
    objs = [json.loads(line) for line in every.stdout.splitlines()]
    assert [(o["path"], o["frame"], o["time"]) for o in objs] == [
        (f"{clip}#t={t:.3f}", f, t) for f, t in ((0, 0.0), (10, 1.0), (20, 2.0))
    ]

    both = run("classify", clip, *model, "--every", "2", "--fps", "1")
    assert both.returncode == 2 and "not allowed with" in both.stderr
    zero = run("classify", clip, *model, "--every", "0")
    assert zero.returncode == 2 and "--every must be 1 or more" in zero.stderr


def test_label_writes_a_row_per_frame_and_goes_on_past_bad_videos(tmp_path: Path, small_model_dir: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.new("L", (28, 28), 90).save(folder / "a.png")
    write_clip(folder / "b.mp4", ramp(20), rate=10)
    write_clip(folder / "c.webm", ramp(9), codec="libvpx-vp9", rate=3)  # 3 s at 3 fps
    write_clip(folder / "d.mp4", ramp(4, 64)[:4], pix_fmt="yuv422p10le", rotation=-90, rate=2)
    (folder / "e.mkv").write_bytes(b"\x1a\x45\xdf\xa3 not really matroska" * 4)
    Image.new("L", (28, 28), 30).save(folder / "f.png")
    out = tmp_path / "out.csv"

    dry = run("label", folder, "--dry-run", "--model", small_model_dir)
    assert dry.returncode == 0 and "would label 2 images and 4 video files" in dry.stdout

    result = run("label", folder, "--out", out, "--fps", "1", "--model", small_model_dir)
    assert result.returncode == 1, result.stderr  # e.mkv is an error row
    assert "labelled 9, failed 1" in result.stdout and "e.mkv: error:" in result.stderr
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[-3:] == ["error", "frame", "time"]
    assert [(r["path"], r["frame"], r["time"]) for r in rows] == [
        ("a.png", "", ""),
        ("b.mp4#t=0.000", "0", "0.0"),
        ("b.mp4#t=1.000", "10", "1.0"),
        ("c.webm#t=0.000", "0", "0.0"),
        ("c.webm#t=1.000", "3", "1.0"),
        ("c.webm#t=2.000", "6", "2.0"),
        ("d.mp4#t=0.000", "0", "0.0"),
        ("d.mp4#t=1.000", "2", "1.0"),
        ("e.mkv", "", ""),
        ("f.png", "", ""),
    ]
    assert all(r["label"] and not r["error"] for r in rows if r["path"] != "e.mkv")


def test_sort_into_sorts_the_images_and_leaves_the_videos(tmp_path: Path, small_model_dir: Path):
    folder, dest = tmp_path / "in", tmp_path / "sorted"
    folder.mkdir()
    Image.new("L", (28, 28), 90).save(folder / "a.png")
    write_clip(folder / "b.mp4", ramp(10), rate=10)
    result = run("label", folder, "--model", small_model_dir, "--sort-into", dest)
    assert result.returncode == 0, result.stderr
    assert "2 video frames are not sorted" in result.stdout and "sorted 1 files" in result.stdout
    assert [p.name for p in dest.rglob("*") if p.is_file() and p.suffix != ".jsonl"] == ["a.png"]
    assert (folder / "b.mp4").is_file()


@pytest.mark.slow
def test_a_run_killed_mid_video_resumes_frame_by_frame(tmp_path: Path, small_model_dir: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_clip(folder / "long.mp4", ramp(240), rate=24)
    Image.new("L", (28, 28), 90).save(folder / "z.png")
    common = ("--model", small_model_dir, "--batch-size", "4", "--workers", "1", "--every", "1")
    out, journal = tmp_path / "killed.jsonl", tmp_path / "killed.jsonl.journal"

    kill_after_commits(("label", folder, "--out", out, *common), journal, 5, ENV)
    done_before = commits(journal)
    assert 5 <= done_before < 60 and not out.exists()

    resumed = run("label", folder, "--out", out, "--resume", *common)
    assert resumed.returncode == 0, resumed.stderr
    assert "images or video frames already done" in resumed.stderr and "labelled 241, failed 0" in resumed.stdout
    whole = tmp_path / "whole.jsonl"
    assert run("label", folder, "--out", whole, *common).returncode == 0
    assert out.read_bytes() == whole.read_bytes()
    paths = [json.loads(line)["path"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert paths == [f"long.mp4#t={i / 24:.3f}" for i in range(240)] + ["z.png"]
