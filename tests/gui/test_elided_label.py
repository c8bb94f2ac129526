"""A long note in one line (the Live tab's "No camera found: …" with the library's error) shows what fits, ending in
"…", keeps its whole text in the tooltip and never widens its row."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from coatnet_gui.widgets.elided_label import ElidedLabel

LONG = "No camera found: " + "libpulse.so.0: cannot open shared object file: No such file or directory. " * 4


def test_a_long_note_is_cut_to_its_width_and_whole_in_the_tooltip(qtbot):
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.addWidget(QLabel("Source:"))
    note = ElidedLabel(LONG)
    layout.addWidget(note, 1)
    qtbot.addWidget(row)
    assert row.minimumSizeHint().width() < 300  # the note does not set the row's minimum width
    row.resize(400, 40)
    row.show()
    qtbot.waitExposed(row)
    shown = note.shown()
    assert shown.endswith("…") and LONG.startswith(shown[:-1]) and len(shown) < len(LONG) // 4
    assert note.fontMetrics().horizontalAdvance(shown) <= note.width()
    assert note.text() == LONG and note.toolTip() == LONG

    row.resize(3000, 40)  # room for all of it: shown whole, no "…"
    qtbot.waitUntil(lambda: note.shown() == LONG)
    note.setText("No camera found")
    row.resize(400, 40)
    qtbot.waitUntil(lambda: note.shown() == "No camera found")  # short text, never cut


def test_the_live_tabs_camera_note_never_widens_the_window(qtbot, window):
    tab = window.live
    window.tabs.setCurrentWidget(tab)  # lists the cameras: the note says why there is none (or is empty)
    width = window.minimumSizeHint().width()
    tab.camera_note.setText(LONG)
    assert window.minimumSizeHint().width() <= width
    qtbot.waitUntil(lambda: tab.camera_note.shown().endswith("…"))
    assert tab.camera_note.toolTip() == LONG
