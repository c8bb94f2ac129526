"""ONNX export: for every public config's architecture (random weights) and for a taught model whose head reads an
inner stage, the file passes onnx.checker and onnxruntime's logits equal our fp32 forward to 1e-4; the class names
and preprocessing travel in its metadata and sidecar; bad requests leave no file behind.

The relative-position tables fix the attention grids, so the graph is tied to the input size (the batch is dynamic).
These tests build each architecture at 32 px, the smallest input it accepts (five halvings: S4 attends over 1x1),
with at most two blocks per stage (the first, strided block and a plain one), stages at most 64 wide (two heads)
and 16 classes: every kind of block and every option of the config (stride mode, pooling, norm, activation,
relative-position kind, layer scale) is in the graph, and each export takes seconds. The full-size bundled model is
exported in tests/cli/test_onnx_cli.py; benchmarks/bench_onnx.py measures every public config at full width.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from model.data.pixels import PreprocessCfg
from model.export import onnx_export
from model.export.metadata import from_metadata_props, sidecar_path
from model.export.onnx_export import ExportError, export_onnx
from model.net.coatnet import CoAtNet
from model.net.config import CoAtNetCfg, get_config, list_configs
from model.runtime.inference import Classifier
from model.runtime.runtimes import open_predictor
from model.teach import TeachSettings, labelled_from_folder, teach
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel, load_model
from model.weights.pretrained import configs_with_weights

SIDE, CLASSES, TOLERANCE = 32, 16, 1e-4
DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"


def small_cfg(name: str) -> CoAtNetCfg:
    """``name``'s config at :data:`SIDE` px with at most two blocks per stage, 64 channels, :data:`CLASSES` classes."""
    cfg = get_config(name)
    return replace(
        cfg,
        img_size=SIDE,
        num_classes=CLASSES,
        depths=tuple(min(d, 2) for d in cfg.depths),
        embed_dim=tuple(min(w, 64) for w in cfg.embed_dim),
        stem_width=tuple(min(w, 32) for w in cfg.stem_width),
        head_hidden_size=min(cfg.head_hidden_size, 64) if cfg.head_hidden_size else None,
    )


def _architectures() -> list[str]:
    """Every named config, public weights first, one per architecture (coatnet_1_224 is coatnet_0_224 deeper,
    rmlp_2_rw_384 rmlp_2_rw_224 at another size: the same graph at two blocks and 32 px)."""
    seen, names = [], []
    for name in sorted(list_configs(), key=lambda n: (n not in configs_with_weights(), n)):
        if small_cfg(name) not in seen:
            seen.append(small_cfg(name))
            names.append(name)
    return names


def small_model(name: str, seed: int = 0) -> LoadedModel:
    """``name``'s architecture (:func:`small_cfg`) with random weights."""
    cfg = small_cfg(name)
    torch.manual_seed(seed)
    net = CoAtNet(cfg, name=name).eval()
    names = [f"class {i}" for i in range(CLASSES)]
    info = ModelInfo(name, name, "file", "random", CLASSES, names, "custom", PreprocessCfg(input_size=(SIDE, SIDE)))
    return LoadedModel(net, info)


def max_logit_diff(loaded: LoadedModel, path: Path, batch: torch.Tensor) -> float:
    """Return max |onnxruntime logits - our fp32 logits| on ``batch``."""
    with torch.no_grad():
        ours = loaded.net(batch).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    theirs = session.run(["logits"], {"pixels": batch.numpy()})[0]
    return float(np.abs(theirs - ours).max())


@pytest.mark.parametrize("name", _architectures())
def test_every_public_architecture_exports_with_fp32_parity(name, tmp_path):
    loaded = small_model(name)
    result = export_onnx(loaded, tmp_path / "m.onnx", opset=17)
    onnx.checker.check_model(onnx.load(str(result.path)), full_check=True)
    batch = torch.randn(3, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(1))  # dynamic batch: not 1
    assert max_logit_diff(loaded, result.path, batch) <= TOLERANCE


@pytest.fixture(scope="module")
def taught_on_stage2(tmp_path_factory) -> Path:
    """The digits slice taught to the bundled model with a head on stage 2 (2x2 pooled): an inner-stage head."""
    out = tmp_path_factory.mktemp("taught") / "digits.safetensors"
    settings = TeachSettings(cache_dir=tmp_path_factory.mktemp("cache"), features="stage2", device="cpu")
    return teach("bundled", labelled_from_folder(DIGITS), out, settings).checkpoint


