"""The Image tab on the real window, offscreen: unreadable files, the Grad-CAM class across models, recent files,
a folder given before the model is ready, the hover value under a still cursor, saving (off the GUI thread, named
after what it shows, with a description of raw maps) and what is kept from one image to the next."""

from __future__ import annotations

import gc
import io
import json
import os
import threading
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
from gui_helpers import TIMEOUT_MS, choose, drop_files, settle, show
from PIL import Image
from PySide6.QtCore import QPoint, Qt

from coatnet_gui.app.launch import open_arguments
from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.image import session as session_module
from coatnet_gui.image.sources import ImageSource


def _truncated_jpeg(path):
    """Write the first third of a real JPEG to ``path``."""
    encoded = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(encoded, "JPEG")
    path.write_bytes(encoded.getvalue()[: len(encoded.getvalue()) // 3])
    return path


def _png(path, size=(64, 48), colour=(30, 120, 200)):
    Image.new("RGB", size, colour).save(path)
    return path


def test_an_unreadable_file_replaces_the_view_with_its_error(qtbot, window, sample, tmp_path):
    show(qtbot, window, sample)
    bad = _truncated_jpeg(tmp_path / "truncated.jpg")
    drop_files(window, bad)
    qtbot.waitUntil(lambda: window.failed_source is not None, timeout=TIMEOUT_MS)
    view, tab = window.image_tab.view, window.image_tab
    assert view.state is None and "truncated.jpg" in view.error and "truncated" in view.error.split("\n", 2)[-1]
    assert tab.prediction.prediction is None and window.result is None and window.session.image is None
    assert "truncated.jpg (could not be opened)" in window.windowTitle() and sample.name not in window.windowTitle()
    assert window.banner.kind == "error" and "truncated.jpg" in window.banner.text()
    assert tab.filmstrip.failed_reason(ImageSource.file(bad)) != ""
    assert str(bad) not in window.settings.recent and str(sample) in window.settings.recent
    qtbot.waitUntil(lambda: window.working_label.text() == "", timeout=TIMEOUT_MS)

    # a failing file among several: marked in the strip while the first one shows
    other_bad = _truncated_jpeg(tmp_path / "also_truncated.jpg")
    drop_files(window, sample, other_bad)
    qtbot.waitUntil(lambda: tab.filmstrip.failed_reason(ImageSource.file(other_bad)) != "", timeout=TIMEOUT_MS)
    settle(qtbot, window)
    assert view.state is not None and view.error == "" and window.session.image.source.path == str(sample)
    assert str(other_bad) not in window.settings.recent
    qtbot.waitUntil(lambda: window.working_label.text() == "", timeout=TIMEOUT_MS)


def test_the_grad_cam_class_resets_to_the_top_class_when_the_model_changes(qtbot, window, sample, second_model_dir):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    controls.set_class(2)
    settle(qtbot, window)
    assert window.result.spec.class_index == 2
    first = window.session.classifier
    window.load_model(str(second_model_dir))
    qtbot.waitUntil(lambda: window.session.classifier is not first, timeout=TIMEOUT_MS)
    settle(qtbot, window)
    assert controls.spec().kind == "gradcam" and controls.spec().class_index is None
    assert window.result.spec.class_index is None


def test_recent_files_are_absolute_and_missing_ones_are_disabled(qtbot, window, tmp_path, monkeypatch):
    _png(tmp_path / "relative.png")
    monkeypatch.chdir(tmp_path)
    window.open_path("relative.png")
    qtbot.waitUntil(lambda: window.session.image is not None, timeout=TIMEOUT_MS)
    absolute = str(tmp_path / "relative.png")
    assert window.settings.recent[0] == absolute
    window.settings.store.setValue("files/recent", [absolute, "gone.png", str(tmp_path / "deleted.png")])
    window.recent_menu.aboutToShow.emit()
    actions = {a.text(): a.isEnabled() for a in window.recent_menu.actions() if a.text()}
    assert actions[absolute] is True
    assert actions["gone.png (not found)"] is False
    assert actions[f"{tmp_path / 'deleted.png'} (not found)"] is False


def test_a_folder_given_before_the_model_is_ready_is_labelled_once_it_is(qtbot, settings, tmp_path):
    folder = tmp_path / "photos"
    (folder / "holiday").mkdir(parents=True)
    (folder / "empty").mkdir()
    for name in ("a.png", "b.png"):
        _png(folder / name)
    _png(folder / "holiday" / "c.png")
    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    assert window.session.classifier is None
    with qtbot.waitSignal(window.batch.run_finished, timeout=TIMEOUT_MS):
        open_arguments(window, [str(folder)])
    assert window.tabs.currentWidget() is window.batch
    assert len(window.batch.table_model.rows) == 2  # sub-folders are off...
    hint = "1 sub-folder of photos with images not included — tick Include sub-folders"
    qtbot.waitUntil(lambda: hint in window.statusBar().currentMessage(), timeout=TIMEOUT_MS)  # ...and it says so
    assert window.batch.recursive_box.toolTip() == hint


def test_the_hover_text_follows_a_new_overlay_under_a_still_cursor(qtbot, window, sample):
    show(qtbot, window, sample)
    controls, view = window.image_tab.controls, window.image_tab.view
    choose(controls.kind_box, "attention")
    choose(controls.mode_box, "query")
    settle(qtbot, window)
    view.repaint()
    cell = view._layout.cells[0]
    texts: list[str] = []
    view.hovered.connect(texts.append)
    x, y = cell.point(0.2, 0.2)
    qtbot.mouseMove(view, QPoint(round(x), round(y)))
    qtbot.waitUntil(lambda: bool(texts), timeout=TIMEOUT_MS)
    x, y = cell.point(0.8, 0.6)
    before = window.result
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    settle(qtbot, window)
    assert window.result is not before
    fy, fx = cell.fraction(round(x), round(y))
    value, row, column = window.result.value_at(0, fy, fx)
    assert texts[-1].startswith(window.result.panels[0].title)
    assert f"{value:.4g} at token ({row}, {column})" in texts[-1]
    assert window.image_tab.hover.text() == texts[-1]


def test_save_view_runs_in_a_worker_and_reports_in_the_status_bar(qtbot, window, sample, tmp_path, monkeypatch):
    show(qtbot, window, sample)
    threads: list[bool] = []
    real = session_module.render_view

    def watched(state):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(state)

    monkeypatch.setattr(session_module, "render_view", watched)
    out = tmp_path / "out"
    out.mkdir()
    png = out / "view.png"
    window.save_view(str(png))
    assert window.statusBar().currentMessage() == "Saving view.png…"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == f"Saved the view to {png}", timeout=TIMEOUT_MS)
    assert threads == [False]
    with Image.open(png) as saved:
        width, height = window.session.image.image.size
        assert saved.format == "PNG" and saved.width == width and saved.height > height  # the colour bar's strip
    assert sorted(p.name for p in out.iterdir()) == ["view.png"]  # no temp file left behind

    window.save_view(str(tmp_path / "no such folder" / "view.png"))
    qtbot.waitUntil(lambda: window.banner.kind == "error", timeout=TIMEOUT_MS)
    assert "no such folder" in window.banner.text() or "No such file" in window.banner.text()
    qtbot.waitUntil(lambda: window.working_label.text() == "", timeout=TIMEOUT_MS)


def test_saved_files_are_named_and_described_by_what_they_show(qtbot, window, sample, tmp_path):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    block = [b for b in window.session.explanation.blocks if b.kind == "transformer"][0]
    choose(controls.kind_box, "attention")
    choose(controls.block_box, block.name)
    choose(controls.mode_box, "query")
    choose(controls.head_box, 1)
    settle(qtbot, window)
    label = f"S{block.stage}.{block.index}"  # as the block menu names it, not the module path
    assert window.suggested_name(".png") == f"{sample.stem}_{label}_query_head1.png"

    controls.set_class(3)
    settle(qtbot, window)
    npy = tmp_path / "map.npy"
    window.save_map(str(npy))
    array = np.load(npy)
    meta = json.loads((tmp_path / "map.npy.json").read_text())
    labels = window.session.classifier.label_names
    assert window.suggested_name(".npy").endswith("_gradcam_class3.npy")
    assert meta["file"] == "map.npy" and meta["image"] == str(sample)
    assert meta["model"] == window.session.classifier.info.name
    assert (meta["kind"], meta["block"]) == ("gradcam", window.result.block.name)
    assert meta["mode"] is None and meta["head"] is None
    assert (meta["class_index"], meta["class_name"]) == (3, labels[3])
    assert meta["grid"] == list(window.result.block.grid) and meta["shape"] == list(array.shape)
    assert meta["dtype"] == str(array.dtype) and meta["unit"] == window.result.unit
    assert meta["range"] == [float(array.min()), float(array.max())]


def test_the_previous_images_explanation_is_let_go(qtbot, window, sample, tmp_path):
    """Only the shown image's explanation (with its autograd graph) stays alive, not the ones before it."""
    earlier = []
    for i in range(6):
        show(qtbot, window, _png(tmp_path / f"image{i}.png", (60 + 10 * i, 60), (40 * i, 90, 160)))
        earlier.append(weakref.ref(window.session.explanation))
    gc.collect()
    assert [ref() is None for ref in earlier[:-1]] == [True] * 5
