"""Loading weights from real files: config inference, wrappers, labels, unsafe and broken files, the table."""

from __future__ import annotations

import argparse
import json
import os
import pickle
from pathlib import Path

import pytest
import timm
import torch
from safetensors.torch import load_file, save_file

from model import create_model, list_configs
from model.data.pixels import PreprocessCfg
from model.weights import loading as weights_module
from model.weights.checkpoint import ALIGN_BYTES, save_checkpoint
from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
from model.weights.labels import label_names
from model.weights.layout import WeightsError
from model.weights.loading import LoadedModel, config_signature, load_model
from model.weights.pretrained import (
    FASHION_MNIST_CFG,
    IMAGENET_MEAN,
    IMAGENET_STD,
    PRETRAINED,
    parse_tag,
)


def _random_model(name: str, num_classes: int | None = None, seed: int = 0):
    torch.manual_seed(seed)
    return create_model(name, num_classes=num_classes).eval()


def _logits(net, size: int) -> torch.Tensor:
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return net(x)


def _assert_same(loaded: LoadedModel, net, logits: bool = True) -> None:
    """The loaded network is in eval mode, float32, holds ``net``'s tensors and (optionally) gives its logits."""
    assert not loaded.net.training
    assert next(loaded.net.parameters()).dtype == torch.float32
    ours, ref = loaded.net.state_dict(), net.state_dict()
    assert ours.keys() == ref.keys()
    for key, value in ref.items():
        assert torch.equal(ours[key], value), key
    if logits:
        size = net.cfg.img_size
        torch.testing.assert_close(_logits(loaded.net, size), _logits(net, size), rtol=0, atol=0)


@pytest.fixture(scope="module")
def fmnist():
    return _random_model("coatnet_fmnist_96")


# --- Config inference ----------------------------------------------------------------------------------------

INFERENCE_CASES = [
    ("coatnet_fmnist_96", None),
    ("coatnet_pico_rw_224", 11821),  # an ImageNet-12k head
    ("coatnet_0_224", 5),  # the paper's pre-logits head
    ("coatnet_bn_0_rw_224", 1000),  # batch-norm attention blocks, else the twin of coatnet_0_rw_224
]


@pytest.mark.parametrize(("config", "num_classes"), INFERENCE_CASES)
def test_infers_config_from_safetensors_and_pth(tmp_path: Path, config: str, num_classes: int | None):
    net = _random_model(config, num_classes)
    state = net.state_dict()
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "weights.safetensors"))
    torch.save(state, tmp_path / "weights.pth")
    for name in ("weights.safetensors", "weights.pth"):
        loaded = load_model(tmp_path / name)
        info = loaded.info
        assert (info.config_name, info.source) == (config, "file")
        assert info.location == str(tmp_path / name) and info.name == name
        assert info.num_classes == net.cfg.num_classes == len(info.label_names)
        _assert_same(loaded, net, logits=name.endswith(".pth"))
    expected_set = {
        1000: "ImageNet-1k (1000 classes)",
        11821: "ImageNet-12k (11821 classes)",
    }.get(net.cfg.num_classes, f"custom ({net.cfg.num_classes} classes)")
    assert info.label_set == expected_set
    assert info.preprocess.input_size == (net.cfg.img_size, net.cfg.img_size)
    if config == "coatnet_bn_0_rw_224":  # timm's preprocessing for the config's public weights
        assert (info.preprocess.mean, info.preprocess.std) == (IMAGENET_MEAN, IMAGENET_STD)
    if net.cfg.num_classes == 11821:
        assert info.label_names == label_names("imagenet-12k")


def test_signature_matches_a_real_model(fmnist):
    assert config_signature("coatnet_fmnist_96") == {k: tuple(v.shape) for k, v in fmnist.state_dict().items()}
    assert config_signature("coatnet_fmnist_96", 3)["head.fc.weight"] == (3, 192)


