"""The Live tab's Qt-free parts: frame statistics, smoothing, the overlay rate plan, captures and the timeline of a
generated video file with its exports."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from video_clips import fashion_stills, held_frames, write_clip

from model.explain.capture import list_blocks
from model.explain.maps import OverlaySpec, compute_overlay
from model.live.captures import capture_stem, class_counts, class_folder, save_frame
from model.live.maps import live_explanation, map_needs
from model.live.pacing import FrameStats, RatePlan, Smoother, ordinal
from model.live.timeline import row_at, sample_every, timeline_rows, write_rows


def test_frame_stats_count_rate_latency_and_drops():
    stats = FrameStats()
    assert stats.fps == 0.0 and stats.latency == 0.0
    for i in range(11):  # 10 intervals of 0.1 s: 10 fps; each frame on screen 0.04 s after it arrived
        stats.shown(arrival=i * 0.1 - 0.04, now=i * 0.1)
    stats.dropped_one()
    assert stats.fps == pytest.approx(10.0) and stats.latency == pytest.approx(0.04)
    assert stats.text() == "10.0 fps · latency 40 ms · 1 dropped"
    stats.reset()
    assert stats.shown_count == stats.dropped == 0 and stats.fps == 0.0


def test_smoother_averages_the_last_frames_only():
    s = Smoother(2)
    assert np.allclose(s.add(np.array([1.0, 0.0])), [1.0, 0.0])
    assert np.allclose(s.add(np.array([0.0, 1.0])), [0.5, 0.5])
    assert np.allclose(s.add(np.array([0.0, 1.0])), [0.0, 1.0])  # the first frame fell out
    s.set_frames(1)
    assert np.allclose(s.add(np.array([1.0, 0.0])), [1.0, 0.0])
    assert np.allclose(s.add(np.array([0.2, 0.3, 0.5])), [0.2, 0.3, 0.5])  # another model's classes: afresh


def test_the_rate_plan_runs_slow_kinds_on_every_kth_frame_and_says_so():
    plan = RatePlan()
    assert [plan.due("gradcam", n) for n in range(6)] == [True, False, False, True, False, False]
    assert all(plan.due("attention", n) for n in range(6))
    assert plan.describe("gradcam") == "Grad-CAM every 3rd frame"
    assert plan.describe("attention") == "Attention on every frame"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]


def test_captures_go_into_class_folders_and_never_overwrite(tmp_path):
    from PIL import Image

    image = Image.open(fashion_stills(1)[0][0]).convert("RGB")
    folder = class_folder("my shoes/boots", tmp_path)
    assert folder.parent == tmp_path and folder.is_dir() and "/" not in folder.name
    stem = capture_stem("/videos/walk.mp4", 1.5)
    assert stem == "walk-t1.500"
    first, second = save_frame(image, folder, stem), save_frame(image, folder, stem)
    assert first.name == "walk-t1.500.png" and second.name == "walk-t1.500 (2).png"
    assert class_counts(tmp_path) == {folder.name: 2}
    with pytest.raises(ValueError):
        class_folder("  ", tmp_path)


def test_sampling_keeps_long_files_to_the_row_limit():
    assert sample_every(0) == 1 and sample_every(100) == 1 and sample_every(2000) == 1
    assert sample_every(2001) == 2 and sample_every(10_000, limit=100) == 100


def test_the_timeline_of_a_clip_classifies_every_frame_and_exports(tmp_path, small_model_dir):
    from model.runtime.inference import Classifier
    from model.weights.loading import load_model

    stills = [p for p, _name in fashion_stills(1)][:3]
    clip = write_clip(tmp_path / "clip.mp4", held_frames(stills, hold=2, size=96))
    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    seen = []
    rows = [r for chunk in timeline_rows(clip, clf, progress=lambda d, t: seen.append((d, t))) for r in chunk]
    assert [r.frame for r in rows] == list(range(6))
    assert [round(r.time, 3) for r in rows] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert rows[3].name == f"{clip}#t=0.300" and len(rows[3].labels) == 5 and 0 < rows[3].confidence <= 1
    assert seen[-1] == (6, 6)
    assert row_at(rows, 0.26) is rows[3] and row_at([], 1.0) is None
    sampled = [r for chunk in timeline_rows(clip, clf, limit=3) for r in chunk]
    assert [r.frame for r in sampled] == [0, 2, 4]

    out = tmp_path / "rows.csv"
    assert write_rows(out, rows) == 6
    table = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert table[1]["time"] == "0.100000" and table[1]["label"] == rows[1].label
    with pytest.raises(FileExistsError):
        write_rows(out, rows[:1])
    assert len(out.read_text(encoding="utf-8").splitlines()) == 7  # untouched
    write_rows(out, rows[:1], overwrite=True)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    lines = tmp_path / "rows.jsonl"
    write_rows(lines, rows)
    first = json.loads(lines.read_text(encoding="utf-8").splitlines()[0])
    assert first["frame"] == 0 and first["file"] == str(clip) and first["labels"] == list(rows[0].labels)
    with pytest.raises(ValueError):
        write_rows(tmp_path / "rows.txt", rows)


def a_block(spec: OverlaySpec, blocks: list) -> str:
    """Return the block ``spec`` resolves to."""
    from model.explain.maps import resolve

    return resolve(spec, blocks, 10).block


@pytest.mark.parametrize(
    "spec",
    [
        OverlaySpec(kind="attention", attention_mode="query", query=(0.3, 0.6)),
        OverlaySpec(kind="attention", attention_mode="rollout"),
        OverlaySpec(kind="activation"),
        OverlaySpec(kind="gradcam"),
    ],
    ids=["query", "rollout", "activation", "gradcam"],
)
def test_a_live_explanation_captures_only_what_the_map_reads_and_gives_the_same_map(spec, small_model_dir):
    from PIL import Image

    from model.runtime.inference import Classifier
    from model.weights.loading import load_model

    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    image = Image.open(fashion_stills(1)[0][0]).convert("RGB")
    blocks = list_blocks(clf.net)
    needs = map_needs(spec, blocks, 10)
    lean = live_explanation(clf, image, spec, fast=False)
    assert sorted(lean.captured.attention) == sorted(needs.attention)
    assert sorted(lean.captured.activations) == sorted(needs.activations)
    assert lean.captured.keeps_graph == (spec.kind == "gradcam") == needs.gradients
    if spec.kind == "attention" and spec.attention_mode == "rollout":  # every Transformer block up to the chosen
        transformers = [b.name for b in blocks if b.kind == "transformer"]
        assert needs.attention == transformers[: transformers.index(a_block(spec, blocks)) + 1]
    full = clf.explain(image)
    names = clf.label_names
    a, b = compute_overlay(lean, spec, (48, 48), names), compute_overlay(full, spec, (48, 48), names)
    assert a.block == b.block and a.caption == b.caption
    np.testing.assert_allclose(a.panels[0].image, b.panels[0].image, atol=1e-5)
    assert torch.allclose(lean.probs, full.probs, atol=1e-5)
    # the Live tab's fast pass runs in the placement's precision: the same map within bf16's rounding
    fast = live_explanation(clf, image, spec)
    assert fast.prediction.precision == clf.placement.precision
    c = compute_overlay(fast, spec, (48, 48), names)
    assert c.block == b.block
    r = np.corrcoef(c.panels[0].image.ravel(), b.panels[0].image.ravel())[0, 1]
    assert r > 0.99, f"fast {spec.kind} map correlates {r:.4f} with the fp32 map"
