"""A soak of the real window: thousands of hover moves, hundreds of overlay switches and a batch run.

Users hit ``Fatal Python error: none_dealloc`` after about 50 s of hovering (a Qt binding leaking references to
None); this drives the same paths many times over and checks that the process is still whole and that None's
reference count has not drifted down.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
from gui_helpers import TIMEOUT_MS, choose, settle, show
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

HOVER_MOVES = 3000
OVERLAY_SWITCHES = 200
BATCH_IMAGES = 60


def hover(view, x: float, y: float) -> None:
    event = QMouseEvent(
        QMouseEvent.Type.MouseMove,
        QPointF(x, y),
        QPointF(x, y),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(view, event)


def test_hover_switch_and_batch_soak_keeps_the_window_alive(qtbot, window, sample, tmp_path: Path):
    show(qtbot, window, sample)
    none_before = sys.getrefcount(None)
    view, controls = window.image_tab.view, window.image_tab.controls
    hovered: list[str] = []
    view.hovered.connect(hovered.append)
    width, height = view.width(), view.height()
    for i in range(HOVER_MOVES):
        hover(view, (i * 37) % width, (i * 53) % height)
        if i % 50 == 0:
            view.repaint()
            QApplication.processEvents()
    assert len(hovered) == HOVER_MOVES and any("at token" in text for text in hovered)

    choices = itertools.cycle(
        [
            (controls.kind_box, "attention", controls.mode_box, "query"),
            (controls.kind_box, "attention", controls.mode_box, "rollout"),
            (controls.kind_box, "attention", controls.mode_box, "split"),
            (controls.kind_box, "activation", controls.mode_box, "mean"),
            (controls.kind_box, "activation", controls.mode_box, "strongest"),
            (controls.kind_box, "gradcam", None, None),
        ]
    )
    for _ in range(OVERLAY_SWITCHES):
        kind_box, kind, mode_box, mode = next(choices)
        choose(kind_box, kind)
        if mode_box is not None:
            choose(mode_box, mode)
        QApplication.processEvents()
    settle(qtbot, window)
    assert np.isfinite(window.result.panels[0].image).all()

    folder = tmp_path / "soak"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(BATCH_IMAGES):
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / f"{i:03d}.png")
    with qtbot.waitSignal(window.batch.run_finished, timeout=TIMEOUT_MS * 4):
        window.open_folder(str(folder))
    assert window.batch.table_model.rowCount() == BATCH_IMAGES
    window.batch.stop()

    drift = none_before - sys.getrefcount(None)
    assert drift < 500, f"None lost {drift} references during the soak: a leaking Qt binding"