def test_training_checkpoint_wrappers_and_prefixes(tmp_path: Path, fmnist):
    other = _random_model("coatnet_fmnist_96", seed=5)
    checkpoint = {  # as timm's CheckpointSaver writes it
        "epoch": 7,
        "arch": "coatnet_fmnist_96",
        "args": argparse.Namespace(model="coatnet_fmnist_96", lr=0.001, aa=None),
        "version": 2,
        "state_dict": {f"module.{k}": v for k, v in other.state_dict().items()},
        "state_dict_ema": {f"module.{k}": v for k, v in fmnist.state_dict().items()},
    }
    torch.save(checkpoint, tmp_path / "checkpoint.pth.tar")
    _assert_same(load_model(tmp_path / "checkpoint.pth.tar"), fmnist)  # the EMA weights, as timm prefers
    compiled = {f"model._orig_mod.{k}": v for k, v in fmnist.state_dict().items()}
    torch.save({"model": compiled}, tmp_path / "compiled.pt")
    _assert_same(load_model(str(tmp_path / "compiled.pt")), fmnist)


def test_missing_batchnorm_counters_are_fine(tmp_path: Path, fmnist):
    state = {k: v for k, v in fmnist.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert len(state) < len(fmnist.state_dict())
    torch.save(state, tmp_path / "no_counters.bin")
    _assert_same(load_model(tmp_path / "no_counters.bin"), fmnist)


def test_named_config_and_mismatch_report(tmp_path: Path, fmnist):
    path = tmp_path / "fmnist.safetensors"
    save_file(fmnist.state_dict(), str(path))
    assert load_model(path, config="coatnet_fmnist_96").info.config_name == "coatnet_fmnist_96"
    with pytest.raises(WeightsError, match=r"does not fit the config coatnet_pico_rw_224 \(\d+ missing keys"):
        load_model(path, config="coatnet_pico_rw_224")
    with pytest.raises(WeightsError, match="Unknown CoAtNet config 'resnet50'"):
        load_model(path, config="resnet50")

    state = dict(fmnist.state_dict())
    for key in ("stem.conv1.weight", "stem.norm1.weight", "stem.norm1.bias", "stem.conv2.weight"):
        del state[key]
    state["extra.weight"] = torch.zeros(2)
    state["head.fc.weight"] = torch.zeros(10, 5)
    save_file({k: v.contiguous() for k, v in state.items()}, str(tmp_path / "wrong.safetensors"))
    with pytest.raises(WeightsError) as err:
        load_model(tmp_path / "wrong.safetensors")
    message = str(err.value)
    assert message.startswith("wrong.safetensors does not match any CoAtNet config; the closest is coatnet_fmnist_96")
    assert "4 missing keys: stem.conv1.weight, stem.norm1.weight, stem.norm1.bias and 1 more" in message
    assert "1 unexpected key: extra.weight" in message
    assert "1 key with another shape: head.fc.weight: (10, 5) in the file, (10, 192) expected" in message
    assert "\n" not in message and "Traceback" not in message


def test_unrelated_tensors_are_reported(tmp_path: Path):
    torch.save({"weight": torch.zeros(3), "bias": torch.zeros(3)}, tmp_path / "linear.pth")
    with pytest.raises(WeightsError, match=r"does not match any CoAtNet config; the closest is .*2 unexpected keys"):
        load_model(tmp_path / "linear.pth")
    torch.save({"epoch": 3, "note": "no tensors"}, tmp_path / "empty_dict.pth")
    with pytest.raises(WeightsError, match="contains no tensors"):
        load_model(tmp_path / "empty_dict.pth")
    torch.save([torch.zeros(1)], tmp_path / "list.pth")
    with pytest.raises(WeightsError, match="holds a list, not a dictionary of tensors"):
        load_model(tmp_path / "list.pth")


# --- Folders, the bundled model and labels ------------------------------------------------------------------


def test_hub_layout_folder_with_config_json(tmp_path: Path, fmnist):
    cfg = PreprocessCfg(input_size=(96, 96), mean=(0.25, 0.25, 0.25), crop_pct=1.0)
    folder = save_checkpoint(fmnist, tmp_path / "my_run", label_names=list(CLASS_NAMES), preprocess=cfg)
    for source in (folder, folder / "model.safetensors"):
        loaded = load_model(source)
        info = loaded.info
        assert (info.name, info.source, info.location) == ("my_run", "file", str(source))
        assert info.label_names == list(CLASS_NAMES)
        assert info.label_set == "Fashion-MNIST (10 classes)"
        assert info.preprocess == cfg
        _assert_same(loaded, fmnist)


def test_loaded_weights_are_aligned_as_the_allocators_are(tmp_path: Path, fmnist):
    """A safetensors file's tensors are views at any offset into its buffer; oneDNN picks other kernels for
    unaligned weights (logits 1 ulp apart on AMD Zen 5), so every loaded tensor sits on a 64-byte boundary and
    owns its memory, not the file's."""
    folder = save_checkpoint(fmnist, tmp_path / "run", label_names=list(CLASS_NAMES))
    raw = load_file(str(folder / "model.safetensors"))
    assert any(t.data_ptr() % ALIGN_BYTES for t in raw.values())  # the hazard is real for this file
    net = load_model(folder).net
    offsets = {key: t.data_ptr() % ALIGN_BYTES for key, t in net.state_dict().items() if t.numel()}
    assert not any(offsets.values()), offsets


def test_config_json_architecture_is_a_hint_not_a_rule(tmp_path: Path, fmnist):
    folder = save_checkpoint(fmnist, tmp_path / "run", label_names=[f"c{i}" for i in range(10)])
    (folder / "config.json").write_text('{"architecture": "coatnet_0_rw_224", "label_names": ["too", "few"]}')
    info = load_model(folder).info
    assert info.config_name == "coatnet_fmnist_96"
    assert info.label_names == label_names(10) and info.label_set == "custom (10 classes)"
    (folder / "config.json").write_text("{not json")
    with pytest.raises(WeightsError, match="config.json is not valid JSON"):
        load_model(folder)


def test_folders_without_one_checkpoint(tmp_path: Path, fmnist):
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError, match="holds no model.safetensors"):
        load_model(tmp_path / "empty")
    two = tmp_path / "two"
    two.mkdir()
    torch.save(fmnist.state_dict(), two / "a.pth")
    torch.save(fmnist.state_dict(), two / "b.pth")
    with pytest.raises(WeightsError, match=r"several checkpoints \(a.pth, b.pth\)"):
        load_model(two)
    (two / "b.pth").unlink()
    assert load_model(two).info.config_name == "coatnet_fmnist_96"


