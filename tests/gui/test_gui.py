"""The real main window, offscreen: drops, clicks, overlays, failures, model switches, saving, responsiveness."""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gui_helpers import TIMEOUT_MS, choose, drop, drop_files, open_window, settle, show
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QGuiApplication, QImage

from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.image import session as session_module
from coatnet_gui.overlay.geometry import Box, crop_box
from model.data.pixels import PreprocessCfg
from model.data.transform import preprocess
from model.explain.introspect import token_index
from model.runtime.inference import Classifier
from model.weights.loading import load_model

# --- tests ---------------------------------------------------------------------------------------------------


def test_dropped_sample_shows_the_models_top5_and_names_model_and_labels(qtbot, window, sample, small_model_dir):
    show(qtbot, window, sample)
    expected = Classifier(load_model(small_model_dir), device="cpu").classify_files([sample])[0]
    bars = [b for b in window.image_tab.prediction.bars if not b.isHidden()]
    assert [b.label for b in bars] == expected.labels
    np.testing.assert_allclose([b.probability for b in bars], expected.probs, atol=1e-4)
    info = window.session.classifier.info
    assert info.name in window.windowTitle() and info.label_set in window.windowTitle()
    assert info.label_set in window.image_tab.prediction.labels_label.text()
    assert "ms" in window.image_tab.prediction.timing_label.text()


