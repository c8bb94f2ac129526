"""Teaching on a small real set (tests/data/digits: UCI handwritten digits the bundled model never saw): the
checkpoint loads in a fresh process and labels held-out images, carries its names and feature choice, works
with every explanation, loads in timm when it reads the final features; the feature cache is reused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from model.data.decode import load_image
from model.explain.capture import list_blocks
from model.net.coatnet import CoAtNet, create_model
from model.runtime.inference import Classifier
from model.teach import LabelledSet, TeachSettings, labelled_from_folder, labelled_from_pairs, teach
from model.teach.dataset import stratified_split
from model.weights.checkpoint import read_state_dict, save_checkpoint
from model.weights.layout import WeightsError
from model.weights.loading import load_model

DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"
REPO = Path(__file__).resolve().parents[2]
NOT_IN_MAXXVIT_CFG = ("img_size", "in_chans", "num_classes")  # MaxxVit's own arguments


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feature-cache")


@pytest.fixture(scope="module")
def taught(tmp_path_factory, cache_dir):
    """The digits slice taught to the bundled model in head mode (features chosen by cross-validation)."""
    data = labelled_from_folder(DIGITS)
    out = tmp_path_factory.mktemp("taught") / "digits.safetensors"
    reports = []
    result = teach("bundled", data, out, TeachSettings(cache_dir=cache_dir), on_progress=reports.append)
    return data, result, reports


def test_held_out_images_are_labelled_in_a_fresh_process(taught):
    data, result, _ = taught
    _, held = stratified_split(data.labels, 0.2, 0)
    script = (
        "import json, sys\n"
        "from model.weights.loading import load_model\n"
        "from model.runtime.inference import Classifier\n"
        "clf = Classifier(load_model(sys.argv[1]), device='cpu')\n"
        "preds = clf.classify_files(sys.argv[2:], k=1)\n"
        "print(json.dumps({'names': clf.label_names, 'top': [p.labels[0] for p in preds]}))\n"
    )
    paths = [data.paths[i] for i in held]
    proc = subprocess.run(
        [sys.executable, "-c", script, str(result.checkpoint), *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.splitlines()[-1])
    assert got["names"] == data.classes == ["four", "one", "three", "two", "zero"]
    truth = [data.classes[data.labels[i]] for i in held]
    accuracy = sum(t == p for t, p in zip(truth, got["top"], strict=True)) / len(truth)
    assert accuracy >= 0.6  # chance is 0.2 with five classes
    assert result.val_accuracy == pytest.approx(accuracy, abs=1e-6)


def test_checkpoint_metadata_card_and_progress(taught):
    data, result, reports = taught
    with safe_open(str(result.checkpoint), "pt") as f:
        meta = f.metadata()
    assert json.loads(meta["label_names"]) == data.classes
    assert meta["base_model"] == "coatnet_fmnist_96 (bundled)"
    assert meta["mode"] == "head"
    features = json.loads(meta["features"])
    assert features["text"] == result.features
    # the choice was measured: the card lists every candidate's cross-validated accuracy
    card = result.model_card.read_text()
    assert all(key in card for key in ("s2p2:", "s3p2:", "final:"))
    assert result.model_card.with_suffix(".confusion.png").stat().st_size > 0
    assert sum(map(sum, result.confusion)) == len(stratified_split(data.labels, 0.2, 0)[1])
    phases = [r.phase for r in reports]
    assert phases[0] == "features" and "train" in phases and phases[-1] == "evaluate"
    trained = [r for r in reports if r.phase == "train"]
    assert [r.done for r in trained] == list(range(len(trained)))  # 0: the features are being ranked
    assert all(r.loss is not None and r.val_accuracy is not None for r in trained[1:])


def test_every_explanation_works_on_the_taught_model(taught):
    data, result, _ = taught
    loaded = load_model(result.checkpoint)
    features = json.loads(loaded_meta(result.checkpoint)["features"])
    assert len(loaded.net.stages) == features["stage"]  # later stages are dropped from a head on an inner stage
    clf = Classifier(loaded, device="cpu", precision="fp32")
    exp = clf.explain(load_image(data.paths[0]))
    blocks = list_blocks(loaded.net)
    assert {b.name for b in exp.blocks} == {b.name for b in blocks}
    assert set(exp.captured.activations) == {b.name for b in blocks}
    cam = exp.grad_cam(data.labels[0], blocks[-1].name)
    assert cam.shape == blocks[-1].grid and torch.isfinite(cam).all() and cam.max() > 0
    if any(b.kind == "transformer" for b in blocks):
        assert exp.captured.attention


def loaded_meta(path: Path) -> dict:
    with safe_open(str(path), "pt") as f:
        return f.metadata()


def test_a_final_feature_head_loads_in_timm(tmp_path, cache_dir):
    pytest.importorskip("timm")
    from timm.models.maxxvit import MaxxVit, MaxxVitCfg, MaxxVitConvCfg, MaxxVitTransformerCfg

    out = tmp_path / "final.safetensors"
    result = teach("bundled", _subset(3, 4), out, TeachSettings(cache_dir=cache_dir, features="final", epochs=20))
    assert result.features.startswith("final")
    ours = load_model(out).net
    cfg = ours.cfg
    top = {k: v for k, v in asdict(cfg).items() if k not in ("conv_cfg", "transformer_cfg", *NOT_IN_MAXXVIT_CFG)}
    twin_cfg = MaxxVitCfg(
        **top,
        conv_cfg=MaxxVitConvCfg(**asdict(cfg.conv_cfg)),
        transformer_cfg=MaxxVitTransformerCfg(**asdict(cfg.transformer_cfg)),
    )
    twin = MaxxVit(twin_cfg, img_size=cfg.img_size, in_chans=cfg.in_chans, num_classes=3).eval()
    twin.load_state_dict(read_state_dict(out), strict=True)
    x = torch.randn(2, 3, cfg.img_size, cfg.img_size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert (twin(x) - ours(x)).abs().max().item() <= 1e-4


def _subset(classes: int, per_class: int) -> LabelledSet:
    """Return the first ``per_class`` images of the first ``classes`` classes of the digits slice."""
    data = labelled_from_folder(DIGITS)
    pairs = []
    for c in range(classes):
        pairs += [(p, data.classes[c]) for p, label in zip(data.paths, data.labels, strict=True) if label == c][
            :per_class
        ]
    return labelled_from_pairs(pairs)


def test_second_run_computes_no_features(tmp_path, monkeypatch):
    calls = []
    forward = CoAtNet.forward

    def spy(self, x):
        calls.append(x.shape[0])
        return forward(self, x)

    monkeypatch.setattr(CoAtNet, "forward", spy)
    data = _subset(2, 4)
    settings = TeachSettings(cache_dir=tmp_path / "cache", epochs=5, features="stage3")
    teach("bundled", data, tmp_path / "a.safetensors", settings)
    assert sum(calls) == 8
    calls.clear()
    teach("bundled", data, tmp_path / "b.safetensors", settings)
    assert calls == []
    # a cache entry that does not fit the base (other widths, or garbage) is computed again
    entries = sorted((tmp_path / "cache").rglob("*.safetensors"))
    assert len(entries) == 8
    save_file({"final": torch.zeros(7)}, str(entries[0]))
    entries[1].write_bytes(b"not a safetensors file")
    teach("bundled", data, tmp_path / "c.safetensors", settings)
    assert sum(calls) == 2


def test_class_names_from_a_class_map_beside_the_checkpoint_or_a_labels_file(taught, tmp_path):
    _, result, _ = taught
    folder = tmp_path / "copy"
    folder.mkdir()
    copy = folder / "model.safetensors"
    shutil.copy(result.checkpoint, copy)
    names = ["4", "1", "3", "2", "0"]
    (folder / "class_map.txt").write_text("\n".join(names) + "\n")
    info = load_model(copy).info
    assert info.label_names == names and info.label_source == "class_map.txt beside the checkpoint"
    other = tmp_path / "names.txt"
    other.write_text("a\nb\nc\nd\ne\n")
    info = load_model(copy, labels=other).info
    assert info.label_names == list("abcde") and "names.txt" in info.label_source
    assert load_model(result.checkpoint).info.label_source == "the checkpoint"
    other.write_text("a\nb\n")
    with pytest.raises(WeightsError, match="2 class names but the model has 5 outputs"):
        load_model(copy, labels=other)


def test_any_local_checkpoint_is_a_base(tmp_path):
    torch.manual_seed(0)
    base = save_checkpoint(create_model("coatnet_pico_rw_224"), tmp_path / "pico") / "model.safetensors"
    out = tmp_path / "pico-digits.safetensors"
    settings = TeachSettings(cache_dir=tmp_path / "cache", epochs=3, features="stage3")
    result = teach(str(base), _subset(2, 3), out, settings)
    assert result.features.startswith("stage S3 output, 2x2") and result.classes == ["four", "one"]
    loaded = load_model(out)
    assert loaded.info.config_name == "coatnet_pico_rw_224" and len(loaded.net.stages) == 3
    assert loaded.net.head.fc.in_features == 256 * 4
    with torch.no_grad():
        assert loaded.net(torch.zeros(1, 3, 224, 224)).shape == (1, 2)
