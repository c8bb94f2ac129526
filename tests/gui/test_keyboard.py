"""Keyboard only: the real window driven by key events alone (QTest key clicks; the file dialogs are Qt's own, the
path typed into their file name field), from opening an image to a saved overlay and a labelled, corrected and
exported folder; a logical Tab order through the sidebar with the focus visible; Help ▸ Keyboard shortcuts lists
the window's actions."""

from __future__ import annotations

import csv
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from pathlib import Path

from gui_helpers import TIMEOUT_MS, noise_pngs, settle
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QTableWidget, QWidget

from coatnet_gui.batch.rows import COL_CORRECTED
from coatnet_gui.widgets.accessibility import is_control
from coatnet_gui.widgets.help_dialog import shortcut_rows


def key(sequence: str) -> None:
    """Press ``sequence`` ("Ctrl+O", "Tab") on the widget that has the focus (the active window when none)."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "no widget has the keyboard focus"
    combo = QKeySequence(sequence)[0]
    QTest.keyClick(target, combo.key(), combo.keyboardModifiers())


def type_text(text: str) -> None:
    """Type ``text`` into the widget that has the focus."""
    QTest.keyClicks(QApplication.focusWidget(), text)


def in_next_dialog(qtbot, keys, seen: list) -> None:
    """Once the next modal dialog shows, act on it with ``keys(dialog)`` (key events only); keep it in ``seen``."""

    def act() -> None:
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QDialog), timeout=TIMEOUT_MS)
        dialog = QApplication.activeModalWidget()
        dialog.activateWindow()  # as the window manager does: the keys go to the dialog's focus widget
        qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget() or dialog), timeout=TIMEOUT_MS)
        seen.append(dialog)
        keys(dialog)

    QTimer.singleShot(0, act)


def type_path(path: Path):
    """Return the keys that give a Qt file dialog ``path``: select its file name field's text, type, Enter."""

    def keys(dialog: QDialog) -> None:
        assert isinstance(dialog, QFileDialog)
        assert QApplication.focusWidget().objectName() == "fileNameEdit"  # the file name field has the focus
        key("Ctrl+A")
        type_text(str(path))
        key("Return")

    return keys


