"""The window behaves like a desktop application, driven through real Qt events in the real MainWindow (offscreen):
the Image tab's shortcuts act only there (Ctrl+arrows and Ctrl+Space in the Batch table work as in any table), a
wheel turn over an unfocused combo or tab bar in the sidebar scrolls the sidebar, file dialogs remember their folder
per kind in the app's settings, and Help ▸ About says what runs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import platform
from pathlib import Path

import torch
from gui_helpers import TIMEOUT_MS, settle, show
from PySide6.QtCore import QPoint, QPointF, Qt, qVersion
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from coatnet_gui.app.settings import Settings
from coatnet_gui.batch.rows import COL_PATH
from coatnet_gui.widgets.file_dialogs import FileDialogs, default_folder
from model.paths import data_dir

CTRL = Qt.KeyboardModifier.ControlModifier


def fill_batch_table(window, folder: Path, rows: int = 6) -> None:
    """Give the Batch table ``rows`` labelled images, as a run's first chunk would."""
    names = window.session.classifier.label_names
    model = window.batch.table_model
    model.reset(str(folder), names)
    model.add_records(
        [{"path": f"img_{i:02d}.png", "indices": [i % 3], "probs": [0.9], "error": None} for i in range(rows)]
    )


def wheel(widget: QWidget, notches: int = -1) -> None:
    """Send ``widget`` a real wheel event of ``notches`` (negative: towards the user, i.e. scroll down)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def test_ctrl_arrows_move_the_batch_table_row_and_leave_the_hidden_image_tab_alone(qtbot, window, sample, tmp_path):
    window.activateWindow()
    show(qtbot, window, sample)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    assert window.image_tab.isAncestorOf(QApplication.focusWidget())  # its shortcuts work without a click first
    controls = window.image_tab.controls
    block, spec = controls.block_box.currentText(), controls.spec()
    fill_batch_table(window, tmp_path)
    window.tabs.setCurrentWidget(window.batch)
    table = window.batch.table
    first = table.visualRect(window.batch.proxy.index(0, COL_PATH)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=first)  # the user clicks the first row
    qtbot.waitUntil(table.hasFocus)
    assert table.currentIndex().row() == 0
    QTest.keyClick(table, Qt.Key.Key_Down, CTRL)
    QTest.keyClick(table, Qt.Key.Key_Down, CTRL)
    assert table.currentIndex().row() == 2  # Ctrl+Down moves the current row without selecting, as in any table
    assert controls.block_box.currentText() == block and controls.spec() == spec
    QTest.keyClick(table, Qt.Key.Key_Space, CTRL)  # Ctrl+Space adds the current row to the selection
    assert sorted({i.row() for i in table.selectionModel().selectedRows()}) == [0, 2]
    QTest.keyClick(table, Qt.Key.Key_Up, CTRL)
    assert table.currentIndex().row() == 1 and controls.block_box.currentText() == block

    window.tabs.setCurrentWidget(window.image_tab)
    view = window.image_tab.view
    qtbot.waitUntil(view.hasFocus)
    QTest.keyClick(view, Qt.Key.Key_Down, CTRL)  # on the Image tab the overlay shortcut works
    assert controls.block_box.currentIndex() == controls.block_box.findText(block) + 1
    settle(qtbot, window)
    assert window.result.block.name != spec.block
    assert table.currentIndex().row() == 1  # and the table did not move


def test_a_wheel_turn_over_an_unfocused_sidebar_control_scrolls_the_sidebar(qtbot, window, sample):
    window.resize(1100, 560)  # the sidebar scrolls
    show(qtbot, window, sample)
    tab = window.image_tab
    bar = tab.sidebar.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    block_box, checks_tabs = tab.controls.block_box, tab.checks.tabBar()
    block, page = block_box.currentText(), checks_tabs.currentIndex()
    assert block_box.count() > 1 and block_box.currentIndex() < block_box.count() - 1

    bar.setValue(0)
    wheel(block_box)
    assert block_box.currentText() == block and bar.value() > 0  # the sidebar scrolled, the block stayed
    scrolled = bar.value()
    wheel(checks_tabs)
    assert checks_tabs.currentIndex() == page and bar.value() > scrolled
    assert tab.controls.spec().block == window.result.spec.block

    block_box.setFocus()
    qtbot.waitUntil(block_box.hasFocus)
    at = bar.value()
    wheel(block_box)  # a focused combo takes the wheel, as the user asked by clicking it
    assert block_box.currentIndex() == block_box.findText(block) + 1 and bar.value() == at


class DialogSpy:
    """Stands in for QFileDialog's static functions: records the start folder each was given, answers with the
    next path of ``answers`` ("" cancels)."""

    def __init__(self, monkeypatch):
        self.folders: list[str] = []
        self.answers: list[str] = []
        for name in ("getSaveFileName", "getOpenFileName"):
            monkeypatch.setattr(QFileDialog, name, lambda _parent, _title, where, *_a, **_k: self._answer(where))
        monkeypatch.setattr(QFileDialog, "getOpenFileNames", self._open_many)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda _p, _t, where, *_a: self._answer(where)[0])

    def _answer(self, where: str) -> tuple[str, str]:
        self.folders.append(where)
        return self.answers.pop(0), ""

    def _open_many(self, _parent, _title, where, *_args):
        path, _ = self._answer(where)
        return ([path] if path else []), ""

    def last_folder(self) -> Path:
        """Return the folder the last dialog started in (a save dialog's start is a file name in it)."""
        where = Path(self.folders[-1])
        return where if where.is_dir() else where.parent


def test_file_dialogs_remember_their_folder_per_kind(qtbot, window, sample, settings, tmp_path, monkeypatch):
    spy = DialogSpy(monkeypatch)
    views, sheets, tables, models = (tmp_path / name for name in ("views", "sheets", "tables", "models"))
    for folder in (views, sheets, tables, models):
        folder.mkdir()
    written = []
    monkeypatch.setattr(window.exporter, "export_sheet", written.append)

    spy.answers = [str(sample)]
    window.opener.choose_images()
    assert spy.last_folder() == Path(default_folder())  # nothing remembered yet: Documents or home
    qtbot.waitUntil(lambda: window.session.image is not None, timeout=TIMEOUT_MS)

    spy.answers = [str(views / "v.png"), str(sheets / "s.png")]
    window.exporter.choose_save_view()
    assert spy.last_folder() == Path(default_folder())  # not the image's folder
    window.exporter.choose_export_sheet()
    assert spy.last_folder() == views  # no sheet saved yet: where the last save went
    assert written == [str(sheets / "s.png")]

    spy.answers = ["", "", ""]
    window.exporter.choose_save_view()
    assert spy.last_folder() == views
    window.exporter.choose_export_sheet()
    assert spy.last_folder() == sheets
    window.opener.choose_images()
    assert spy.last_folder() == sample.parent

    images = tmp_path / "images"
    images.mkdir()
    for name in ("a.png", "b.png"):
        (images / name).write_bytes(sample.read_bytes())
    window.open_folder(str(images))  # a real run, to export
    batch = window.batch
    qtbot.waitUntil(lambda: batch.journal_path is not None and batch.export_button.isEnabled(), timeout=TIMEOUT_MS)
    spy.answers = [str(tables / "labels.csv")]
    batch.export_button.click()
    assert spy.last_folder() == sheets  # not the images' folder: the last save's
    qtbot.waitUntil((tables / "labels.csv").is_file, timeout=TIMEOUT_MS)

    spy.answers = [""]
    window.opener.choose_checkpoint()
    assert spy.last_folder() == Path(default_folder())  # an open of another kind does not start among images

    settings.sync()  # what the next start sees: the app's settings file
    again = FileDialogs(None, Settings(str(Path(settings.store.fileName()))).store)
    folders = {kind: Path(again.folder(kind)) for kind in ("image", "view", "sheet", "export", "checkpoint")}
    expected = {"image": sample.parent, "view": views, "sheet": sheets, "export": tables}
    assert folders == {**expected, "checkpoint": Path(default_folder())}


def test_about_names_the_versions_device_model_and_data_folder(qtbot, window, tmp_path):
    lines = window.about_lines()
    text = "\n".join(lines)
    info = window.session.classifier.info
    assert lines[0].startswith("CoAtNet Lens ") and lines[0] != "CoAtNet Lens unknown"
    assert f"Python {platform.python_version()}" in text and f"torch {torch.__version__}" in text
    assert f"Qt {qVersion()}" in text
    precision = window.session.classifier.placement.precision  # bf16 on a CPU with AMX or AVX-512-BF16
    assert f"Device: cpu, {precision} (asked for: cpu)" in lines and precision in ("fp32", "bf16")
    assert f"Model: {info.name} · {info.label_set}" in lines
    assert f"Model source: {info.source}: {info.location}" in lines and info.location
    assert f"Data folder: {tmp_path / 'data'}" in lines and data_dir() == tmp_path / "data"  # the settings fixture's
    box = window.show_about()
    assert box.isVisible() and box.text() == lines[0] and box.informativeText() == "\n".join(lines[1:])
    box.close()


def mnemonics(texts: list[str]) -> list[str]:
    """Return the Alt+letter of each text that has one ("&&" is a literal ampersand), lower-cased."""
    found = []
    for text in texts:
        plain = text.replace("&&", "")
        if "&" in plain:
            found.append(plain[plain.index("&") + 1].lower())
    return found


def test_each_alt_letter_opens_one_thing_on_each_tab(window):
    from PySide6.QtWidgets import QAbstractButton, QLabel

    bar = window.menuBar()
    shared = [a.text() for a in bar.actions()] + [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert mnemonics(shared) == ["f", "v", "o", "m", "n", "h", "i", "b"]
    for tab in (window.image_tab, window.batch, window.audit):
        texts = [w.text() for w in tab.findChildren(QLabel) if w.buddy() is not None]
        texts += [w.text() for w in tab.findChildren(QAbstractButton)]
        letters = mnemonics(shared) + mnemonics(texts)
        assert sorted(letters) == sorted(set(letters)), [t for t in texts if "&" in t.replace("&&", "")]