def test_a_taught_model_with_an_inner_stage_head_exports_with_its_names(taught_on_stage2, tmp_path):
    loaded = load_model(taught_on_stage2)
    assert loaded.net.head_pool == 2 and len(loaded.net.cfg.depths) == 2  # the head reads stage 2
    result = export_onnx(loaded, tmp_path / "digits.onnx", opset=18)
    batch = torch.randn(4, 3, 96, 96, generator=torch.Generator().manual_seed(2))
    assert max_logit_diff(loaded, result.path, batch) <= TOLERANCE
    props = {p.key: p.value for p in onnx.load(str(result.path)).metadata_props}
    described = from_metadata_props(props)
    assert described == json.loads(sidecar_path(result.path).read_text(encoding="utf-8"))
    assert described["class_names"] == ["four", "one", "three", "two", "zero"]
    assert described["label_source"] == "the checkpoint"
    assert described["architecture"] == "coatnet_fmnist_96" and described["head"] == {"stages": 2, "pool": 2}
    pre = described["preprocess"]
    assert pre["input_size"] == [96, 96] and pre["interpolation"] == "bicubic" and pre["mean"] == [0.5, 0.5, 0.5]
    # the file alone classifies like the checkpoint: same names, same top-1 on the real digit images
    files = sorted(DIGITS.rglob("*.png"))[:20]
    onnx_clf = open_predictor(result.path, "cpu")
    torch_clf = Classifier(load_model(taught_on_stage2), device="cpu", precision="fp32")
    assert onnx_clf.label_names == torch_clf.label_names
    ours = [p.indices[0] for p in torch_clf.classify_files(files, k=1)]
    assert [p.indices[0] for p in onnx_clf.classify_files(files, k=1)] == ours


def test_a_fixed_batch_file_classifies_any_number_of_images(tmp_path):
    loaded = small_model("coatnet_nano_rw_224")
    result = export_onnx(loaded, tmp_path / "b2.onnx", batch=2)
    clf = open_predictor(result.path, "cpu")
    assert clf.fixed_batch == 2
    batch = torch.randn(3, 3, SIDE, SIDE)  # three images: two runs, the last one padded
    with torch.no_grad():
        expected = loaded.net(batch).softmax(-1)
    assert torch.allclose(torch.from_numpy(clf.probabilities(batch.numpy())), expected, atol=1e-5)


def test_an_existing_file_is_refused_unless_forced(tmp_path):
    loaded = small_model("coatnet_nano_rw_224")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"mine")
    with pytest.raises(ExportError, match="exists; add --force"):
        export_onnx(loaded, out)
    assert out.read_bytes() == b"mine" and not sidecar_path(out).exists()
    sidecar_path(tmp_path / "n.onnx").write_text("mine too")
    with pytest.raises(ExportError, match=r"n\.onnx\.json exists"):
        export_onnx(loaded, tmp_path / "n.onnx")
    assert not (tmp_path / "n.onnx").exists()
    export_onnx(loaded, out, force=True)
    assert onnx.load(str(out)).graph.input[0].name == "pixels"


@pytest.mark.parametrize("opset", [13, 16, 21])
def test_an_unsupported_opset_is_refused_before_any_work(opset, tmp_path):
    with pytest.raises(ExportError, match=f"opset {opset} is not supported: choose 17 to 20"):
        export_onnx(small_model("coatnet_nano_rw_224"), tmp_path / "m.onnx", opset=opset)
    assert list(tmp_path.iterdir()) == []


def test_a_model_that_cannot_be_exported_leaves_nothing(tmp_path, monkeypatch):
    # a network its input size does not fit (its stated preprocessing is another size than its attention grids)
    loaded = small_model("coatnet_nano_rw_224")
    loaded.info.preprocess = PreprocessCfg(input_size=(48, 48))
    with pytest.raises(ExportError, match="could not be exported to ONNX: ") as caught:
        export_onnx(loaded, tmp_path / "m.onnx")
    assert "\n" not in str(caught.value)
    # weights over the 2 GiB one ONNX file holds (the limit lowered: coatnet_5 would take minutes to build)
    monkeypatch.setattr(onnx_export, "_PROTO_LIMIT", 1000)
    with pytest.raises(ExportError, match="more than one ONNX file holds"):
        export_onnx(small_model("coatnet_nano_rw_224"), tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
