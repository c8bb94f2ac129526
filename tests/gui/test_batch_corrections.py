"""Correcting labels in the Batch tab offscreen: a Corrected cell edited with its combo, selected rows given a
class (a new one too), the model's label kept beside the correction, error rows left alone; the corrections
stored with the run, in the exports, and back after a restart; the "not corrected" filter; the context menu;
sorting into folders by the corrected classes; "Least certain first" by margin and by top-1."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import json
from pathlib import Path

import pytest
from gui_helpers import export, noise_pngs
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QInputDialog, QMenu

from coatnet_gui.batch.rows import COL_CORRECTED, COL_LABEL, COL_MARGIN, COL_PATH, COL_PROB
from coatnet_gui.batch.runs import RunStore
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.batch.status_text import offer_text
from coatnet_gui.batch.view import BatchView
from model.runtime.inference import Classifier

TIMEOUT_MS = 60_000

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = noise_pngs(tmp_path / "photos", 8)
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    return root


def open_view(qtbot, clf: Classifier | None) -> BatchView:
    view = BatchView(lambda: clf)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    return view


def select(view: BatchView, names: list[str]) -> None:
    """Select the rows of the files ``names``, as a ctrl-click on each would."""
    proxy, selection = view.proxy, view.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for r in range(proxy.rowCount()):
        if proxy.data(proxy.index(r, COL_PATH)) in names:
            selection.select(proxy.index(r, 0), flags)


def row_of(view: BatchView, name: str) -> int:
    return next(i for i, row in enumerate(view.table_model.rows) if row.rel == name)


def test_corrections_are_marked_stored_exported_and_back_after_a_restart(
    qtbot, folder: Path, tmp_path: Path, clf: Classifier
):
    view = open_view(qtbot, clf)
    view.model_ready("small")
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    model, proxy = view.table_model, view.proxy

    select(view, ["img_0.png", "img_1.png", "img_2.png", "broken.jpg"])
    assert view.set_class_of_selection("Hat") == 3  # a new class; the error row stays as it is
    assert "Hat" in model.store.classes and model.store.added_classes() == ["Hat"]

    cell = proxy.mapFromSource(model.index(row_of(view, "img_3.png"), COL_CORRECTED))
    view.table.setCurrentIndex(cell)
    view.table.edit(cell)
    editor = view.table.findChild(QComboBox)
    assert editor is not None and editor.isEditable()
    assert editor.currentText() == model.data(model.index(row_of(view, "img_3.png"), COL_LABEL))  # starts at top-1
    assert editor.findText("Hat") >= 0 and editor.findText(clf.label_names[0]) >= 0
    editor.setCurrentText(clf.label_names[1])
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: model.store.corrected_name(row_of(view, "img_3.png")) == clf.label_names[1])

    hat = row_of(view, "img_0.png")
    assert model.data(model.index(hat, COL_CORRECTED)) == "Hat"
    assert model.data(model.index(hat, COL_LABEL)) == clf.label_names[model.rows[hat].top1]  # the model's, beside
    assert model.data(model.index(hat, COL_PATH), Qt.ItemDataRole.BackgroundRole) is not None
    assert model.data(model.index(row_of(view, "img_5.png"), COL_PATH), Qt.ItemDataRole.BackgroundRole) is None
    assert "corrected to: Hat" in model.data(model.index(hat, COL_PATH), Qt.ItemDataRole.ToolTipRole)
    select(view, ["img_2.png"])
    view.set_class_of_selection(None)  # back to the model's label
    assert model.data(model.index(row_of(view, "img_2.png"), COL_CORRECTED)) == ""
    expected = {"img_0.png": "Hat", "img_1.png": "Hat", "img_3.png": clf.label_names[1]}
    assert {Path(p).name: c for p, c in model.store.corrected_pairs()} == expected
    assert all(Path(p).parent == folder for p, _ in model.store.corrected_pairs())

    corrected_box = view.filter_bar.corrected_box
    corrected_box.setCurrentIndex(corrected_box.findData(False))  # the queue of rows still to correct
    assert proxy.rowCount() == 9 - 3
    select(view, ["img_6.png"])
    view.set_class_of_selection("Hat")  # leaves the queue at once
    assert proxy.rowCount() == 9 - 4 and view.filter_bar.shown_label.text() == "5 of 9 shown"
    corrected_box.setCurrentIndex(corrected_box.findData(True))
    assert sorted(proxy.data(proxy.index(r, COL_PATH)) for r in range(proxy.rowCount())) == [
        "img_0.png",
        "img_1.png",
        "img_3.png",
        "img_6.png",
    ]
    select(view, ["img_6.png"])
    view.set_class_of_selection(None)
    corrected_box.setCurrentIndex(corrected_box.findData(None))
    assert proxy.rowCount() == 9

    stored_path = RunStore().corrections_path(view.session.state.key)

    def stored() -> tuple[dict[str, str], list[str]]:  # written off the GUI thread
        obj = json.loads(stored_path.read_text(encoding="utf-8")) if stored_path.is_file() else {}
        return {e["path"]: e["label"] for e in obj.get("corrections", [])}, obj.get("classes", [])

    qtbot.waitUntil(lambda: stored() == (expected, ["Hat"]), timeout=TIMEOUT_MS)

    export(qtbot, view, tmp_path / "out.csv")
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as f:
        exported = {r["path"]: (r["label"], r["corrected"]) for r in csv.DictReader(f)}
    assert len(exported) == 9 and {p: c for p, (_, c) in exported.items() if c} == expected
    assert exported["img_0.png"][0] == clf.label_names[model.rows[hat].top1]
    export(qtbot, view, tmp_path / "out.jsonl", shown=True)
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["path"]: r["corrected"] for r in lines if r["corrected"]} == expected
    select(view, ["img_4.png"])
    view.set_class_of_selection("Hat")  # a correction after the export: the run is offered again
    expected["img_4.png"] = "Hat"
    view.stop()

    again = open_view(qtbot, clf)  # the next start
    with qtbot.waitSignal(again.session.offers, timeout=TIMEOUT_MS):
        again.model_ready("small")
    assert len(again.offered) == 1 and offer_text(again.offered[0]).startswith(
        f"Resume labelling {folder}: 9 of 9 done, 4 corrected (not exported)"
    )
    with qtbot.waitSignal(again.run_finished, timeout=TIMEOUT_MS):
        again.resume_run(again.offered[0].key)
    restored = again.table_model
    assert {Path(p).name: c for p, c in restored.store.corrected_pairs()} == expected
    assert restored.data(restored.index(row_of(again, "img_4.png"), COL_CORRECTED)) == "Hat"
    assert "Hat" in restored.store.classes
    again.stop()


def test_least_certain_first_by_margin_and_by_top1(qtbot, folder: Path, clf: Classifier):
    view = open_view(qtbot, clf)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    model, proxy = view.table_model, view.proxy

    def shown(column: int) -> list[float]:
        return [float(proxy.data(proxy.index(r, column)).rstrip("%") or "inf") for r in range(proxy.rowCount())]

    view.sort_uncertain_first(by_margin=True)
    margins = shown(COL_MARGIN)
    assert margins == sorted(margins) and margins[-1] == float("inf")  # the error row last
    expected = sorted((r.probs[0] - r.probs[1]) * 100 for r in model.rows if not r.error)
    assert margins[:-1] == pytest.approx(expected, abs=0.051)  # shown to one decimal
    assert view.table.horizontalHeader().sortIndicatorSection() == COL_MARGIN

    view.sort_uncertain_first(by_margin=False)
    probs = shown(COL_PROB)
    assert probs == sorted(probs) and probs[-1] == float("inf")
    view.stop()


def test_the_context_menu_sets_a_class_and_sorting_into_folders_follows_the_corrections(
    qtbot, folder: Path, tmp_path: Path, clf: Classifier
):
    view = open_view(qtbot, clf)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    model = view.table_model
    select(view, ["img_0.png"])
    view.set_class_of_selection("Hat")

    def menu_action(text: str) -> QAction:
        view.table.customContextMenuRequested.emit(QPoint(5, 5))
        menu = next(m for m in view.findChildren(QMenu) if m.isVisible())
        action = next(a for a in menu.actions() if a.text() == text)
        assert action.isEnabled()
        return action

    select(view, ["img_5.png", "img_6.png"])
    menu_action("Set class: Hat").trigger()
    assert [model.store.corrected_name(row_of(view, f"img_{i}.png")) for i in (0, 5, 6)] == ["Hat"] * 3
    select(view, ["img_5.png"])
    menu_action("Clear correction").trigger()
    assert model.store.corrected_name(row_of(view, "img_5.png")) is None
    menu_action("New class…").trigger()
    ask = next(d for d in view.findChildren(QInputDialog) if d.isVisible())
    ask.setTextValue("Scarf")
    ask.accept()
    assert model.store.classes[-2:] == ["Hat", "Scarf"] and model.corrections().added == ["Hat", "Scarf"]

    sort = SortDialog(view.journal_path, str(folder), model.label_names, view, corrections=model.store.corrections)
    sort.dest_edit.setText(str(tmp_path / "sorted"))
    sort.uncertain_box.setChecked(True)
    sort.uncertain_spin.setValue(100.0)  # every model label is uncertain; the user's are not
    planned = {step.src.name: step.folder for step in sort.steps}
    assert sort.corrected_box.isChecked() and planned["img_0.png"] == planned["img_6.png"] == "Hat"
    assert {planned[f"img_{i}.png"] for i in (1, 2, 3, 4, 5, 7)} == {"uncertain"} and len(planned) == 8
    sort.corrected_box.setChecked(False)
    assert "Hat" not in {step.folder for step in sort.steps}
    view.stop()
