"""The Ray engine on a real local Ray (the ``ray_address`` fixture: started once, for this module only): its rows
against the local engine's on the same folder and weights, and a driver killed mid-run that resumes without
labelling any file twice."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from killed_runs import command, kill_after_commits

from model.batch.journal import Journal, read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.runtime.inference import Classifier
from model.weights.loading import load_model
from tests.cluster.conftest import image_folder

REPO = Path(__file__).resolve().parents[2]
BF16_TOLERANCE = 2e-2  # probabilities: the two engines may batch images differently, and bf16 keeps 8 bits


def local_records(folder: Path, model_dir: Path, tmp_path: Path) -> dict[str, dict]:
    clf = Classifier(load_model(str(model_dir)))
    settings = BatchSettings(batch_size=8)
    with open_journal(tmp_path / "local.journal", clf, folder, settings) as journal:
        label_folder(clf, folder, journal, settings)
    return {r["path"]: r for r in read_records(tmp_path / "local.journal")}


def ray_records(source_text: str, model_dir: Path, journal_path: Path) -> dict[str, dict]:
    from model.cluster.run import ClusterSettings, label_source, run_settings
    from model.cluster.source import open_source

    loaded = load_model(str(model_dir))
    source = open_source(source_text)
    settings = ClusterSettings(batch_size=8)
    with Journal(journal_path, run_settings(loaded, source, settings)) as journal:
        progress = label_source(loaded, source, journal, settings)
    records = list(read_records(journal_path))
    assert progress.done == len(records) and progress.failed == sum(1 for r in records if r["error"])
    return {r["path"]: r for r in records}


def test_rows_equal_the_local_engines(ray_address: str, small_model_dir: Path, tmp_path: Path):
    folder = image_folder(tmp_path / "images", 40)
    local = local_records(folder, small_model_dir, tmp_path)
    on_ray = ray_records(str(folder), small_model_dir, tmp_path / "ray.journal")
    assert len(on_ray) == 42 and on_ray.keys() == local.keys()
    for path, mine in on_ray.items():
        theirs = local[path]
        assert mine["error"] == theirs["error"]  # the same reasons, word for word
        assert mine["indices"][:1] == theirs["indices"][:1], path
        assert mine["probs"] == pytest.approx(theirs["probs"], abs=BF16_TOLERANCE)
        assert {k: mine[k] for k in ("model", "device", "precision")} == {
            k: theirs[k] for k in ("model", "device", "precision")
        }
    assert {p for p, r in on_ray.items() if r["error"]} == {"broken.png", "empty.jpg"}

    by_url = ray_records(folder.as_uri(), small_model_dir, tmp_path / "url.journal")
    assert by_url.keys() == local.keys()
    assert all(by_url[p]["indices"][:1] == local[p]["indices"][:1] for p in local)
    assert by_url["broken.png"]["error"] == f"{folder.as_uri()}/broken.png: not an image format Pillow can read"


def env() -> dict[str, str]:
    """The environment of a child driver: this one's as it is now (the fixture's Ray set its auth mode in it)."""
    return {**os.environ, "OMP_NUM_THREADS": "1"}


def test_a_killed_driver_resumes_without_a_file_done_twice(ray_address: str, small_model_dir: Path, tmp_path: Path):
    folder = image_folder(tmp_path / "images", 120)
    out, journal = tmp_path / "labels.jsonl", tmp_path / "labels.jsonl.journal"
    args = ("label", folder, "--engine", "ray", "--address", ray_address, "--out", out, "--batch-size", "4")
    args += ("--model", small_model_dir)
    kill_after_commits(args, journal, 1, env())
    done_before = sum(1 for line in journal.read_text().splitlines()[1:] if '"commit"' not in line)
    assert 0 < done_before < 122 and not out.exists()

    resume = command(*args, "--resume")
    resumed = subprocess.run(resume, capture_output=True, text=True, timeout=300, cwd=REPO, env=env())
    assert resumed.returncode == 1, resumed.stderr  # broken.png and empty.jpg are error rows
    assert f"resuming: {done_before} images already done" in resumed.stderr
    assert f"labelled 120, failed 2 ({done_before} by the earlier run)" in resumed.stdout
    assert "broken.png: error:" in resumed.stderr and not journal.exists()
    paths = [json.loads(line)["path"] for line in out.read_text().splitlines()]
    assert len(paths) == len(set(paths)) == 122


def test_video_frames_equal_the_local_engines_and_resume_per_frame(
    ray_address: str, small_model_dir: Path, tmp_path: Path
):
    from video_clips import solid, write_clip

    from model.cluster.run import ClusterSettings, label_source, run_settings
    from model.cluster.source import open_source
    from model.video.files import Sampling

    folder = image_folder(tmp_path / "images", 2, bad=False)
    write_clip(folder / "clip.mp4", [solid((i * 25, 128, 255 - i * 25), 32, 32) for i in range(10)], rate=10)
    (folder / "bad.mkv").write_bytes(b"\x1a\x45\xdf\xa3 not really matroska" * 4)
    sampling = Sampling(every=3)
    clf = Classifier(load_model(str(small_model_dir)))
    local_settings = BatchSettings(batch_size=8, video=sampling)
    with open_journal(tmp_path / "local.journal", clf, folder, local_settings) as journal:
        label_folder(clf, folder, journal, local_settings)
    local = {r["path"]: r for r in read_records(tmp_path / "local.journal")}
    frames = [f"clip.mp4#t={t:.3f}" for t in (0.0, 0.3, 0.6, 0.9)]
    assert set(frames) <= local.keys() and local["bad.mkv"]["error"]

    loaded = load_model(str(small_model_dir))
    settings = ClusterSettings(batch_size=8, video=sampling)
    for text, name in ((str(folder), str(folder / "bad.mkv")), (folder.as_uri(), f"{folder.as_uri()}/bad.mkv")):
        source, journal_path = open_source(text), tmp_path / f"{len(text)}.journal"
        with Journal(journal_path, run_settings(loaded, source, settings)) as journal:
            journal.commit([local[frames[1]]])  # an earlier run did this frame
        with Journal(journal_path, run_settings(loaded, source, settings), resume=True) as journal:
            label_source(loaded, source, journal, settings)
        on_ray = [r for r in read_records(journal_path)]
        assert sorted(r["path"] for r in on_ray) == sorted(local)  # each frame once
        for record in on_ray:
            theirs = local[record["path"]]
            assert (record.get("frame"), record.get("time")) == (theirs.get("frame"), theirs.get("time"))
            assert record["indices"][:1] == theirs["indices"][:1], record["path"]
        assert next(r for r in on_ray if r["path"] == "bad.mkv")["error"].startswith(f"{name}: not a video")
