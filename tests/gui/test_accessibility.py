"""Screen readers: every control of the real window (Image, Batch and Audit tabs, the Teach dialog) has an
accessible name, charts describe their data as text, and the prediction bars read as "Bag, 90.7 percent"."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import re

from gui_helpers import show
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from coatnet_gui.widgets.accessibility import clean, derived_name, is_control


def unnamed_controls(root: QWidget) -> list[str]:
    """Return a line per control under ``root`` whose accessible name (the property, and what the accessibility
    interface gives a screen reader) is empty."""
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not is_control(widget):
            continue
        iface = QAccessible.queryAccessibleInterface(widget)
        spoken = iface.text(QAccessible.Text.Name) if iface is not None else ""
        if not widget.accessibleName().strip() or not spoken.strip():
            missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parentWidget()).__name__}")
    return missing


def test_every_control_of_the_window_and_the_teach_dialog_has_an_accessible_name(qtbot, window, sample):
    show(qtbot, window, sample)
    for tab in (window.image_tab, window.batch, window.audit, window.live):
        window.tabs.setCurrentWidget(tab)
        qtbot.wait(1)
    assert sum(is_control(w) for w in window.findChildren(QWidget)) > 60  # the walk sees the real window
    assert unnamed_controls(window) == [], "\n".join(unnamed_controls(window))
    dialog = window.batch.show_teach()
    qtbot.waitUntil(dialog.isVisible)
    assert unnamed_controls(dialog) == []
    dialog.reject()


def test_prediction_bars_and_charts_read_as_text(qtbot, window, sample):
    show(qtbot, window, sample)
    bars = [b for b in window.image_tab.prediction.bars if not b.isHidden()]
    for bar in bars:
        assert re.fullmatch(r".+, \d{1,3}\.\d percent", bar.accessibleName()), bar.accessibleName()
        assert bar.accessibleName() == f"{bar.label}, {bar.probability * 100:.1f} percent"
    view = window.image_tab.view
    assert view.accessibleName() and "from" in view.accessibleDescription()  # the overlay's range as text
    heads = window.image_tab.checks.heads  # its statistics come from their own job, after the overlay
    qtbot.waitUntil(lambda: bool(heads.accessibleDescription()), timeout=60_000)
    assert heads.accessibleName() and "head" in heads.accessibleDescription().lower()


def test_names_are_derived_from_labels_text_and_tooltips(qtbot):
    button = QPushButton("&Save view…")
    qtbot.addWidget(button)
    assert derived_name(button) == "Save view"
    bare = QPushButton("")
    bare.setToolTip("Dismiss the message. It stays hidden.")
    qtbot.addWidget(bare)
    assert derived_name(bare) == "Dismiss the message."
    assert clean("Opacit&y:") == "Opacity" and QApplication.instance() is not None
