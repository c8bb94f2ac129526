"""Exporting in a child process (model.export.apart), as the Live tab's fast pass does so that the exporter's
long GIL holds cannot freeze the window: the child rebuilds the network from its weights and JSON config (no
pickle) and writes the same export the in-process exporter writes — the same logits in onnxruntime, for a
standard architecture and for a taught one whose head reads an inner stage, and the same description. A failing
child is one line and leaves nothing behind."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import onnxruntime as ort
import pytest
import torch

from model.data.pixels import PreprocessCfg
from model.export import onnx_export
from model.export.apart import export_apart
from model.export.metadata import sidecar_path
from model.export.onnx_export import ExportError, export_onnx
from model.net.coatnet import CoAtNet
from model.net.config import CoAtNetCfg, get_config, head_on_stage
from model.runtime import exported
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel

SIDE, CLASSES = 32, 5


def small(taught: bool) -> LoadedModel:
    """coatnet_nano_rw_224's architecture at 32 px with random weights; ``taught``: its head on stage 2, pooled 2x2."""
    cfg = replace(get_config("coatnet_nano_rw_224"), img_size=SIDE, depths=(1, 1, 1, 1), num_classes=CLASSES)
    if taught:
        cfg = head_on_stage(cfg, 2, CLASSES)
    torch.manual_seed(3)
    net = CoAtNet(cfg, name="coatnet_nano_rw_224", head_pool=2 if taught else 1).eval()
    names = [f"kind {i}" for i in range(CLASSES)]
    info = ModelInfo(
        "mine", "coatnet_nano_rw_224", "file", "here", CLASSES, names, "custom", PreprocessCfg((SIDE, SIDE))
    )
    return LoadedModel(net, info)


def logits(path, batch: torch.Tensor) -> np.ndarray:
    """Return onnxruntime's logits of the export at ``path`` for ``batch``."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["logits"], {"pixels": batch.numpy()})[0]


def test_the_config_survives_json():
    cfg = head_on_stage(get_config("coatnet_rmlp_1_rw_224"), 3, 7)
    assert CoAtNetCfg.from_json(json.loads(json.dumps(cfg.as_json()))) == cfg


@pytest.mark.parametrize("taught", [False, True], ids=["standard", "taught head on stage 2"])
def test_the_child_writes_what_the_exporter_writes_here(taught, tmp_path):
    loaded = small(taught)
    export_apart(loaded, tmp_path / "apart.onnx")
    export_onnx(loaded, tmp_path / "here.onnx")
    batch = torch.randn(3, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        eager = loaded.net(batch).numpy()
    assert np.abs(logits(tmp_path / "apart.onnx", batch) - eager).max() <= 1e-4
    assert np.array_equal(logits(tmp_path / "apart.onnx", batch), logits(tmp_path / "here.onnx", batch))
    apart, here = (json.loads(sidecar_path(tmp_path / f"{n}.onnx").read_text()) for n in ("apart", "here"))
    assert {k: v for k, v in apart.items() if k != "exported"} == {k: v for k, v in here.items() if k != "exported"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "apart.onnx",
        "apart.onnx.json",
        "here.onnx",
        "here.onnx.json",
    ]


def test_a_failing_child_says_why_in_one_line_and_leaves_nothing(tmp_path):
    loaded = small(False)
    loaded.info.preprocess = PreprocessCfg((2, 2))  # an input too small for the network's strides
    with pytest.raises(ExportError, match="could not be exported to ONNX") as caught:
        export_apart(loaded, tmp_path / "m.onnx")
    assert "\n" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_the_fast_pass_export_runs_in_another_process(tmp_path, monkeypatch):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))

    def not_here(*args, **kw):
        raise AssertionError("exported in the window's process")

    monkeypatch.setattr(onnx_export, "export_onnx", not_here)  # the child has its own, unpatched
    monkeypatch.setattr(exported, "copy", None)  # nor is the network copied here
    loaded = small(False)
    path = exported.cached_export(loaded, apart=True)
    assert path.is_file() and sidecar_path(path).is_file()
    assert (
        np.abs(
            logits(path, torch.zeros(1, 3, SIDE, SIDE)) - loaded.net(torch.zeros(1, 3, SIDE, SIDE)).detach().numpy()
        ).max()
        <= 1e-4
    )
