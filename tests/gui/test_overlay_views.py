"""What the Image tab's overlays show a daily user: any Grad-CAM class, a colour bar with the map's range, signed
maps in a diverging map, whole small-multiple titles, head-share percentages, hints that fit the mode, thumbnails."""

from __future__ import annotations

import os
from dataclasses import replace
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from gui_helpers import choose, settle, show
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from coatnet_gui.image.sources import THUMBNAIL_SIDE, ImageSource, read_image
from coatnet_gui.image.tab import HOVER_HINT, HOVER_HINT_TO_QUERY, HOVER_HINT_VALUE
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import (
    COLORMAP_KEY,
    SAVED_BAR_MIN_WIDTH,
    TITLE_PAD,
    ViewState,
    colorbar_labels,
    colorize,
    fit_title,
    layout_view,
    render_view,
    saved_scale,
)
from coatnet_gui.widgets.head_shares import HeadShareChart
from coatnet_gui.widgets.overlay_controls import OverlayControls, class_entries, class_row
from model.explain import colormaps
from model.explain.capture import BlockInfo
from model.explain.maps import OverlayResult, OverlaySpec, Panel


def _unique_needle(names: list[str], candidates: list[int]) -> tuple[int, str]:
    """Return a class among ``candidates`` and a part of its name, in other case, that no earlier class has."""
    entries = class_entries(names)
    for index in candidates:
        needle = names[index][1:].upper()
        if class_row(entries, needle) == index:
            return index, needle
    raise AssertionError(f"no class of {candidates} has a part of its name that comes first")


