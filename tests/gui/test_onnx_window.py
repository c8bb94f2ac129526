"""The window opens an exported .onnx file (Model ▸ Open) for predictions through onnxruntime: the top-5 shows, the
overlay controls and checks are disabled under a plain note that maps need the PyTorch checkpoint, nothing fails;
opening the checkpoint again brings the maps back."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.export.onnx_export import export_onnx
from model.runtime.inference import Classifier
from model.runtime.onnx_runtime import MAPS_NEED_CHECKPOINT
from model.weights.loading import load_model
from tests.gui.gui_helpers import TIMEOUT_MS, open_window


@pytest.fixture
def exported(small_model_dir: Path, tmp_path: Path) -> Path:
    return export_onnx(load_model(small_model_dir), tmp_path / "small.onnx").path


def test_the_window_predicts_with_an_onnx_file_and_says_maps_need_the_checkpoint(
    qtbot, settings, exported, sample, small_model_dir, monkeypatch
):
    window = open_window(qtbot, settings)
    tab = window.image_tab
    asked = []
    monkeypatch.setattr(window.dialogs, "open_file", lambda *args: asked.append(args[2]) or str(exported))
    window.opener.choose_checkpoint()  # Model ▸ Open checkpoint…
    assert "*.onnx" in asked[0]
    qtbot.waitUntil(lambda: window.session.classifier.runtime == "onnxruntime", timeout=TIMEOUT_MS)
    assert tab.maps_note.isVisibleTo(window) and tab.maps_note.text() == MAPS_NEED_CHECKPOINT
    assert not tab.controls.isEnabled() and not tab.checks.isEnabled()

    window.open_path(str(sample))
    qtbot.waitUntil(lambda: tab.prediction.prediction is not None, timeout=TIMEOUT_MS)
    shown = tab.prediction.prediction
    reference = Classifier(load_model(small_model_dir), device="cpu", precision="fp32").classify_files([sample])[0]
    assert shown.labels[0] == reference.labels[0] and shown.model == "small.onnx"
    qtbot.wait(200)  # let any queued job finish: no explanation, no overlay, no error
    assert window.session.explanation is None and window.result is None
    assert window.banner.kind != "error", window.banner.text()

    window.load_model(str(small_model_dir))  # the PyTorch checkpoint again: maps are back
    qtbot.waitUntil(lambda: window.session.explanation is not None, timeout=TIMEOUT_MS)
    assert not tab.maps_note.isVisibleTo(window) and tab.controls.isEnabled() and tab.checks.isEnabled()
    qtbot.waitUntil(lambda: window.result is not None, timeout=TIMEOUT_MS)
