"""The Batch tab's table and its file actions: sorting and filtering a 20,000-row model against Python's sort,
the selection following a sort, the filter row's counts, the Error column; the sort dialog (Enter never starts
anything, only the shown rows, the uncertain folder), undo asking first, exporting the shown rows."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import export
from PIL import Image
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest

from coatnet_gui.batch.filter_bar import FilterBar
from coatnet_gui.batch.rows import (
    ALL,
    COL_CORRECTED,
    COL_ERROR,
    COL_LABEL,
    COL_MAP,
    COL_MARGIN,
    COL_PATH,
    COL_PROB,
    COL_THUMB,
    COLUMNS,
    FAILED,
)
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.batch.table import BatchFilter, BatchTableModel
from coatnet_gui.batch.view import BatchView
from coatnet_gui.workers import Workers
from model.runtime.inference import Classifier

TIMEOUT_MS = 60_000
NAMES = ["Coat", "Bag", "Shirt", "Ankle boot"]

pytestmark = pytest.mark.usefixtures("data_dir")


def synthetic_records(start: int, n: int, seed: int) -> list[dict]:
    """Return ``n`` records numbered from ``start``: repeated paths and confidences (ties), 1 in 7 an error."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(start, start + n):
        path = f"d{rng.integers(0, 30)}/img_{rng.integers(0, 5000):05d}.png"
        if i % 7 == 3:
            out.append({"path": path, "indices": [], "probs": [], "error": f"bad file {rng.integers(0, 4)}"})
        else:
            top = int(rng.integers(0, len(NAMES)))
            out.append({"path": path, "indices": [top], "probs": [round(float(rng.random()), 2)], "error": None})
    return out


def python_order(model: BatchTableModel, rows: list[int], column: int, descending: bool) -> list[int]:
    """Return ``rows`` sorted as the table sorts ``column`` (stable), by Python's own sort."""
    keys = {
        COL_THUMB: lambda i: i,
        COL_PATH: lambda i: model.rows[i].shown,
        COL_LABEL: lambda i: (model.rows[i].error is not None, model.label(model.rows[i].top1)),
        COL_CORRECTED: lambda i: (model.store.corrected_name(i) is None, model.store.corrected_name(i) or ""),
        COL_PROB: lambda i: float("inf") if model.rows[i].error else model.rows[i].confidence,
        COL_MARGIN: lambda i: model.rows[i].margin,
        COL_ERROR: lambda i: model.rows[i].error or "",
        COL_MAP: lambda i: i,
    }
    return sorted(rows, key=keys[column], reverse=descending)


def shown_source_rows(proxy: BatchFilter) -> list[int]:
    return [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(proxy.rowCount())]


@pytest.fixture
def table(qapp) -> tuple[BatchTableModel, BatchFilter]:
    model = BatchTableModel(Workers())
    model.reset("/nowhere", NAMES)
    proxy = BatchFilter()
    proxy.setSourceModel(model)
    return model, proxy