def test_the_class_picker_reaches_a_class_outside_the_top5(qtbot, window, sample):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    choose(controls.kind_box, "gradcam")
    settle(qtbot, window)
    names = window.session.classifier.label_names
    top5 = window.image_tab.prediction.prediction.indices
    assert controls.class_box.count() == len(names)
    target, needle = _unique_needle(names, [i for i in range(len(names)) if i not in top5])

    edit = controls.class_box.lineEdit()
    edit.clear()
    qtbot.keyClicks(edit, needle)
    completer = controls.class_box.completer()
    shown = [completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())]
    assert shown == [e for e in class_entries(names) if needle.casefold() in e.casefold()]
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    settle(qtbot, window)
    assert window.result.spec.class_index == target
    assert names[target] in window.result.caption
    assert controls.class_box.currentIndex() == target

    qtbot.mouseClick(controls.top_class_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert window.result.spec.class_index is None and controls.class_box.currentText() == ""


def test_the_class_picker_is_filled_once_per_label_set(qtbot):
    controls = OverlayControls()
    qtbot.addWidget(controls)
    names = [f"synset {i:05d} {'dog' if i % 7 == 0 else 'thing'}" for i in range(11_821)]
    resets: list[int] = []
    controls.class_box.model().modelReset.connect(lambda: resets.append(1))
    controls.set_model([], names)
    controls.set_model([], list(names))  # every explanation hands the same label names again
    assert resets == [1] and controls.class_box.count() == 11_821
    assert controls.class_box.itemText(11_820) == "synset 11820 thing (11820)"
    assert class_row(class_entries(names), "11820 THING") == 11820
    assert class_row(class_entries(names), "01183 Dog") == 1183
    assert class_row(class_entries(names), "no such class") is None


def test_the_colour_bar_shows_the_maps_min_and_max_and_unit(qtbot, window, sample):
    show(qtbot, window, sample)
    controls, view = window.image_tab.controls, window.image_tab.view
    choose(controls.kind_box, "attention")
    choose(controls.mode_box, "query")
    choose(controls.head_box, "mean")
    choose(controls.cmap_box, "viridis")
    settle(qtbot, window)
    panel = window.result.panels[0]
    lo_text, hi_text = colorbar_labels(panel)
    assert not panel.signed and window.result.unit == "attention weight"
    assert float(lo_text) == pytest.approx(float(panel.grid.min()), rel=5e-3)
    assert float(hi_text) == pytest.approx(float(panel.grid.max()), rel=5e-3)
    assert view.state.layers[0].text(COLORMAP_KEY) == "viridis"
    view.repaint()
    (bar,) = view._layout.bars
    image = view._layout.image_rect
    assert bar.top >= image.bottom and bar.bottom <= view.height(), "the bar sits under the image, not on it"


def test_the_bias_is_drawn_in_a_diverging_map_over_a_symmetric_range(qtbot, window, sample):
    show(qtbot, window, sample)
    controls, view = window.image_tab.controls, window.image_tab.view
    choose(controls.kind_box, "attention")
    choose(controls.cmap_box, "inferno")
    choose(controls.mode_box, "bias")
    choose(controls.head_box, 0)
    settle(qtbot, window)
    panel = window.result.panels[0]
    assert panel.signed and window.result.signed
    assert panel.lo == -panel.hi and panel.hi == pytest.approx(float(np.abs(panel.grid).max()))
    assert view.state.layers[0].text(COLORMAP_KEY) == colormaps.DIVERGING
    zero = colormaps.apply(np.zeros((1, 1)), colormaps.DIVERGING, panel.lo, panel.hi)[0, 0]
    np.testing.assert_array_equal(zero, colormaps.lookup_table(colormaps.DIVERGING)[128])
    lo_text, hi_text = colorbar_labels(panel)
    assert lo_text == "-" + hi_text

    choose(controls.cmap_box, "RdBu")  # a diverging map the user chose is kept
    qtbot.waitUntil(lambda: view.state.layers[0].text(COLORMAP_KEY) == "RdBu")
    choose(controls.mode_box, "query")  # attention weights are not signed: the chosen map again
    settle(qtbot, window)
    assert not window.result.signed and view.state.layers[0].text(COLORMAP_KEY) == "RdBu"


@pytest.mark.parametrize("mode", ["query", "split"])
def test_titles_of_all_heads_are_whole_and_fit_their_cells(qtbot, window, sample, mode):
    show(qtbot, window, sample)
    controls, view = window.image_tab.controls, window.image_tab.view
    choose(controls.kind_box, "attention")
    choose(controls.mode_box, mode)
    choose(controls.head_box, "all")
    settle(qtbot, window)
    view.repaint()
    panels, cells = window.result.panels, view._layout.cells
    assert len(panels) == len(cells) == window.result.block.heads * (3 if mode == "split" else 1)
    assert len(view._layout.bars) == len(cells)
    for panel, cell in zip(panels, cells, strict=True):
        room = cell.width - 2 * TITLE_PAD
        font, text = fit_title(panel.title, room, view.font())
        assert text == panel.title, f"{panel.title!r} cut to {text!r} in a {cell.width:.0f} px cell"
        assert QFontMetricsF(font).horizontalAdvance(text) <= room


def test_a_title_is_elided_only_when_no_font_size_fits():
    font = QFont()
    wide, size = fit_title("h11 position", 400, font)
    assert size == "h11 position" and wide.pixelSize() == 12
    small, shrunk = fit_title("h11 position", QFontMetricsF(_pixels(font, 9)).horizontalAdvance("h11 position"), font)
    assert shrunk == "h11 position" and small.pixelSize() < 12
    _, cut = fit_title("h11 position", 30, font)
    assert cut != "h11 position" and cut.endswith("…")


def _pixels(font: QFont, pixels: int) -> QFont:
    sized = QFont(font)
    sized.setPixelSize(pixels)
    return sized


@pytest.mark.parametrize("heads", [4, 8, 12])
def test_head_share_labels_keep_their_percentages(qtbot, heads):
    chart = HeadShareChart()
    qtbot.addWidget(chart)
    chart.resize(300, chart.sizeHint().height())
    shares = [((h * 37) % 101) / 100 for h in range(heads)]
    chart.set_shares(shares, None)
    labels = chart.labels()
    assert [label.head for label in labels] == [f"h{h}" for h in range(heads)]
    assert [label.percent for label in labels] == [f"{s * 100:.0f}%" for s in shares]
    for left, right in zip(labels, labels[1:], strict=False):
        assert left.rect.right() <= right.rect.left() + 1e-6
    for label in labels:
        metrics = QFontMetricsF(label.font)
        widest = max(metrics.horizontalAdvance(label.head), metrics.horizontalAdvance(label.percent))
        assert widest <= label.rect.width()
        assert label.rect.bottom() <= chart.height()


def test_the_hint_names_the_query_point_only_where_a_click_moves_it(qtbot, window, sample):
    show(qtbot, window, sample)
    tab = window.image_tab
    controls, hover = tab.controls, tab.hover
    choose(controls.kind_box, "attention")
    choose(controls.mode_box, "query")
    assert hover.text() == HOVER_HINT
    choose(controls.mode_box, "received")
    assert hover.text() == HOVER_HINT_TO_QUERY
    choose(controls.kind_box, "gradcam")
    assert hover.text() == HOVER_HINT_VALUE and "query" not in hover.text()
    assert "query" not in tab.view.toolTip()
    tab.view.hovered.emit("h0 · attention weight 0.1")
    assert hover.text() == "h0 · attention weight 0.1"
    choose(controls.kind_box, "activation")  # the value under the cursor stays while hovering
    assert hover.text() == "h0 · attention weight 0.1"
    tab.view.hovered.emit("")
    assert hover.text() == HOVER_HINT_VALUE


def test_thumbnails_of_tiny_images_are_scaled_up(tmp_path):
    QApplication.instance() or QApplication([])
    tiny, large = tmp_path / "tiny.png", tmp_path / "large.png"
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[:, 14:] = 255
    Image.fromarray(pixels).save(tiny)
    Image.new("RGB", (300, 200)).save(large)
    thumb = read_image(ImageSource.file(str(tiny))).thumbnail
    assert (thumb.width(), thumb.height()) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    middle = THUMBNAIL_SIDE // 2
    assert thumb.pixelColor(middle - 2, 5).value() == 0 and thumb.pixelColor(middle + 2, 5).value() == 255
    thumb = read_image(ImageSource.file(str(large))).thumbnail
    assert (thumb.width(), thumb.height()) == (THUMBNAIL_SIDE, THUMBNAIL_SIDE * 2 // 3)


def test_a_saved_views_colour_bar_lies_in_a_strip_below_the_picture(qtbot, window, sample):
    show(qtbot, window, sample)
    controls = window.image_tab.controls
    choose(controls.kind_box, "gradcam")  # no query marker: with the overlay transparent, the picture is as it was
    controls.opacity_slider.setValue(0)
    settle(qtbot, window)
    state = window.current_view()
    width, height = state.image.width(), state.image.height()
    saved = render_view(state)
    assert saved.width() == width and saved.height() > height
    pixels = _pixels_of(saved)
    assert (pixels[:height] == _pixels_of(state.image)).all(), "every pixel of the picture kept"
    strip = pixels[height:]
    assert (strip != 255).any(axis=2).sum() > strip.shape[0] * strip.shape[1] / 8, "the colour bar is drawn"

    visible = replace(state, opacity=0.6)
    (bar,) = layout_view(visible, Box(0, 0, saved.width(), saved.height()), saved_scale(width, height)).bars
    assert bar.top >= height
    bare = render_view(replace(visible, result=None, layers=[]))  # the same view without an overlay: no strip
    assert (bare.width(), bare.height()) == (width, height)
    drawn = _pixels_of(render_view(visible))
    changed = np.argwhere((drawn[:height] != _pixels_of(bare)).any(axis=2))
    box = state.view_box
    assert len(changed) and changed[:, 0].min() >= int(box.top) and changed[:, 1].min() >= int(box.left)
    assert changed[:, 0].max() < box.bottom + 1 and changed[:, 1].max() < box.right + 1, "only the map's box changes"

    tiny = replace(state, image=state.image.scaled(28, 28), view_box=Box(0, 0, 28, 28))
    saved = render_view(tiny)
    assert saved.width() >= SAVED_BAR_MIN_WIDTH and saved.height() > 28, "a wider canvas for a legible bar"
    left = (saved.width() - 28) // 2
    assert (_pixels_of(saved)[:28, left : left + 28] == _pixels_of(tiny.image)).all()


def test_the_query_marker_stays_visible_on_a_12_megapixel_picture(qapp):
    width, height = 4000, 3000
    picture = QImage(width, height, QImage.Format.Format_RGB32)
    picture.fill(QColor("black"))
    grid = np.zeros((6, 6), dtype=np.float32)
    block = BlockInfo("stages.2.blocks.0", "transformer", 3, 0, 96, (6, 6), 4)
    panel = Panel("h0", grid, np.zeros((64, 64), dtype=np.float32), 0.0, 1.0)
    result = OverlayResult(OverlaySpec(kind="attention", query=(0.5, 0.5)), block, [panel], 1, "", "attention")
    state = ViewState(picture, Box(500, 0, 3000, 3000), result, colorize(result, "inferno"), opacity=0.0)
    saved = render_view(state)
    assert saved.height() > height
    # looked at whole, as on a screen showing 1000 px, the white cross stays bright near the query point (a line
    # 1.5 px wide, as on screen, fades to 1.5/4 of white: under 100 of 255)
    seen = _pixels_of(saved.scaled(1000, saved.height() // 4, mode=Qt.TransformationMode.SmoothTransformation))
    near = seen[375 - 30 : 375 + 30, 500 - 30 : 500 + 30]
    assert (near.min(axis=2) > 150).sum() >= 20, "the marker's white lines survive the 4x reduction"


def _pixels_of(image) -> np.ndarray:
    """Return ``image``'s RGB pixels as an ``(h, w, 3)`` array."""
    rgb = image.convertToFormat(image.Format.Format_RGB888)
    data = np.frombuffer(rgb.constBits(), dtype=np.uint8).reshape(rgb.height(), rgb.bytesPerLine())
    return data[:, : 3 * rgb.width()].reshape(rgb.height(), rgb.width(), 3).copy()  # rgb's memory dies with it


def test_the_query_cross_is_at_the_centre_of_the_query_token_box(qapp):
    """On an even grid the default query (0.5, 0.5) lies on a corner of four tokens: the cross marks the centre of
    the token the map is computed for, not that corner."""
    picture = QImage(600, 600, QImage.Format.Format_RGB32)
    picture.fill(QColor("black"))
    block = BlockInfo("stages.2.blocks.0", "transformer", 3, 0, 96, (6, 6), 4)
    panel = Panel("h0", np.zeros((6, 6), dtype=np.float32), np.zeros((64, 64), dtype=np.float32), 0.0, 1.0)
    result = OverlayResult(OverlaySpec(kind="attention", query=(0.5, 0.5)), block, [panel], 1, "", "attention")
    state = ViewState(picture, Box(0, 0, 600, 600), result, colorize(result, "inferno"), opacity=0.0)
    pixels = _pixels_of(render_view(state))[:600]
    box_centre = (350, 350)  # token (3, 3) spans 300..400 on both axes
    assert pixels[box_centre].min() > 150 and pixels[box_centre[0], box_centre[1] + 5].min() > 150
    assert pixels[300 + 20, 300 + 20].max() < 50  # inside the box, off the cross and the outline: untouched


def test_colorize_draws_the_colour_map_pixel_for_pixel_as_32_bit_pixels():
    """The layers are packed 0xFFRRGGBB straight from the lookup table (no 24-bit detour): every pixel is the colour
    colormaps.apply gives, out-of-range, NaN and infinite values included, for a plain and a signed panel."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(37, 53)).astype(np.float32)
    values[0, :4] = [np.nan, np.inf, -np.inf, 40.0]
    panels = [SimpleNamespace(image=values, lo=-1.0, hi=1.5, signed=False),
              SimpleNamespace(image=values, lo=-2.0, hi=2.0, signed=True)]  # fmt: skip
    for panel, layer in zip(panels, colorize(SimpleNamespace(panels=panels), "magma"), strict=True):
        assert layer.format() == QImage.Format.Format_RGB32 and (layer.width(), layer.height()) == (53, 37)
        name = colormaps.for_map("magma", panel.signed)
        assert layer.text(COLORMAP_KEY) == name
        rgb = layer.convertToFormat(QImage.Format.Format_RGB888)
        got = np.frombuffer(rgb.constBits(), np.uint8, count=rgb.bytesPerLine() * 37).reshape(37, -1)[:, : 53 * 3]
        np.testing.assert_array_equal(got.reshape(37, 53, 3), colormaps.apply(values, name, panel.lo, panel.hi))