def test_click_gives_the_query_tokens_attention_row_and_needs_no_forward_pass(qtbot, window, sample):
    show(qtbot, window, sample)
    controls, view = window.image_tab.controls, window.image_tab.view
    explanation = window.session.explanation
    forwards = []
    window.session.classifier.net.register_forward_hook(lambda *_: forwards.append(1))
    block = [b for b in explanation.blocks if b.kind == "transformer"][0]
    choose(controls.kind_box, "attention")
    choose(controls.block_box, block.name)
    choose(controls.mode_box, "received")  # a click switches it to "from the query point"
    choose(controls.head_box, 1)
    settle(qtbot, window)
    view.repaint()
    cell = view._layout.cells[0]
    x, y = cell.point(0.3, 0.7)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    settle(qtbot, window)

    result = window.result
    assert result.spec.attention_mode == "query"
    assert result.spec.query == pytest.approx((0.3, 0.7), abs=2 / cell.width)
    record = explanation.captured.attention[block.name]
    token = token_index(record, result.spec.query)
    row = record.probs[0, 1, token].detach().float().view(record.grid)
    box = window.session.view_box()
    assert result.panels[0].image.shape == (round(box.height), round(box.width))
    expected = F.interpolate(row[None, None], size=result.panels[0].image.shape, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(result.panels[0].image, expected[0, 0].numpy(), atol=1e-6)
    cols = block.grid[1]
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the arrow keys move the query by one token
    settle(qtbot, window)
    assert token_index(record, window.result.spec.query) == token + 1 or (token + 1) % cols == 0
    assert forwards == [], "switching block, head and query must not run the network again"


def test_every_overlay_mode_gives_a_finite_map_in_range(qtbot, window, sample):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    forwards = []
    window.session.classifier.net.register_forward_hook(lambda *_: forwards.append(1))
    box = window.session.view_box()
    size = (round(box.height), round(box.width))

    def check(panels: int, lo: float | None = 0.0, hi: float | None = 1.0) -> None:
        settle(qtbot, window)
        result = window.result
        assert len(result.panels) == panels, result.caption
        for panel in result.panels:
            assert np.isfinite(panel.image).all() and np.isfinite(panel.grid).all(), result.caption
            if panels == 1:
                assert panel.image.shape == size, result.caption
            if lo is not None:
                assert panel.image.min() >= lo - 1e-6 and panel.image.max() <= hi + 1e-6, result.caption

    choose(controls.kind_box, "attention")
    choose(controls.head_box, "mean")
    for mode in ("received", "rollout", "rollout_query", "content", "position", "query"):
        choose(controls.mode_box, mode)
        check(1)
    heads = window.result.block.heads
    choose(controls.mode_box, "split")
    check(3)
    choose(controls.head_box, "all")
    check(3 * heads)
    choose(controls.mode_box, "bias")
    check(heads, lo=None)
    shares = window.result.head_shares
    assert len(shares) == heads and all(0.0 <= s <= 1.0 for s in shares)

    choose(controls.kind_box, "activation")
    for block in [b for b in window.session.explanation.blocks if b.kind in ("stem", "mbconv")][:2]:
        choose(controls.block_box, block.name)
        choose(controls.mode_box, "mean")
        check(1, lo=0.0, hi=float("inf"))
    choose(controls.mode_box, "channel")
    controls.channel_box.setValue(3)
    check(1, lo=None)
    choose(controls.mode_box, "strongest")
    check(16, lo=None)
    assert forwards == []

    choose(controls.kind_box, "gradcam")
    check(1)
    third = window.image_tab.prediction.bars[2]
    qtbot.mouseClick(third, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.result.spec.class_index == third.class_index and third.isChecked()
    check(1)
    assert forwards == [], "Grad-CAM for another class is a backward pass, not a forward pass"


def test_corrupt_file_shows_an_error_and_the_window_stays_usable(qtbot, window, sample, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    drop_files(window, bad)
    qtbot.waitUntil(lambda: window.banner.text() != "", timeout=TIMEOUT_MS)
    assert window.banner.kind == "error" and window.banner.isVisible()
    assert "broken.jpg" in window.banner.text() or "image" in window.banner.text().lower()
    show(qtbot, window, sample)
    assert not window.banner.isVisible()
    assert window.image_tab.prediction.prediction is not None


def test_switching_models_relabels_and_reclassifies(qtbot, window, sample, second_model_dir):
    show(qtbot, window, sample)
    first = window.session.classifier
    window.load_model(str(second_model_dir))
    qtbot.waitUntil(lambda: window.session.classifier is not first, timeout=TIMEOUT_MS)
    settle(qtbot, window)
    info = window.session.classifier.info
    assert info.label_set == "custom (10 classes)"
    assert info.label_set in window.windowTitle() and second_model_dir.name in window.windowTitle()
    qtbot.waitUntil(lambda: window.image_tab.prediction.prediction is not None, timeout=TIMEOUT_MS)
    assert all(b.label in info.label_names for b in window.image_tab.prediction.bars if not b.isHidden())
    assert window.settings.model == str(second_model_dir)

    window.load_model(str(sample))  # not a checkpoint: the error is shown and the second model stays
    qtbot.waitUntil(lambda: window.banner.text() != "", timeout=TIMEOUT_MS)
    assert window.session.classifier.info is info


def test_a_last_model_that_no_longer_loads_falls_back_to_the_bundled_one(qtbot, settings, tmp_path):
    """A remembered checkpoint that has gone away is named in the banner and the bundled model is used."""
    settings.model = str(tmp_path / "deleted.safetensors")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.session.classifier is not None, timeout=TIMEOUT_MS)
    assert window.session.model_source == "bundled"
    assert "deleted.safetensors" in window.banner.text() and "bundled model instead" in window.banner.text()
    assert "(bundled)" in window.model_status.text()


def test_save_view_png_at_image_size_raw_map_and_clipboard(qtbot, window, sample, tmp_path):
    show(qtbot, window, sample)
    png, npy = tmp_path / "view.png", tmp_path / "map.npy"
    window.save_view(str(png))  # written by a worker; the status bar says when
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Saved the view"), timeout=TIMEOUT_MS)
    with Image.open(sample) as original, Image.open(png) as saved:
        assert saved.width == original.width and saved.height > original.height  # the colour bar's strip below
    window.save_map(str(npy))
    assert np.load(npy).shape == window.result.block.grid
    window.copy_view()
    copied, shown = QGuiApplication.clipboard().image(), window.session.image.qimage
    assert copied.width() == shown.width() and copied.height() > shown.height()


def test_event_loop_turns_during_model_load_and_inference(qtbot, window, sample, second_model_dir, monkeypatch):
    threads: list[bool] = []
    real_load, real_explain = session_module.open_predictor, Classifier.explain

    def slow_load(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        time.sleep(0.4)
        return real_load(*args, **kwargs)

    def slow_explain(self, image):
        threads.append(threading.current_thread() is threading.main_thread())
        time.sleep(0.4)
        return real_explain(self, image)

    monkeypatch.setattr(session_module, "open_predictor", slow_load)
    monkeypatch.setattr(Classifier, "explain", slow_explain)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)

    with qtbot.waitSignal(window.session.model_ready, timeout=TIMEOUT_MS):
        window.load_model(str(second_model_dir))
    during_load = len(ticks)
    with qtbot.waitSignal(window.session.explanation_ready, timeout=TIMEOUT_MS):
        drop_files(window, sample)
    timer.stop()
    assert threads == [False, False], "load and inference must run off the GUI thread"
    assert during_load >= 10 and len(ticks) - during_load >= 10


def test_browser_image_paste_folder_and_filmstrip(qtbot, window, sample, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/pictures/boot.png")])
    mime.setData("image/png", sample.read_bytes())
    drop(window, mime)
    qtbot.waitUntil(lambda: window.session.image is not None, timeout=TIMEOUT_MS)
    assert window.session.image.source.name == "boot.png"

    QGuiApplication.clipboard().setImage(QImage(str(sample)))
    window.paste()
    qtbot.waitUntil(lambda: window.session.image.source.name == "pasted image", timeout=TIMEOUT_MS)

    other = tmp_path / "other.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(other)
    drop_files(window, sample, other)
    strip = window.image_tab.filmstrip
    assert strip.isVisible() and strip.count() >= 2
    qtbot.waitUntil(lambda: window.session.image.source.path == str(sample), timeout=TIMEOUT_MS)
    strip.step(1)
    qtbot.waitUntil(lambda: window.session.image.source.path == str(other), timeout=TIMEOUT_MS)
    assert window.settings.recent[:2] == [str(other), str(sample)]

    folder = tmp_path / "folder"
    folder.mkdir()
    drop_files(window, folder)
    assert window.tabs.currentWidget() is window.batch


def test_settings_persist_overlay_choices_and_geometry(qtbot, settings, sample):
    window = open_window(qtbot, settings)
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    choose(controls.kind_box, "activation")
    choose(controls.mode_box, "strongest")
    choose(controls.cmap_box, "viridis")
    controls.opacity_slider.setValue(35)
    settle(qtbot, window)
    window.resize(780, 560)
    window.close()

    again = open_window(qtbot, settings, size=None)
    spec = again.image_tab.controls.spec()
    assert (spec.kind, spec.activation_mode) == ("activation", "strongest")
    assert again.image_tab.controls.colormap() == "viridis" and again.image_tab.controls.opacity() == 0.35
    assert (again.width(), again.height()) == (780, 560)


@pytest.mark.parametrize(
    ("size", "crop_pct", "mode"),
    [
        ((300, 200), 0.875, "center"),
        ((200, 300), 0.875, "center"),
        ((300, 200), 1.0, "squash"),
        ((96, 96), 1.0, "center"),
    ],
)
def test_crop_box_matches_what_preprocessing_keeps(size, crop_pct, mode):
    """A white square drawn into the image lands where :func:`crop_box` says, in the preprocessed tensor."""
    width, height = size
    image = np.zeros((height, width, 3), dtype=np.uint8)
    cx, cy = int(width * 0.6), int(height * 0.4)
    image[cy - 5 : cy + 5, cx - 5 : cx + 5] = 255
    cfg = {
        "input_size": [3, 96, 96],
        "interpolation": "bicubic",
        "mean": [0.0] * 3,
        "std": [1.0] * 3,
        "crop_pct": crop_pct,
        "crop_mode": mode,
    }
    tensor = preprocess(Image.fromarray(image), PreprocessCfg.from_pretrained_cfg(cfg))
    weights = tensor[0].clamp_min(0)
    ys, xs = torch.meshgrid(torch.arange(96.0), torch.arange(96.0), indexing="ij")
    found = (float((weights * xs).sum() / weights.sum()) + 0.5, float((weights * ys).sum() / weights.sum()) + 0.5)
    box = crop_box(size, 96, crop_pct, mode)
    fy, fx = box.fraction(cx, cy)
    assert found == pytest.approx((fx * 96, fy * 96), abs=1.0)
    if mode == "squash" or size[0] == size[1]:
        assert box.width == pytest.approx(width) and box.height == pytest.approx(height)


def test_box_fractions_round_trip():
    box = Box(10, 20, 100, 50)
    assert box.fraction(*box.point(0.25, 0.75)) == pytest.approx((0.25, 0.75))
    assert box.fraction(0, 0) == (0.0, 0.0) and box.fraction(1000, 1000) == (1.0, 1.0)
    assert crop_box((96, 96), 96) == Box(0, 0, 96, 96)


def test_garbage_is_collected_on_the_gui_thread_only(qtbot, window):
    """With worker threads about, automatic collection is off and the window's timer frees cycles instead,
    on the GUI thread (a cycle freed in a worker thread destroys Qt objects off their thread and crashes)."""
    import gc
    import threading
    import weakref

    assert not gc.isenabled()
    freed_in: list[str] = []

    class Node:
        pass

    for _ in range(3):
        a, b = Node(), Node()
        a.other, b.other = b, a
        weakref.finalize(a, lambda: freed_in.append(threading.current_thread().name))
        del a, b
    allocated = [Node() for _ in range(gc.get_threshold()[0] * 2)]  # enough to have triggered a collection
    qtbot.waitUntil(lambda: len(freed_in) == 3, timeout=TIMEOUT_MS)
    assert len(allocated) > gc.get_threshold()[0]
    assert set(freed_in) == {threading.main_thread().name}