def test_every_column_sorts_20000_rows_as_python_does_also_while_rows_arrive(table):
    model, proxy = table
    for start in range(0, 18_000, 2000):
        model.add_records(synthetic_records(start, 2000, seed=start))
    every = list(range(18_000))
    for column in range(len(COLUMNS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            proxy.sort(column, order)
            descending = order == Qt.SortOrder.DescendingOrder
            assert shown_source_rows(proxy) == python_order(model, every, column, descending), (column, order)

    for column, order in ((COL_PATH, Qt.SortOrder.DescendingOrder), (COL_PROB, Qt.SortOrder.AscendingOrder)):
        proxy.set_filter(ALL, 0.0, 1.0)
        proxy.sort(column, order)
        proxy.set_filter(2, 0.25, 0.75)  # rows arriving into a sorted, filtered table go where they belong
        first = model.rowCount()
        for start in range(first, first + 1000, 64):
            model.add_records(synthetic_records(start, 64, seed=start))
        kept = [i for i, r in enumerate(model.rows) if r.error is None and r.top1 == 2 and 0.25 <= r.confidence <= 0.75]
        assert shown_source_rows(proxy) == python_order(model, kept, column, order == Qt.SortOrder.DescendingOrder)
    assert model.rowCount() > 20_000

    proxy.set_filter(FAILED, 0.0, 1.0)
    assert shown_source_rows(proxy) == python_order(
        model, [i for i, r in enumerate(model.rows) if r.error], COL_PROB, False
    )
    cell = proxy.index(0, COL_ERROR)
    assert proxy.data(cell) == model.rows[proxy.mapToSource(cell).row()].error
    assert proxy.mapFromSource(proxy.mapToSource(cell)) == cell
    assert not proxy.mapFromSource(model.index(next(i for i, r in enumerate(model.rows) if not r.error), 0)).isValid()


def test_the_selection_stays_on_its_image_through_sorting_and_filtering(qtbot, table):
    from PySide6.QtWidgets import QTableView

    model, proxy = table
    model.add_records(synthetic_records(0, 500, seed=1))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(COL_PATH, Qt.SortOrder.AscendingOrder)
    target = next(i for i, r in enumerate(model.rows) if r.error is None and r.confidence > 0.5)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    view.selectionModel().setCurrentIndex(proxy.mapFromSource(model.index(target, COL_PATH)), flags)

    def selected() -> list[int]:
        return sorted({proxy.mapToSource(i).row() for i in view.selectionModel().selectedIndexes()})

    view.sortByColumn(COL_PROB, Qt.SortOrder.DescendingOrder)
    assert selected() == [target] and proxy.mapToSource(view.currentIndex()).row() == target
    proxy.set_filter(ALL, 0.5, 1.0)
    model.add_records(synthetic_records(500, 64, seed=2))
    assert selected() == [target]
    proxy.set_filter(ALL, 0.0, 0.5)  # its row is hidden: nothing stays selected
    assert selected() == []


def test_the_filter_row_counts_per_class_and_says_how_many_are_shown(qtbot, table):
    model, proxy = table
    bar = FilterBar(proxy)
    qtbot.addWidget(bar)
    bar.set_classes(NAMES)
    records = synthetic_records(0, 700, seed=3)
    model.add_records(records[:300])
    model.add_records(records[300:])
    failed = sum(1 for r in records if r["error"])
    coats = sum(1 for r in records if r["indices"][:1] == [0])
    texts = [bar.class_box.itemText(i) for i in range(bar.class_box.count())]
    assert texts[:3] == ["All classes (700)", f"Failed ({failed})", f"Coat ({coats})"]
    assert bar.shown_label.text() == "700 of 700 shown"
    bar.class_box.setCurrentIndex(bar.class_box.findData(0))
    assert bar.shown_label.text() == f"{coats} of 700 shown" == f"{proxy.rowCount()} of 700 shown"
    bar.min_spin.setValue(50.0)
    strong = sum(1 for r in records if r["indices"][:1] == [0] and r["probs"][0] >= 0.5)
    assert bar.shown_label.text() == f"{strong} of 700 shown"
    bar.show()
    widest = max(bar.class_box.fontMetrics().horizontalAdvance(t) for t in texts)
    assert bar.class_box.width() > widest  # "All classes (700)" is not cut off

    error_row = next(i for i, r in enumerate(model.rows) if r.error)
    assert model.data(model.index(error_row, COL_ERROR)) == records[error_row]["error"]
    assert model.data(model.index(error_row, COL_LABEL)) == "error"
    assert model.data(model.index(0, COL_ERROR)) == "" and not model.rows[0].error


# --- the view's file actions on a real run ---------------------------------------------------------------------


@pytest.fixture
def labelled(qtbot, clf: Classifier, tmp_path: Path) -> BatchView:
    """A view that has labelled 8 random images and one broken file in tmp_path/photos."""
    root = tmp_path / "photos"
    root.mkdir()
    for i in range(8):
        pixels = np.random.default_rng(i).integers(0, 256, (28, 28), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"img_{i}.png")
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    view = BatchView(lambda: clf)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(root))
    yield view
    view.stop()


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.png"))


def middle_confidence(view: BatchView) -> float:
    """Return a percentage between two of the labelled rows' confidences (the widest such gap)."""
    conf = sorted(r.confidence * 100 for r in view.table_model.rows if not r.error)
    gap, low = max((b - a, a) for a, b in zip(conf, conf[1:], strict=False))
    assert gap > 0.02, conf
    return round(low + gap / 2, 2)


def test_enter_in_the_sort_dialog_never_starts_a_file_operation(qtbot, labelled: BatchView, tmp_path: Path):
    root, dest = Path(labelled.table_model.root), tmp_path / "sorted"
    before = files(root)
    dialog = SortDialog(labelled.journal_path, str(root), labelled.table_model.label_names, labelled)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.move_button.setChecked(True)
    dialog.dest_edit.setText(str(dest))
    for widget in (dialog.dest_edit, dialog.uncertain_spin, dialog.sort_button, dialog):
        widget.setFocus()
        QTest.keyClick(widget, Qt.Key.Key_Return)
        QTest.keyClick(widget, Qt.Key.Key_Enter)
        assert dialog.isVisible() and dialog.result() == 0, widget
    assert len(dialog.steps) == 8 and dialog.sort_button.text() == "Move 8 files"  # the plan, shown
    assert not dest.exists() and files(root) == before


def test_undo_of_a_copy_sort_asks_and_reports_what_it_did(qtbot, labelled: BatchView, tmp_path, answer_next_box):
    root, dest = Path(labelled.table_model.root), tmp_path / "sorted"
    dialog = SortDialog(labelled.journal_path, str(root), labelled.table_model.label_names, labelled)
    dialog.dest_edit.setText(str(dest))
    dialog.refresh()
    with qtbot.waitSignal(labelled.operation_finished, timeout=TIMEOUT_MS):
        labelled.sort_files(dialog.steps, dialog.dest, dialog.move)
    copies = files(dest)
    assert len(copies) == 8 and len(files(root)) == 8

    seen: dict = {}
    answer_next_box("Cancel", seen)
    labelled.undo_button.click()
    assert seen["text"] == f"Remove 8 copies from {dest}? The originals are untouched." and seen["default"] == "Cancel"
    assert files(dest) == copies and labelled.manifest is not None  # Cancel: nothing happened

    answer_next_box("Undo", seen)
    with qtbot.waitSignal(labelled.operation_finished, timeout=TIMEOUT_MS) as undone:
        labelled.undo_button.click()
    assert undone.args[0] == f"Removed 8 copies from {dest}; the originals were untouched."
    assert labelled.status.text() == undone.args[0]
    assert files(dest) == [] and len(files(root)) == 8


def test_sorting_only_the_shown_rows_and_an_uncertain_folder(qtbot, labelled: BatchView, tmp_path: Path):
    root, dest = Path(labelled.table_model.root), tmp_path / "sorted"
    split = middle_confidence(labelled)
    labelled.min_spin.setValue(split)
    shown = labelled.shown_files()
    assert 0 < len(shown) < 8 and labelled.filter_bar.shown_label.text() == f"{len(shown)} of 9 shown"
    dialog = SortDialog(
        labelled.journal_path, str(root), labelled.table_model.label_names, labelled, shown=labelled.shown_files()
    )
    images = shown - {"broken.jpg"}  # "All classes" shows the error row at any confidence; it is never sorted
    assert dialog.shown_box.isChecked() and len(dialog.steps) == len(images)
    dialog.dest_edit.setText(str(dest))
    dialog.move_button.setChecked(True)
    dialog.refresh()
    with qtbot.waitSignal(labelled.operation_finished, timeout=TIMEOUT_MS):
        labelled.sort_files(dialog.steps, dialog.dest, dialog.move)
    assert sorted(Path(f).name for f in files(dest)) == sorted(images)
    assert files(root) == sorted(f"img_{i}.png" for i in range(8) if f"img_{i}.png" not in images)

    dest2 = tmp_path / "sorted2"
    labelled.min_spin.setValue(0.0)
    dialog = SortDialog(labelled.journal_path, str(root), labelled.table_model.label_names, labelled)
    assert not dialog.shown_box.isEnabled()
    dialog.dest_edit.setText(str(dest2))
    dialog.uncertain_spin.setValue(split)
    dialog.uncertain_box.setChecked(True)
    unsure = {s.src.name for s in dialog.steps if s.folder == "uncertain"}
    low = {r.rel for r in labelled.table_model.rows if not r.error and r.confidence * 100 < split}
    present = {p.name for p in root.glob("*.png")}
    assert unsure == low & present and unsure
    with qtbot.waitSignal(labelled.operation_finished, timeout=TIMEOUT_MS):
        labelled.sort_files(dialog.steps, dialog.dest, dialog.move)
    assert {p.name for p in (dest2 / "uncertain").iterdir()} == unsure


def test_export_of_the_shown_rows(qtbot, labelled: BatchView, tmp_path: Path):
    labelled.class_box.setCurrentIndex(labelled.class_box.findData(FAILED))
    counts = export(qtbot, labelled, tmp_path / "failed.csv", shown=True)
    assert (counts.labelled, counts.failed) == (0, 1)
    with (tmp_path / "failed.csv").open(newline="", encoding="utf-8") as f:
        assert [row["path"] for row in csv.DictReader(f)] == ["broken.jpg"]

    labelled.class_box.setCurrentIndex(labelled.class_box.findData(ALL))
    labelled.min_spin.setValue(middle_confidence(labelled))
    shown = labelled.shown_files()
    counts = export(qtbot, labelled, tmp_path / "sure.jsonl", shown=True)
    lines = (tmp_path / "sure.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(shown) < 9 and (counts.labelled, counts.failed) == (len(shown) - 1, 1)
