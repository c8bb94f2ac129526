"""File -> prediction through the real path (files on disk, the real model code, the real CLI process)."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from model import create_model
from model.resources import bundled_model_dir
from model.runtime.device import choose_placement
from model.runtime.inference import Classifier
from model.runtime.placement import cpu_has_fast_bf16
from model.weights.checkpoint import save_checkpoint
from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
from model.weights.loading import load_model
from model.weights.pretrained import FASHION_MNIST_CFG as PRETRAINED_CFG

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "fmnist_test_slice"
SAMPLES = REPO / "assets" / "samples"


@pytest.fixture(scope="module")
def random_model_dir(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("random_fmnist")
    save_checkpoint(create_model("coatnet_fmnist_96").eval(), folder, list(CLASS_NAMES), PRETRAINED_CFG)
    return folder


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "coatnet_gui", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
    )


def test_bundled_model_is_at_least_90_percent_right_on_the_test_slice():
    """>= 500 real Fashion-MNIST test images, PNG files on disk -> preprocessing -> model -> label names."""
    rows = list(csv.DictReader((SLICE / "labels.csv").open()))
    assert len(rows) >= 500 and len({r["label"] for r in rows}) == 10
    clf = Classifier(load_model("bundled"))
    preds = clf.classify_files([SLICE / r["file"] for r in rows], k=1)
    assert all(p.error is None for p in preds)
    correct = sum(p.labels[0] == r["label"] for p, r in zip(preds, rows, strict=True))
    assert correct / len(rows) >= 0.90, f"{correct}/{len(rows)}"
    assert clf.info.label_set.startswith("Fashion-MNIST")
    assert (bundled_model_dir() / "MODEL_CARD.md").exists()


def test_classify_prints_top_k_and_names_the_model(random_model_dir):
    sample = sorted(SAMPLES.glob("*.png"))[0]
    result = run_cli("classify", str(sample), "--model", str(random_model_dir), "--topk", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("model: ") and "labels: " in lines[0] and "device: cpu" in lines[0]
    assert lines[1].startswith(str(sample))
    assert len([line for line in lines if line.strip().endswith(CLASS_NAMES) and "%" in line]) == 3


def test_classify_json_reports_failures_per_image(random_model_dir, tmp_path):
    good = tmp_path / "good.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(good)
    bad = tmp_path / "bad.jpg"
    bad.write_text("this is not a picture")
    result = run_cli("classify", str(good), str(bad), "--model", str(random_model_dir), "--json", "--topk", "2")
    assert result.returncode == 1
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["path"] for o in objs] == [str(good), str(bad)]
    fields = {"path", "labels", "indices", "probs", "model", "device", "precision", "error"}
    assert all(set(o) == fields for o in objs)
    assert objs[0]["error"] is None and len(objs[0]["labels"]) == 2 and objs[0]["labels"][0] in CLASS_NAMES
    assert abs(sum(objs[0]["probs"]) - 1) < 1 and objs[0]["probs"][0] >= objs[0]["probs"][1]
    assert objs[1]["error"] and objs[1]["labels"] == objs[1]["indices"] == objs[1]["probs"] == []
    assert f"{bad}: error: " in result.stderr


def test_model_errors_exit_2(tmp_path):
    missing = tmp_path / "nope.safetensors"
    result = run_cli("classify", str(SAMPLES / "fashion_bag.png"), "--model", str(missing))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_usage_errors_exit_2():
    assert run_cli("classify").returncode == 2


def test_cuda_request_without_cuda_falls_back_with_a_note():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    placement = choose_placement("cuda")
    assert placement.device == "cpu" and "CUDA" in placement.note


def test_auto_precision_on_this_cpu():
    placement = choose_placement("auto")
    if placement.device == "cpu":
        assert placement.precision == ("bf16" if cpu_has_fast_bf16() else "fp32")


def test_out_of_memory_falls_back_to_cpu(random_model_dir, monkeypatch):
    clf = Classifier(load_model(str(random_model_dir)), device="cpu", precision="fp32")
    real_forward = clf.net.forward
    calls = []

    def forward_that_fails_once(x):
        calls.append(1)
        if len(calls) == 1:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_forward(x)

    monkeypatch.setattr(clf.net, "forward", forward_that_fails_once)
    pred = clf.classify_image(Image.new("RGB", (96, 96)), k=3)
    assert pred.error is None and len(pred.labels) == 3
    assert clf.placement.device == "cpu" and "out of memory" in clf.placement.note


def test_explanation_grad_cam_for_any_class(random_model_dir):
    clf = Classifier(load_model(str(random_model_dir)), device="cpu")
    exp = clf.explain(Image.open(SAMPLES / "fashion_sneaker.png").convert("RGB"))
    assert exp.prediction.labels and abs(float(exp.probs.sum()) - 1) < 1e-4
    attn = [b for b in exp.blocks if b.kind == "transformer"]
    for klass in (0, 9):
        cam = exp.grad_cam(klass, attn[0].name)
        assert cam.shape == attn[0].grid and float(cam.min()) >= 0 and float(cam.max()) <= 1