def test_bundled_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmnist):
    folder = tmp_path / "assets" / "models" / "coatnet_fmnist_96"
    monkeypatch.setattr(weights_module, "bundled_model_dir", lambda: folder)
    with pytest.raises(WeightsError, match="The bundled model is missing"):
        load_model()
    save_checkpoint(fmnist, folder, label_names=list(CLASS_NAMES), preprocess=FASHION_MNIST_CFG)
    loaded = load_model("bundled")
    info = loaded.info
    assert (info.name, info.source, info.location) == ("coatnet_fmnist_96 (bundled)", "bundled", str(folder))
    assert info.label_set == "Fashion-MNIST (10 classes)"
    assert info.preprocess == FASHION_MNIST_CFG
    _assert_same(loaded, fmnist)


def test_config_json_preprocessing_keeps_defaults_for_bad_values(tmp_path: Path, fmnist):
    """The checkpoint file's ``pretrained_cfg`` dict is read key by key: a malformed or unknown value keeps the
    default (timm's CoAtNet preprocessing at the config's image size) and says so, a good one wins; a value that
    cannot be valid (a zero std) refuses the checkpoint."""
    folder = save_checkpoint(fmnist, tmp_path / "run", label_names=list(CLASS_NAMES))
    meta = json.loads((folder / "config.json").read_text())
    bad = {"crop_pct": "wide", "crop_mode": "zoom", "mean": [0.1, 0.2], "interpolation": "bilinear"}
    meta["pretrained_cfg"] = bad
    (folder / "config.json").write_text(json.dumps(meta))
    expected = PreprocessCfg(input_size=(96, 96), interpolation="bilinear")
    info = load_model(folder).info
    assert info.preprocess == expected
    assert info.warnings == [
        "The checkpoint's preprocessing (pretrained_cfg) has unreadable mean [0.1, 0.2], crop_pct 'wide', crop_mode "
        "'zoom'; using the default mean (0.5, 0.5, 0.5), crop_pct 0.95, crop_mode 'center'."
    ]
    meta["pretrained_cfg"] = {**bad, "std": [1, 0, 1]}
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(WeightsError, match=r"cannot be valid: its std \[1, 0, 1\]"):
        load_model(folder)


def test_real_bundled_model_when_trained():
    if not (weights_module.bundled_model_dir() / "model.safetensors").is_file():
        pytest.skip("the bundled model has not been trained yet (python -m model.training.train)")
    info = load_model().info
    assert info.name == "coatnet_fmnist_96 (bundled)"
    assert info.label_set == "Fashion-MNIST (10 classes)"
    assert info.preprocess.input_size == (96, 96)


