"""The runtimes behind the one Predictor interface (model.runtime.runtimes): forcing one, the automatic choice, an
unavailable one's single line, and the fast paths' top-1 agreement with the fp32 eager network on the 600 real
Fashion-MNIST images of tests/data (all 10,000 and 1,000 other real photos: benchmarks/bench_agreement.py).

The compiled runtime's tests run ``torch.compile`` on the bundled (tiny) model in child processes sharing one cache
folder: the second process must find the first one's graphs in inductor's on-disk cache (a counter spy, no timing).
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from coatnet_gui.cli.main import main
from model.data.transform import load_and_preprocess
from model.runtime.inference import Classifier
from model.runtime.runtimes import RuntimeUnavailable, auto_runtime, open_predictor, open_runtime, unavailable_reason
from model.weights.loading import load_model

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "fmnist_test_slice"
EXPORTED = [r for r in ("onnxruntime", "openvino") if not unavailable_reason(r)]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh app cache folder (exports, compiled graphs) for the test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("COATNET_LENS_CACHE", str(folder))
    monkeypatch.delenv("TORCHINDUCTOR_CACHE_DIR", raising=False)
    return folder


@pytest.fixture(scope="module")
def slice_batch() -> tuple[torch.Tensor, torch.Tensor]:
    """The slice's 600 images preprocessed ``(600, 3, 96, 96)`` and the fp32 eager network's top-1 ``(600,)``."""
    files = [SLICE / row["file"] for row in csv.DictReader((SLICE / "labels.csv").open(encoding="utf-8"))]
    clf = Classifier(load_model("bundled"), device="cpu", precision="fp32")
    batch = torch.stack([load_and_preprocess(f, clf.preprocess_cfg)[0] for f in files])
    return batch, clf.probabilities(batch).argmax(-1)


def agreement(clf, batch: torch.Tensor, reference: torch.Tensor) -> float:
    """Return the share of images whose top-1 from ``clf`` equals ``reference``'s, in batches of 100."""
    top1 = torch.cat([clf.probabilities(batch[s : s + 100]).argmax(-1) for s in range(0, len(batch), 100)])
    return (top1 == reference).float().mean().item()


@pytest.mark.parametrize("runtime", EXPORTED)
def test_an_export_runtime_agrees_with_fp32_and_keeps_maps(runtime, cache, slice_batch):
    clf = open_runtime(load_model("bundled"), runtime, "cpu")
    assert clf.runtime == runtime and clf.runtime_now == runtime
    assert list((cache / "exported").glob("*.onnx")), "the export is kept in the cache folder"
    assert agreement(clf, *slice_batch) >= 0.995
    assert clf.maps_unavailable == ""  # the eager fp32 network stays for explanations
    assert clf.explain(Image.new("RGB", (96, 96))).prediction.precision == "fp32"


def test_torch_is_the_eager_classifier_and_onnx_files_refuse_other_runtimes(tmp_path):
    clf = open_runtime(load_model("bundled"), "torch", "cpu")
    assert type(clf) is Classifier and clf.runtime_now == "torch"
    onnx_file = tmp_path / "m.onnx"
    onnx_file.write_bytes(b"")
    with pytest.raises(RuntimeUnavailable, match="runs through onnxruntime, not --runtime compiled"):
        open_predictor(onnx_file, "cpu", runtime="compiled")


def test_auto_is_torch_for_single_images_until_compiled_here_and_compiled_for_batch_work(cache):
    loaded = load_model("bundled")
    assert auto_runtime(loaded, "cpu", batch_work=False) == "torch"
    assert auto_runtime(loaded, "cpu", batch_work=True) in ("compiled", "openvino")
    from model.runtime.compiled import marker_path, model_key

    marker = marker_path(model_key(loaded))
    marker.parent.mkdir(parents=True)
    marker.write_text("{}")
    assert auto_runtime(loaded, "cpu", batch_work=False) == "compiled"


@pytest.mark.parametrize("runtime, package", [("openvino", "openvino"), ("onnxruntime", "onnxruntime")])
def test_an_unavailable_runtime_is_one_line(runtime, package, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == package else real(name, *a))
    assert main(["classify", str(SLICE / "00000_Ankle-boot.png"), "--runtime", runtime]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: --runtime {runtime} needs {package}, which is not installed: " + err[0].split(": ")[-1]]
    assert "pip install 'coatnet-lens[" in err[0]


def test_unknown_runtime_reason():
    assert "choose one of auto, torch, compiled" in unavailable_reason("tensorrt")


def test_classify_header_names_the_runtime_it_forced(capsys, cache):
    runtime = EXPORTED[0] if EXPORTED else "torch"
    assert main(["classify", str(SLICE / "00000_Ankle-boot.png"), "--runtime", runtime, "--device", "cpu"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith(f"| runtime: {runtime}")


PROBE = """
import json, sys, torch
from torch._dynamo.utils import counters
from model.runtime.compiled import CompiledClassifier
from model.weights.loading import load_model
clf = CompiledClassifier(load_model("bundled"), "cpu", batch_sizes=(100,), wait=True)
batch = torch.load(sys.argv[1])
top1 = torch.cat([clf.probabilities(batch[s:s + 100]).argmax(-1) for s in range(0, len(batch), 100)])
print(json.dumps({"ready": clf.compiled_ready, "error": clf.compile_error, "runtime": clf.runtime_now,
                  "top1": top1.tolist(), "inductor": dict(counters["inductor"])}))
"""


@pytest.mark.slow  # two processes compiling the tiny model: ~1 min on 2 quiet cores
def test_compiled_agrees_and_a_second_process_reuses_the_compile_cache(cache, slice_batch, tmp_path):
    batch, reference = slice_batch
    pixels = tmp_path / "batch.pt"
    torch.save(batch[:500].clone(), pixels)
    env = {**os.environ, "PYTHONPATH": str(REPO), "COATNET_LENS_CACHE": str(cache)}
    env.pop("TORCHINDUCTOR_CACHE_DIR", None)  # this process's inductor may have set its default there
    runs = []
    for _ in range(2):
        proc = subprocess.run(
            [sys.executable, "-c", PROBE, str(pixels)], capture_output=True, text=True, cwd=REPO, env=env, timeout=1800
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    first, second = runs
    assert list((cache / "compiled" / "inductor").iterdir()), "inductor's caches live in the app's cache folder"
    for run in runs:
        assert run["ready"] and not run["error"] and run["runtime"] == "compiled"
        assert (torch.tensor(run["top1"]) == reference[:500]).float().mean().item() >= 0.995
    assert first["inductor"].get("fxgraph_cache_miss", 0) >= 1 and not first["inductor"].get("fxgraph_cache_hit")
    assert second["inductor"].get("fxgraph_cache_hit", 0) >= 1 and not second["inductor"].get("fxgraph_cache_miss")


def test_label_says_which_runtime_ran_in_its_header_and_progress_line(tmp_path, capfd, cache):
    runtime = EXPORTED[0] if EXPORTED else "torch"
    folder = tmp_path / "images"
    folder.mkdir()
    for name in ("00000_Ankle-boot.png", "00001_Pullover.png", "00002_Trouser.png"):
        (folder / name).write_bytes((SLICE / name).read_bytes())
    out = tmp_path / "out.csv"
    assert main(["label", str(folder), "--out", str(out), "--runtime", runtime, "--device", "cpu"]) == 0
    err = capfd.readouterr().err
    assert f"| runtime: {runtime}" in err
    assert any("3/3 100%" in line and f"[{runtime}]" in line for line in err.splitlines()), err
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 3
