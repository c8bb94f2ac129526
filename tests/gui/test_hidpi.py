"""HiDPI: the real window at 2x scale (QT_SCALE_FACTOR=2, in a process of its own: the factor must be set before the
QApplication exists) draws the query crosshair at the centre of the query token in device pixels, as at 1x;
thumbnails carry the screen's device pixel ratio; ``--self-test`` passes at 2x."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from gui_helpers import TIMEOUT_MS
from hidpi_probe import crosshair, locate_crosshair
from PIL import Image
from PySide6.QtGui import QImage

from coatnet_gui.image.sources import THUMBNAIL_SIDE, ImageSource, read_image
from coatnet_gui.qimage import device_pixmap

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("hidpi_probe.py")


@pytest.fixture
def black_png(tmp_path: Path) -> Path:
    """A black 96 px image: the white crosshair is the only white in a grab of the view."""
    path = tmp_path / "black.png"
    Image.new("L", (96, 96)).save(path)
    return path


def _env(tmp_path: Path, scale: str) -> dict[str, str]:
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        QT_SCALE_FACTOR=scale,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        COATNET_LENS_DATA=str(tmp_path / "data"),
    )


def _assert_centred(found: dict, ratio: float) -> None:
    assert found["ratio"] == ratio and found["found"], found
    left, top, width, height = (v * ratio for v in found["token"])
    box = found["box"]  # the token's outline, in device pixels
    assert abs(box[0] - left) <= 2 * ratio and abs(box[2] - (left + width)) <= 2 * ratio, found
    assert abs(box[1] - top) <= 2 * ratio and abs(box[3] - (top + height)) <= 2 * ratio, found
    (cx, cy), (ex, ey) = found["centre"], found["expected"]
    assert abs(cx - ex) <= 1.5 and abs(cy - ey) <= 1.5, f"crosshair at {(cx, cy)}, token centre {(ex, ey)}"


@pytest.fixture(scope="module")
def at_1x() -> dict:
    """The probe's result in this process (1x), kept for the 2x run to compare with."""
    return {}


def test_crosshair_is_at_the_query_token_centre_at_1x(qtbot, window, black_png, at_1x):
    window.open_path(str(black_png))
    qtbot.waitUntil(lambda: window.result is not None, timeout=TIMEOUT_MS)
    found = crosshair(window, lambda c: qtbot.waitUntil(c, timeout=TIMEOUT_MS))
    _assert_centred(found, 1.0)
    at_1x.update(found)


def test_crosshair_is_at_the_query_token_centre_at_2x(tmp_path, small_model_dir, black_png, at_1x):
    out = tmp_path / "found.json"
    cmd = [sys.executable, str(PROBE), str(black_png), str(small_model_dir), str(out)]
    proc = subprocess.run(cmd, env=_env(tmp_path, "2"), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = json.loads(out.read_text())
    assert found["grab"][0] >= 2 * 600  # the grab is in device pixels
    _assert_centred(found, 2.0)
    if at_1x:  # a saved view is the picture at its own resolution, the same pixels at 1x and 2x
        assert found["saved"] == at_1x["saved"]


def test_locate_crosshair_finds_an_off_centre_cross():
    """The locator can fail: a cross drawn at the token's top-left quarter is found there, not at the centre."""
    rgb = np.zeros((100, 100, 3), np.uint8)
    rgb[20, 20:81] = rgb[80, 20:81] = rgb[20:81, 20] = rgb[20:81, 80] = 255  # the outline
    rgb[35, 28:43] = rgb[28:43, 35] = 255  # the cross, around (35, 35)
    found = locate_crosshair(rgb)
    assert found["box"] == [20, 20, 80, 80] and found["centre"] == (35.0, 35.0)


def test_thumbnails_carry_the_device_pixel_ratio(qapp, tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (300, 200), (200, 30, 30)).save(path)
    thumb = read_image(ImageSource.file(str(path)), ratio=2.0).thumbnail
    assert (thumb.width(), thumb.devicePixelRatio()) == (2 * THUMBNAIL_SIDE, 2.0)
    assert thumb.deviceIndependentSize().width() == THUMBNAIL_SIDE  # laid out as at 1x, drawn with 4x the pixels
    pixmap = device_pixmap(QImage(thumb), 64, 2.0)
    assert (pixmap.width(), pixmap.devicePixelRatio()) == (128, 2.0)
    assert device_pixmap(QImage(thumb), 64, 1.0).width() == 64


def test_self_test_passes_at_2x(tmp_path):
    cmd = [sys.executable, "-m", "coatnet_gui", "--self-test", str(tmp_path / "out")]
    proc = subprocess.run(cmd, env=_env(tmp_path, "2"), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0 and "self-test passed" in proc.stdout, proc.stdout + proc.stderr
    window = QImage(str(tmp_path / "out" / "window.png"))
    assert window.width() >= 2 * 1000  # grabbed at 2x


def test_the_sidebar_fits_its_scroll_area_so_the_percentages_show(qtbot, window, sample):
    """The fill combo's longest entry made the sidebar wider than its scroll area: the bars' percentages were cut
    off at the right (seen in the screenshots)."""
    from gui_helpers import show

    window.resize(1366, 768)
    show(qtbot, window, sample)
    sidebar = window.image_tab.sidebar
    qtbot.waitUntil(lambda: sidebar.widget().width() <= sidebar.viewport().width())
    bar = next(b for b in window.image_tab.prediction.bars if not b.isHidden())
    right = bar.mapTo(sidebar.viewport(), bar.rect().topRight()).x()
    assert right <= sidebar.viewport().width()
