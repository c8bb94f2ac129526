"""Appearance: View ▸ Appearance (System / Light / Dark) is remembered and applied; in dark and in light mode the key
widgets of the real window keep text at a luminance contrast of at least 4.5:1 (WCAG AA), measured on the palette
and on the rendered pixels of the widgets, and chart colours, tints and verdicts follow the palette."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np
import pytest
from gui_helpers import show
from hidpi_probe import _pixels as pixels
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from coatnet_gui.app.appearance import apply_appearance, dark_palette
from coatnet_gui.batch.table import CORRECTED_COLOUR, ERROR_COLOUR
from coatnet_gui.overlay.paint import STRIP, STRIP_TEXT
from coatnet_gui.teach.chart import ACCURACY_COLOR, LOSS_COLOR, TrainingChart
from coatnet_gui.widgets.faithfulness_chart import DELETION, INSERTION, VERDICT_COLOURS
from coatnet_gui.widgets.theme import GRAPHIC_RATIO, TEXT_RATIO, contrast, is_dark, legible, series, text_colour, tint

ROLES = [
    (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
    (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
    (QPalette.ColorRole.Text, QPalette.ColorRole.AlternateBase),
    (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
    (QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Highlight),
    (QPalette.ColorRole.ToolTipText, QPalette.ColorRole.ToolTipBase),
]


@pytest.fixture(params=["dark", "light"])
def mode(request, qapp):
    """The application in dark or light mode for one test, back to the platform's look afterwards."""
    assert apply_appearance(qapp, request.param) == request.param
    yield request.param
    apply_appearance(qapp, "system")


def rendered_contrast(widget: QWidget, rect: QRect | None = None) -> float:
    """Return the contrast between the background (the most common colour) of ``widget``'s grab (``rect`` of it) and
    the pixel that differs most from it: the text's full colour, since glyphs' cores are drawn unblended."""
    pixmap = widget.grab(rect) if rect is not None else widget.grab()
    rgb = pixels(pixmap.toImage()).reshape(-1, 3)
    values, counts = np.unique(rgb, axis=0, return_counts=True)
    background = QColor(*map(int, values[counts.argmax()]))
    return max(contrast(QColor(*map(int, v)), background) for v in values)


def test_the_palette_keeps_every_text_role_legible(mode):
    palette = QApplication.palette()
    assert is_dark(palette) == (mode == "dark")
    for text, back in ROLES:
        ratio = contrast(palette.color(text), palette.color(back))
        assert ratio >= TEXT_RATIO, f"{text.name} on {back.name}: {ratio:.2f}"
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    assert contrast(disabled, palette.color(QPalette.ColorRole.Window)) >= GRAPHIC_RATIO  # dimmed, still readable


def test_key_widgets_of_the_window_render_legible_text(qtbot, window, sample, mode):
    show(qtbot, window, sample)
    window.repaint()
    prediction = window.image_tab.prediction
    assert prediction.palette().color(QPalette.ColorRole.Window) == QApplication.palette().color(
        QPalette.ColorRole.Window
    )
    bar = next(b for b in prediction.bars if not b.isHidden())
    name_part = QRect(0, 0, int(bar.width() * 0.4), bar.height())
    widgets = [(prediction.model_label, None), (bar, name_part), (window.image_tab.hover, None)]
    widgets.append((window.image_tab.controls.kind_box, None))
    for kind in ("error", "info"):
        window.banner.show_message(f"An {kind} message", kind)
        qtbot.waitUntil(window.banner.label.isVisible)
        assert rendered_contrast(window.banner.label) >= TEXT_RATIO, kind
    for widget, rect in widgets:
        ratio = rendered_contrast(widget, rect)
        assert ratio >= TEXT_RATIO, f"{type(widget).__name__}: {ratio:.2f}"