def back_to(qtbot, window: QWidget) -> None:
    """Give ``window`` back the activation a closed dialog had, as the window manager does (offscreen has none)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and window.isAncestorOf(QApplication.focusWidget()))


def tab_to(widget: QWidget, limit: int = 80) -> list[QWidget]:
    """Press Tab until ``widget`` has the focus; return the widgets passed on the way (fails after ``limit``)."""
    passed = []
    for _ in range(limit):
        if QApplication.focusWidget() is widget:
            return passed
        passed.append(QApplication.focusWidget())
        key("Tab")
    raise AssertionError(f"Tab never reached {widget.accessibleName()!r}: {[w.accessibleName() for w in passed]}")


def test_keyboard_alone_opens_an_image_saves_its_overlay_and_labels_a_folder(qtbot, window, sample, tmp_path):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    dialogs: list = []

    in_next_dialog(qtbot, type_path(sample), dialogs)  # File ▸ Open images…
    key("Ctrl+O")
    qtbot.waitUntil(lambda: window.session.image is not None and window.session.image.source.path == str(sample))
    settle(qtbot, window)
    back_to(qtbot, window)
    assert window.image_tab.isAncestorOf(QApplication.focusWidget())  # the focus is where the Image keys work

    key("Ctrl+3")  # Overlay ▸ Grad-CAM
    qtbot.waitUntil(lambda: window.image_tab.controls.spec().kind == "gradcam")
    settle(qtbot, window)
    key("Ctrl+1")  # back to attention, then move the query point with the arrows
    settle(qtbot, window)
    tab_to(window.image_tab.view)
    before = window.result.spec.query
    key("Right")
    key("Down")
    settle(qtbot, window)
    assert window.result.spec.query != before

    saved = tmp_path / "overlay.png"
    in_next_dialog(qtbot, type_path(saved), dialogs)  # File ▸ Save view as PNG…
    key("Ctrl+S")
    qtbot.waitUntil(saved.is_file, timeout=TIMEOUT_MS)
    back_to(qtbot, window)
    image = QImage()
    qtbot.waitUntil(lambda: image.load(str(saved)) and not image.isNull(), timeout=TIMEOUT_MS)
    assert image.width() >= window.session.image.image.width

    folder = noise_pngs(tmp_path / "folder", 4)
    key("Ctrl+B")  # View ▸ Batch tab
    batch = window.batch
    assert window.tabs.currentWidget() is batch
    tab_to(batch.folder_edit)
    type_text(str(folder))
    with qtbot.waitSignal(batch.session.finished, timeout=TIMEOUT_MS):
        key("Return")  # Enter in the folder field labels it
    assert batch.table_model.rowCount() == 4

    tab_to(batch.table)
    key("Down")
    current = batch.table.currentIndex()
    for _ in range(COL_CORRECTED - current.column()):
        key("Right")
    assert batch.table.currentIndex().column() == COL_CORRECTED
    key("F2")  # edit the class
    qtbot.waitUntil(lambda: batch.table.state() == batch.table.State.EditingState)
    type_text("Bag")
    key("Return")
    qtbot.waitUntil(lambda: batch.table.state() != batch.table.State.EditingState)
    qtbot.waitUntil(lambda: batch.table_model.store.corrections != {}, timeout=TIMEOUT_MS)

    exported = tmp_path / "labels.csv"
    back_to(qtbot, window)  # the class list's popup took the activation (offscreen: nothing gives it back)
    tab_to(batch.export_button)
    in_next_dialog(qtbot, type_path(exported), dialogs)
    with qtbot.waitSignal(batch.session.exported, timeout=TIMEOUT_MS):
        key("Space")
    with open(exported, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and any(r.get("corrected") == "Bag" for r in rows)
    assert all(isinstance(d, QFileDialog) for d in dialogs) and len(dialogs) == 3


def test_tab_order_through_the_sidebar_is_top_to_bottom_and_focus_is_shown(qtbot, window, sample):
    from gui_helpers import show

    show(qtbot, window, sample)
    window.activateWindow()
    tab = window.image_tab
    tab.view.setFocus()
    order: list[QWidget] = []
    key("Tab")
    for _ in range(40):
        focused = QApplication.focusWidget()
        if focused is tab.view:
            break
        order.append(focused)
        key("Tab")
    names = [w.accessibleName() for w in order]
    assert all(is_control(w) or w.focusPolicy() != Qt.FocusPolicy.NoFocus for w in order)
    assert window.image_tab.sidebar not in order  # no invisible stop on the scroll area
    bars = [b for b in tab.prediction.bars if not b.isHidden()]
    controls = tab.controls
    expected_prefix = bars + [controls.visible_box, controls.kind_box, controls.block_box]
    assert order[: len(expected_prefix)] == expected_prefix, names
    tops = [w.mapTo(tab, w.rect().topLeft()).y() for w in order if tab.sidebar.isAncestorOf(w)]
    assert tops == sorted(tops), names  # down the sidebar, never back up
    for widget in [*bars[:1], tab.view]:  # custom-painted controls show their focus
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        focused_image = widget.grab().toImage()
        window.tabs.setFocus()
        qtbot.waitUntil(lambda w=widget: not w.hasFocus())
        assert widget.grab().toImage() != focused_image, type(widget).__name__


def test_shortcuts_dialog_lists_the_windows_actions(qtbot, window):
    rows = shortcut_rows(window.menuBar())
    assert ("File", "Open images…", QKeySequence(QKeySequence.StandardKey.Open).toString(
        QKeySequence.SequenceFormat.NativeText)) in rows  # fmt: skip
    texts = {r[1] for r in rows}
    assert {"Grad-CAM", "Next block", "Batch tab", "Teach your classes…"} <= texts
    seen: list = []

    def read_and_close(dialog: QDialog) -> None:
        table = dialog.findChild(QTableWidget)
        seen.append([table.item(r, 1).text() for r in range(table.rowCount())])
        key("Escape")

    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    in_next_dialog(qtbot, read_and_close, [])
    key("F1")  # Help ▸ Keyboard shortcuts
    listed = set(seen[0]) if seen else set()
    assert texts <= listed and "Move the query point by one token" in listed


def test_head_charts_step_through_heads_by_keys(qtbot, window, sample):
    from gui_helpers import show

    show(qtbot, window, sample)
    window.activateWindow()
    tab = window.image_tab
    chart = tab.checks.heads
    tab.checks.setCurrentWidget(chart.parentWidget())
    qtbot.waitUntil(lambda: bool(chart.state.stats), timeout=TIMEOUT_MS)
    chart.setFocus()
    qtbot.waitUntil(chart.hasFocus)
    key("Right")  # the first head of the first block
    settle(qtbot, window)
    first = min(chart.state.stats, key=lambda s: (s.depth, s.head))
    spec = window.result.spec
    assert (spec.kind, spec.block, spec.head) == ("attention", first.block, first.head)
    key("Right")
    settle(qtbot, window)
    assert window.result.spec.head == first.head + 1 or window.result.spec.block != first.block
    shares = tab.controls.share_chart
    shares.setFocus()
    qtbot.waitUntil(shares.hasFocus)
    before = window.result.spec.head
    key("Left")
    settle(qtbot, window)
    assert window.result.spec.head != before


def test_teach_dialog_is_usable_by_keys(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    key("Ctrl+T")  # Model ▸ Teach your classes…
    dialog = window.batch.teach_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    dialog = window.batch.teach_dialog
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    reached = set()
    for _ in range(30):
        focused = QApplication.focusWidget()
        assert focused is not None and dialog.isAncestorOf(focused)
        reached.add(focused)
        key("Tab")
    wanted = [dialog.rows_button, dialog.floor_spin, dialog.folder_edit, dialog.mode_box, dialog.epochs_spin]
    wanted += [dialog.out_edit, dialog.teach_button]
    wanted = [w for w in wanted if w.isEnabled()]  # no run shown: the rows choice is off
    assert dialog.folder_edit in wanted and len(wanted) >= 5
    assert all(w in reached for w in wanted), [w.accessibleName() for w in wanted if w not in reached]
    assert dialog.teach_button.isDefault()  # Enter teaches
    dialog.mode_box.setFocus()
    qtbot.waitUntil(dialog.mode_box.hasFocus)
    before = dialog.mode_box.currentIndex()
    key("Down")
    assert dialog.mode_box.currentIndex() != before
    key("Escape")
    qtbot.waitUntil(lambda: not dialog.isVisible())
