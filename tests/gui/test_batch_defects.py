"""Defects a new user met in the Batch tab's loop, on the real widgets: the Corrected cell editor replaces its
text when typed into and commits on the first Enter (a new class only after a confirmation), "Set class…" starts
empty, a new run starts with no filter, and "Discard" asks first and can be undone."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from pathlib import Path

import pytest
from gui_helpers import noise_pngs
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QInputDialog, QLabel, QMessageBox, QPushButton

from coatnet_gui.batch.rows import COL_CORRECTED, COL_PATH
from coatnet_gui.batch.runs import DISCARDED_FOLDER, RunStore
from coatnet_gui.batch.view import BatchView
from model.runtime.inference import Classifier

TIMEOUT_MS = 60_000

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = noise_pngs(tmp_path / "photos", 6)
    return root


def labelled(qtbot, view: BatchView, folder: Path) -> BatchView:
    view.model_ready("small")
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    return view


def open_editor(view: BatchView, rel: str) -> QComboBox:
    """Open the Corrected cell editor of the row of ``rel`` as F2 would; return the editor."""
    model, proxy = view.table_model, view.proxy
    row = next(i for i, r in enumerate(model.rows) if r.rel == rel)
    cell = proxy.mapFromSource(model.index(row, COL_CORRECTED))
    view.table.setCurrentIndex(cell)
    view.table.setFocus()
    QTest.keyClick(view.table, Qt.Key.Key_F2)
    editors = [e for e in view.table.findChildren(QComboBox) if e.isVisible()]  # closed ones wait for deletion
    assert len(editors) == 1
    return editors[0]


def corrected(view: BatchView, rel: str) -> str | None:
    model = view.table_model
    return model.store.corrected_name(next(i for i, r in enumerate(model.rows) if r.rel == rel))


def test_the_corrected_cell_editor_replaces_what_it_shows_and_commits_on_the_first_enter(
    qtbot, batch_view: BatchView, folder: Path, clf: Classifier
):
    view = labelled(qtbot, batch_view, folder)
    editor = open_editor(view, "img_0.png")
    assert editor.lineEdit().selectedText() == editor.currentText() != ""  # all selected: typing replaces it
    target = next(n for n in clf.label_names if n != editor.currentText() and "/" not in n)
    QTest.keyClicks(editor, target[:3])  # the completion list opens on what is typed
    popup = editor.completer().popup()
    assert popup.isVisible() and editor.currentText() == target[:3]
    QTest.keyClicks(editor, target[3:])
    assert popup.isVisible()  # still open on the whole name: the first Enter must commit, not only close it
    QTest.keyClick(popup, Qt.Key.Key_Return)  # where a person's Enter goes while the list is open
    qtbot.waitUntil(lambda: corrected(view, "img_0.png") == target)
    assert not any(e.isVisible() for e in view.table.findChildren(QComboBox))  # closed by that one Enter
    assert view.table_model.store.added_classes() == []  # no "ShirtCoat"

    editor = open_editor(view, "img_1.png")  # a class that does not exist yet: one question, default No
    QTest.keyClicks(editor, "Jackett")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert box.text() == "Add the new class 'Jackett'?" and box.defaultButton().text().replace("&", "") == "No"
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)
    assert corrected(view, "img_1.png") is None and "Jackett" not in view.table_model.store.classes

    editor = open_editor(view, "img_1.png")
    QTest.keyClicks(editor, "Gloves")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    QApplication.activeModalWidget().button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: corrected(view, "img_1.png") == "Gloves")
    assert view.table_model.store.added_classes() == ["Gloves"]


def test_set_class_starts_empty_and_an_immediate_enter_sets_nothing(
    qtbot, batch_view: BatchView, folder: Path, clf: Classifier
):
    view = labelled(qtbot, batch_view, folder)
    view.table.selectAll()
    view.choose_class_for_selection()
    dialog = view.findChild(QInputDialog)
    combo = dialog.findChild(QComboBox)
    assert combo.currentText() == ""
    QTest.keyClick(combo, Qt.Key.Key_Return)
    assert dialog.isVisible() and view.table_model.store.corrections == {}
    QTest.keyClicks(combo, clf.label_names[2])
    QTest.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(view.table_model.store.corrections) == 6)
    assert set(view.table_model.store.corrections.values()) == {clf.label_names[2]}


def test_a_new_run_starts_with_no_filter(qtbot, batch_view: BatchView, folder: Path, tmp_path: Path):
    view = labelled(qtbot, batch_view, folder)
    bar = view.filter_bar
    bar.corrected_box.setCurrentIndex(bar.corrected_box.findData(True))
    bar.min_spin.setValue(50.0)
    bar.class_box.setCurrentIndex(3)
    assert view.proxy.rowCount() == 0 and bar.shown_label.text() == "0 of 6 shown"
    other = tmp_path / "other"
    other.mkdir()
    for name in ("a.png", "b.png"):
        (other / name).write_bytes((folder / "img_0.png").read_bytes())
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(other))
    assert bar.shown_label.text() == "2 of 2 shown"
    assert bar.corrected_box.currentData() is None and bar.min_spin.value() == 0.0 and bar.class_box.currentIndex() == 0
    assert sorted(view.proxy.data(view.proxy.index(r, COL_PATH)) for r in range(2)) == ["a.png", "b.png"]


def test_discard_asks_first_and_can_be_undone(qtbot, batch_view: BatchView, folder: Path, clf, answer_next_box):
    view = labelled(qtbot, batch_view, folder)
    view.table.selectAll()
    view.set_class_of_selection(clf.label_names[1])
    key = view.session.state.key
    store = RunStore()
    qtbot.waitUntil(lambda: store.corrections_path(key).is_file(), timeout=TIMEOUT_MS)
    view.session.state = None  # as at the next start: the run is stored, not shown
    with qtbot.waitSignal(view.session.offers, timeout=TIMEOUT_MS):
        view.session.refresh_offers()
    bar = view.offer_frame

    def button(text: str) -> QPushButton:
        return next(b for b in bar.findChildren(QPushButton) if b.text() == text and b.isVisible())

    seen: dict = {}
    answer_next_box("No", seen)
    button("Discard…").click()
    assert seen["default"].replace("&", "") == "No"
    assert str(folder) in seen["text"] and "6 labelled images" in seen["text"] and "6 corrections" in seen["text"]
    assert store.load(key) is not None and [s.key for s in view.offered] == [key]

    answer_next_box("Yes", seen)
    with qtbot.waitSignal(view.session.offers, timeout=TIMEOUT_MS):
        button("Discard…").click()
    assert store.load(key) is None and view.offered == []
    assert (store.folder / DISCARDED_FOLDER / key / "corrections.json").is_file()  # kept, recoverable
    lines = [label.text() for label in bar.findChildren(QLabel) if label.isVisible()]
    assert bar.isVisible() and lines == [f"Discarded the run of {folder} (6 images, 6 corrected)."]

    with qtbot.waitSignal(view.session.offers, timeout=TIMEOUT_MS):
        button("Undo discard").click()
    assert [s.key for s in view.offered] == [key] and view.offered[0].corrected == 6
    assert not (store.folder / DISCARDED_FOLDER / key).exists()
    assert len(store.load_corrections(key).labels) == 6