def test_teach_chart_legend_renders_legible_in_the_palette(qtbot, mode):
    chart = TrainingChart()
    qtbot.addWidget(chart)
    chart.resize(480, 240)
    chart.add(1, 0.8, 0.5)
    chart.show()
    base = chart.palette().color(QPalette.ColorRole.Base)
    for colour in (LOSS_COLOR, ACCURACY_COLOR):
        shown = text_colour(colour, chart.palette(), QPalette.ColorRole.Base)
        assert contrast(shown, base) >= TEXT_RATIO
    legend = QRect(0, 0, chart.width(), chart.fontMetrics().height() + 4)
    assert rendered_contrast(chart, legend) >= TEXT_RATIO


def test_chart_colours_tints_and_verdicts_follow_the_palette(mode):
    palette = QApplication.palette()
    window, base, text = (palette.color(r) for r in (QPalette.ColorRole.Window, QPalette.ColorRole.Base,
                                                       QPalette.ColorRole.Text))  # fmt: skip
    for colour in (DELETION, INSERTION):
        assert contrast(series(colour, palette), window) >= GRAPHIC_RATIO
    for colour in VERDICT_COLOURS.values():
        assert contrast(text_colour(colour, palette, QPalette.ColorRole.Base), base) >= TEXT_RATIO
    assert contrast(text_colour(ERROR_COLOUR, palette, QPalette.ColorRole.Base), base) >= TEXT_RATIO
    corrected = tint(CORRECTED_COLOUR, palette)
    assert corrected != base and contrast(text, corrected) >= TEXT_RATIO  # a visible tint, the row still readable
    # the colour bar's captions: light text on a dark strip over the brightest possible image
    alpha = STRIP.alphaF()
    strip_on_white = QColor.fromRgbF(1 - alpha, 1 - alpha, 1 - alpha)
    assert contrast(STRIP_TEXT, strip_on_white) >= TEXT_RATIO


def test_legible_keeps_the_hue_and_reaches_the_ratio():
    for background in (QColor("#ffffff"), QColor("#1e1f22"), QColor("#26282b")):
        for colour in ("#dc2626", "#2563eb", "#15803d", "#f59e0b", "#14b8a6", "#4b5563"):
            shown = legible(QColor(colour), background, TEXT_RATIO)
            assert contrast(shown, background) >= TEXT_RATIO
            if QColor(colour).hslSaturationF() > 0.3 and shown not in (QColor("white"), QColor("black")):
                assert abs(shown.hslHueF() - QColor(colour).hslHueF()) < 0.03
    assert contrast(QColor("#dc2626"), QColor("#1e1f22")) < TEXT_RATIO  # the fixed red alone would fail on dark


def test_appearance_is_remembered_and_offered_in_the_view_menu(qtbot, window, qapp):
    assert window.settings.appearance == "system"
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    sub = next(a.menu() for a in view.actions() if a.menu() is not None and "Appearance" in a.text())
    dark = next(a for a in sub.actions() if a.data() == "dark")
    try:
        dark.trigger()
        assert window.settings.appearance == "dark" and is_dark(qapp.palette())
        assert qapp.style().name().lower() == "fusion"
        dark_window = dark_palette().color(QPalette.ColorRole.Window)
        qtbot.waitUntil(lambda: window.image_tab.prediction.palette().color(QPalette.ColorRole.Window) == dark_window)
    finally:
        next(a for a in sub.actions() if a.data() == "system").trigger()
    assert window.settings.appearance == "system" and not is_dark(qapp.palette())
    window.settings.store.setValue("view/appearance", "purple")
    assert window.settings.appearance == "system"  # an unknown value falls back
    assert Qt.ColorScheme is not None


def test_system_follows_the_platforms_colour_scheme(qapp, monkeypatch):
    """The offscreen platform has no colour scheme (and ignores ``setColorScheme``): the platform's answer is
    replaced here by what a dark desktop (GNOME, macOS, Windows) says."""
    from coatnet_gui.app import appearance

    try:
        monkeypatch.setattr(appearance, "system_is_dark", lambda: True)
        assert apply_appearance(qapp, "system") == "dark"
        assert apply_appearance(qapp, "light") == "light"  # an explicit choice wins over the platform's
        monkeypatch.setattr(appearance, "system_is_dark", lambda: False)
        assert apply_appearance(qapp, "system") == "light"
    finally:
        apply_appearance(qapp, "system")