def test_unknown_sources():
    with pytest.raises(WeightsError, match="No such file or folder"):
        load_model(Path("/nonexistent/model.safetensors"))
    with pytest.raises(WeightsError, match="No such file or folder"):
        load_model("missing.pth")
    with pytest.raises(WeightsError, match="is not a file, a folder or a public CoAtNet tag"):
        load_model("timm/resnet50.a1_in1k")
    with pytest.raises(WeightsError, match="names a config, not weights; its public weights: coatnet_0_rw_224.sw_in1k"):
        load_model("coatnet_0_rw_224")


# --- Unsafe and broken files ---------------------------------------------------------------------------------


class _Exploit:
    """Pickles to a call of os.system that creates a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickles_are_refused(tmp_path: Path):
    marker = tmp_path / "pwned"
    torch.save({"stem.conv1.weight": torch.zeros(1), "payload": _Exploit(marker)}, tmp_path / "evil.pth")
    with pytest.raises(WeightsError, match=r"Refused to load evil.pth: .*would run code.*\(\w+\.system\)"):
        load_model(tmp_path / "evil.pth")
    with (tmp_path / "evil_raw.bin").open("wb") as f:  # a bare pickle, not torch.save's zip
        pickle.dump({"payload": _Exploit(marker)}, f)
    with pytest.raises(WeightsError, match="Refused to load evil_raw.bin: .*would run code"):
        load_model(tmp_path / "evil_raw.bin")
    assert not marker.exists()
    # the payload is real: a plain unpickling runs it
    assert pickle.loads(pickle.dumps(_Exploit(marker))) == 0 and marker.exists()


def test_empty_truncated_and_corrupt_files(tmp_path: Path, fmnist):
    state = fmnist.state_dict()
    save_file(state, str(tmp_path / "good.safetensors"))
    torch.save(state, tmp_path / "good.pth")
    torch.save(state, tmp_path / "legacy.pth", _use_new_zipfile_serialization=False)
    for name in ("good.safetensors", "good.pth", "legacy.pth"):
        data = (tmp_path / name).read_bytes()
        (tmp_path / f"cut_{name}").write_bytes(data[: len(data) // 2])
        with pytest.raises(WeightsError, match=rf"cut_{name} is (truncated|not a readable).*corrupt"):
            load_model(tmp_path / f"cut_{name}")
    for name in ("zero.safetensors", "zero.pth"):
        (tmp_path / name).touch()
        with pytest.raises(WeightsError, match=rf"{name} is empty \(0 bytes\)"):
            load_model(tmp_path / name)
    (tmp_path / "junk.bin").write_bytes(b"definitely not a checkpoint " * 50)
    with pytest.raises(WeightsError, match="junk.bin is not a readable safetensors or PyTorch checkpoint"):
        load_model(tmp_path / "junk.bin")


# --- The table of public weights -----------------------------------------------------------------------------


def test_pretrained_table_matches_timm():
    assert sorted(PRETRAINED) == sorted(timm.list_models("coatnet*", pretrained=True))
    assert len(PRETRAINED) == 15
    for tag, entry in PRETRAINED.items():
        ref = timm.models.get_pretrained_cfg(tag)
        assert entry.repo_id == ref.hf_hub_id == f"timm/{tag}"
        assert entry.config_name == ref.architecture and entry.config_name in list_configs()
        assert entry.num_classes == ref.num_classes
        assert entry.label_set == {1000: "imagenet-1k", 11821: "imagenet-12k"}[ref.num_classes]
        ours = entry.preprocess.to_pretrained_cfg()
        assert ours == {k: getattr(ref, k) for k in ours}, tag
        signature = config_signature(entry.config_name, entry.num_classes)
        assert entry.num_params == sum(torch.Size(s).numel() for s in signature.values()), tag
        assert entry.size_mb == round(entry.num_params * 4 / 1e6)
    assert PRETRAINED["coatnet_3_rw_224.sw_in12k"].size_mb == 727
    assert parse_tag("hf-hub:timm/coatnet_0_rw_224.sw_in1k") == "coatnet_0_rw_224.sw_in1k"
    assert parse_tag(" timm/coatnet_nano_rw_224.sw_in1k") == "coatnet_nano_rw_224.sw_in1k"
    assert parse_tag("coatnet_0_rw_224") is None
