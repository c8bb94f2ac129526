"""The Live tab's timeline strip on its own (coatnet_gui/live/timeline_strip.py): bars in the top-1 class's colour as
tall as the confidence, a marker at the frame shown; the bars are drawn once into a pixmap and drawn again when rows
come or the size changes, while the marker moves on its own."""

from __future__ import annotations

from PySide6.QtGui import QColor

from coatnet_gui.live.timeline_strip import BACKGROUND, MARKER, STRIP_HEIGHT, TimelineStrip, class_colour
from model.live.timeline import TimelineRow


def rows(classes: list[int], confidence: float = 1.0, seconds_each: float = 1.0) -> list[TimelineRow]:
    """Return one row per second with top-1 class ``classes[i]``."""
    row = TimelineRow
    return [row("clip.mp4", i, i * seconds_each, (f"class {c}",), (c,), (confidence,)) for i, c in enumerate(classes)]


def shown_strip(qtbot, width: int, duration: float) -> TimelineStrip:
    """Return a strip ``width`` px wide, shown, for a file of ``duration`` seconds."""
    strip = TimelineStrip()
    qtbot.addWidget(strip)
    strip.resize(width, STRIP_HEIGHT)
    strip.show()
    strip.set_duration(duration)
    return strip


def colour_at(strip: TimelineStrip, x: float, y: int) -> QColor:
    """Return the colour the strip shows at (``x``, ``y``), as drawn now."""
    return strip.grab().toImage().pixelColor(int(x), y)


def test_bars_marker_and_new_rows_are_drawn_as_they_come(qtbot):
    strip = shown_strip(qtbot, 400, 4.0)
    low = STRIP_HEIGHT - 4  # near the bottom: inside every bar, under the class names
    strip.add_rows(rows([0, 1]))
    first, second, third = strip._x(0.5), strip._x(1.5), strip._x(2.5)
    assert colour_at(strip, first, low) == class_colour(0) and colour_at(strip, second, low) == class_colour(1)
    assert colour_at(strip, third, low) == BACKGROUND  # not classified yet
    strip.add_rows(rows([0, 1, 2])[2:])  # a later chunk: the bars are drawn again, one second wide each
    assert colour_at(strip, third, low) == class_colour(2)

    strip.set_position(0.5)
    assert colour_at(strip, first, low) == MARKER
    strip.set_position(2.5)  # the marker moves; the bar under its old place shows again
    assert colour_at(strip, first, low) == class_colour(0) and colour_at(strip, third, low) == MARKER

    strip.resize(800, STRIP_HEIGHT)  # wider: the bars span the new width
    qtbot.waitUntil(lambda: strip.width() == 800)
    assert colour_at(strip, strip._x(1.5), low) == class_colour(1)
    assert colour_at(strip, 700, low) == BACKGROUND  # the 4th second: still unclassified


def test_a_bar_is_as_tall_as_its_confidence_and_a_new_file_clears_the_strip(qtbot):
    strip = shown_strip(qtbot, 200, 1.0)
    strip.add_rows(rows([3], confidence=0.5))
    x, h = strip._x(0.05), STRIP_HEIGHT - 2  # left of the class name
    assert colour_at(strip, x, 1 + int(h * 0.5) + 2) == class_colour(3)  # just under the bar's top
    assert colour_at(strip, x, 1 + int(h * 0.5) - 3) == BACKGROUND  # just above it
    strip.set_duration(2.0)  # another file: no bars until its rows come
    assert colour_at(strip, x, STRIP_HEIGHT - 4) == BACKGROUND
