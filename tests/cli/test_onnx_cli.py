"""``coatnet-gui export`` and ``--model model.onnx``: the bundled model exported by the real CLI process, then
``classify`` and ``label`` through onnxruntime give the PyTorch path's top-1 on the 600 real Fashion-MNIST images of
tests/data; bad requests get one ``error:`` line and leave no file. (1,000 more images: benchmarks/bench_onnx.py.)"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from coatnet_gui.cli.main import main
from model.export.metadata import sidecar_path
from model.runtime.inference import Classifier
from model.weights.labels import FASHION_MNIST_CLASSES
from model.weights.loading import load_model

REPO = Path(__file__).resolve().parents[2]
SLICE = REPO / "tests" / "data" / "fmnist_test_slice"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """The bundled model exported by ``coatnet-gui export`` in its own process."""
    out = tmp_path_factory.mktemp("onnx") / "fmnist.onnx"
    proc = subprocess.run(
        [sys.executable, "-m", "coatnet_gui", "export", "bundled", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert f"-> {out}" in proc.stdout and "opset 18, batch dynamic" in proc.stdout
    return out


@pytest.fixture(scope="module")
def truth_and_reference() -> tuple[list[Path], list[str], list[str]]:
    """The slice's files, their true classes, and the PyTorch fp32 path's top-1 for each."""
    rows = list(csv.DictReader((SLICE / "labels.csv").open(encoding="utf-8")))
    files = [SLICE / r["file"] for r in rows]
    clf = Classifier(load_model("bundled"), device="cpu", precision="fp32")
    return files, [r["label"] for r in rows], [p.labels[0] for p in clf.classify_files(files, k=1)]


def test_the_exported_file_is_valid_and_describes_itself(exported):
    model = onnx.load(str(exported))
    onnx.checker.check_model(model, full_check=True)
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props["class_names"]) == list(FASHION_MNIST_CLASSES)
    sidecar = json.loads(sidecar_path(exported).read_text(encoding="utf-8"))
    assert sidecar["class_names"] == list(FASHION_MNIST_CLASSES) and sidecar["architecture"] == "coatnet_fmnist_96"
    bundled = load_model("bundled").info.preprocess
    assert sidecar["preprocess"]["input_size"] == list(bundled.input_size)
    assert sidecar["preprocess"]["crop_pct"] == bundled.crop_pct and sidecar["preprocess"]["mean"] == list(bundled.mean)
    assert sidecar["label_source"] == "the checkpoint" and sidecar["batch"] == "dynamic"


def test_classify_with_the_onnx_file_agrees_with_pytorch(exported, truth_and_reference, capsys):
    files, truth, reference = truth_and_reference
    files, truth, reference = files[:120], truth[:120], reference[:120]
    assert main(["classify", "--model", str(exported), "--json", "--topk", "1", *map(str, files)]) == 0
    got = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [g["labels"][0] for g in got] == reference
    assert sum(g["labels"][0] == t for g, t in zip(got, truth, strict=True)) / len(truth) >= 0.9
    assert {g["model"] for g in got} == {"fmnist.onnx"} and {g["precision"] for g in got} == {"fp32"}


def test_label_with_the_onnx_file_agrees_with_pytorch_on_600_real_images(
    exported, truth_and_reference, tmp_path, capsys
):
    files, truth, reference = truth_and_reference
    out = tmp_path / "labels.csv"
    assert main(["label", str(SLICE), "--model", str(exported), "--out", str(out), "--device", "cpu"]) == 0
    assert "runtime: onnxruntime" in capsys.readouterr().err
    with out.open(newline="", encoding="utf-8") as f:
        by_file = {Path(r["path"]).name: r["label"] for r in csv.DictReader(f)}
    labelled = [by_file[f.name] for f in files]
    assert len(labelled) == 600 and labelled == reference  # 100 % top-1 agreement
    assert sum(a == t for a, t in zip(labelled, truth, strict=True)) / len(truth) >= 0.9


def test_maps_and_ray_refuse_an_onnx_file_in_one_line(exported, tmp_path, capsys):
    assert (
        main(
            [
                "label",
                str(SLICE),
                "--model",
                str(exported),
                "--out",
                str(tmp_path / "x.csv"),
                "--maps",
                str(tmp_path / "m"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: --maps: Maps (attention, Grad-CAM, activations) need the PyTorch checkpoint")
    assert main(["label", str(SLICE), "--model", str(exported), "--engine", "ray"]) == 2
    assert "--engine ray runs PyTorch checkpoints" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "m").exists()
    image = str(sorted(SLICE.glob("*.png"))[0])
    assert main(["explain", image, "--model", str(exported), "--out", str(tmp_path / "e")]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: explain: Maps (attention, Grad-CAM")
    assert not (tmp_path / "e").exists()


def test_a_foreign_onnx_file_is_refused_in_one_line(exported, tmp_path, capsys):
    model = onnx.load(str(exported))
    del model.metadata_props[:]
    foreign = tmp_path / "foreign.onnx"
    onnx.save(model, str(foreign))
    assert main(["classify", "--model", str(foreign), str(next(SLICE.glob("*.png")))]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: foreign.onnx was not exported by CoAtNet Lens (no class names or preprocessing in its metadata or in "
        "foreign.onnx.json); export it with `coatnet-gui export`."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--opset", "16"], "error: opset 16 is not supported: choose 17 to 20 (the default is 18)"),
        (["--batch", "two"], "error: --batch must be 'dynamic' or a whole number of at least 1, not 'two'"),
        (["--batch", "0"], "error: --batch must be 'dynamic' or a whole number of at least 1, not '0'"),
    ],
)
def test_bad_export_requests_get_one_line_and_no_file(args, message, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    assert main(["export", "bundled", "--out", str(out), *args]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_an_existing_file_an_onnx_source_and_a_missing_model(exported, tmp_path, capsys):
    before = exported.read_bytes()
    assert main(["export", "bundled", "--out", str(exported)]) == 2
    assert capsys.readouterr().err.splitlines() == [f"error: {exported} exists; add --force to replace it"]
    assert exported.read_bytes() == before
    assert main(["export", str(exported), "--out", str(tmp_path / "again.onnx")]) == 2
    assert "is already an ONNX file" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nothing.safetensors"), "--out", str(tmp_path / "m.onnx")]) == 2
    assert capsys.readouterr().err.startswith("error: No such file or folder")
    assert main(["export", "bundled", "--out", str(tmp_path / "no-folder" / "m.onnx")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
