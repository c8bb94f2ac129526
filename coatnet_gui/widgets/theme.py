"""Colours that follow the palette: a chart's series, a table's tint and a warning keep their hue on a light or a
dark theme but are made light or dark enough to read on the background they are drawn on (WCAG contrast).

:func:`contrast` is the WCAG 2 ratio of two colours (1-21); :func:`legible` nudges a colour's lightness until it
reaches a ratio against a background; :func:`series` and :func:`text_colour` are the two uses: lines and marks
(3:1, WCAG's non-text minimum) and text (4.5:1)."""

from __future__ import annotations

import functools

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

TEXT_RATIO = 4.5  # WCAG AA for normal text
GRAPHIC_RATIO = 3.0  # WCAG AA for lines, marks and large text


def luminance(colour: QColor) -> float:
    """Return the WCAG relative luminance of ``colour`` (0 black - 1 white), alpha ignored."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """Return the WCAG contrast ratio of ``a`` and ``b`` (1: equal, 21: black on white)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(palette: QPalette | None = None) -> bool:
    """Return True when ``palette`` (the application's by default) has a dark window background."""
    palette = palette if palette is not None else QApplication.palette()
    return luminance(palette.color(QPalette.ColorRole.Window)) < 0.18


def legible(colour: QColor, background: QColor, ratio: float = TEXT_RATIO) -> QColor:
    """Return ``colour`` with its hue and saturation kept, lighter on a dark ``background`` or darker on a light
    one, by the least that gives a contrast of at least ``ratio`` (black or white when no shade of the hue does)."""
    # remembered: widgets repainted with every Live frame ask for the same few colours 30 times a second
    return QColor(_legible(colour.getRgbF(), background.getRgbF(), ratio))


@functools.lru_cache(maxsize=256)
def _legible(colour_rgbf: tuple, background_rgbf: tuple, ratio: float) -> QColor:
    colour, background = QColor.fromRgbF(*colour_rgbf), QColor.fromRgbF(*background_rgbf)
    if contrast(colour, background) >= ratio:
        return colour
    lighten = luminance(background) < 0.18
    hue, saturation, lightness, alpha = colour.getHslF()
    for step in range(1, 21):
        shade = lightness + (1 - lightness) * step / 20 if lighten else lightness * (1 - step / 20)
        candidate = QColor.fromHslF(max(0.0, hue), saturation, min(1.0, max(0.0, shade)), alpha)
        if contrast(candidate, background) >= ratio:
            return candidate
    return QColor("white") if lighten else QColor("black")


def background(palette: QPalette | None = None, role: QPalette.ColorRole = QPalette.ColorRole.Window) -> QColor:
    """Return ``palette``'s (the application's by default) colour of ``role``: what charts and text sit on."""
    return (palette if palette is not None else QApplication.palette()).color(role)


def tint(colour: QColor | str, palette: QPalette | None = None, share: float = 0.28) -> QColor:
    """Return the opaque mix of ``palette``'s Base (the table background) with ``share`` of ``colour``: a row's
    tint, as faint on a dark theme as on a light one, under which the palette's Text stays readable."""
    base, colour = background(palette, QPalette.ColorRole.Base), QColor(colour)
    mix = [round(b + (c - b) * share) for b, c in zip(base.getRgb()[:3], colour.getRgb()[:3], strict=True)]
    return QColor(*mix)


def series(colour: QColor | str, palette: QPalette | None = None) -> QColor:
    """Return the chart colour ``colour`` made visible (3:1) on ``palette``'s window background."""
    return legible(QColor(colour), background(palette), GRAPHIC_RATIO)


def text_colour(
    colour: QColor | str, palette: QPalette | None = None, role: QPalette.ColorRole = QPalette.ColorRole.Window
) -> QColor:
    """Return ``colour`` made readable as text (4.5:1) on ``palette``'s ``role`` background (Window; Base in
    tables)."""
    return legible(QColor(colour), background(palette, role), TEXT_RATIO)
