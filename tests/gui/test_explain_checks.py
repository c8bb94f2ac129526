"""Explanations a user can check, clicked through in the real window (offscreen, bundled model): "why A and not B"
from a Ctrl-click on a prediction bar, the faithfulness curve and the ranked table of every map, the head chart,
and the explanation sheet."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from gui_helpers import TIMEOUT_MS, settle, show
from PySide6.QtCore import Qt


def test_ctrl_click_on_a_second_class_shows_why_a_and_not_b(qtbot, window, sample, tmp_path):
    show(qtbot, window, sample)
    tab = window.image_tab
    panel, controls = tab.prediction, tab.controls
    qtbot.waitUntil(lambda: panel.prediction is not None, timeout=TIMEOUT_MS)
    a, b = panel.prediction.indices[0], panel.prediction.indices[1]
    labels = window.session.classifier.label_names
    qtbot.mouseClick(panel.bars[1], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    spec = window.result.spec
    assert (spec.kind, spec.class_index, spec.versus) == ("gradcam", None, b)
    assert window.result.unit == f"Grad-CAM {labels[a]} vs {labels[b]}"
    assert f"“{labels[a]}” vs “{labels[b]}”" in controls.caption.text()
    assert panel.bars[1].versus and not panel.bars[0].versus and panel.bars[0].isChecked()
    assert controls.versus_box.currentIndex() == b and controls.clear_versus_button.isEnabled()
    explanation = window.session.explanation
    expected = explanation.grad_cam(a, window.result.block.name, versus=b).numpy()
    assert abs(window.result.panels[0].grid - expected).max() < 1e-6

    # saved files say "A vs B": the raw map's name and description
    name = window.suggested_name(".npy")
    assert name.endswith(f"_gradcam_vs_class{b}.npy")
    window.save_map(str(tmp_path / name))
    meta = json.loads((tmp_path / f"{name}.json").read_text())
    assert (meta["class_index"], meta["versus_index"], meta["versus_name"]) == (a, b, labels[b])

    # a plain click keeps B; Clear goes back to plain Grad-CAM, and so does Ctrl-clicking B again
    qtbot.mouseClick(controls.clear_versus_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.result.spec.versus is None and window.result.unit == "Grad-CAM"
    assert not any(bar.versus for bar in panel.bars) and controls.versus_box.currentText() == ""
    qtbot.mouseClick(panel.bars[2], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus == panel.prediction.indices[2]
    qtbot.mouseClick(panel.bars[2], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus is None
    # class A itself is no class B
    qtbot.mouseClick(panel.bars[0], Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.result.spec.versus is None
    assert window.settings.overlay.versus is None  # B is not remembered for the next start, like the class
