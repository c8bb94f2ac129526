"""Teaching in the real window: a batch run on a small real folder, rows corrected in the table into classes of the
user's own, "Teach…" (head mode, a few epochs) with its live chart, the taught model active, "Relabel" labelling
the folder with the taught classes; errors shown in the dialog with the app still running; cancelling."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QInputDialog

from coatnet_gui.batch.rows import COL_PATH
from coatnet_gui.batch.view import BatchView
from coatnet_gui.teach.chart import nice_ticks
from model.runtime.inference import Classifier
from model.teach import TeachSettings

TIMEOUT_MS = 120_000
SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
OURS = {"Trouser": "legwear", "Sneaker": "shoes", "Bag": "bags"}  # Fashion-MNIST classes -> the user's names
PER_CLASS = 8


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Eight images of each of three Fashion-MNIST classes, copied from the test slice."""
    root = tmp_path / "shop"
    root.mkdir()
    for fmnist in OURS:
        for src in sorted(SLICE.glob(f"*_{fmnist}.png"))[:PER_CLASS]:
            shutil.copy(src, root / src.name)
    return root


@pytest.fixture(autouse=True)
def feature_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def select(view: BatchView, part: str) -> int:
    """Select the rows whose path holds ``part``; return how many."""
    proxy, selection = view.proxy, view.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    rows = [r for r in range(proxy.rowCount()) if part in proxy.data(proxy.index(r, COL_PATH))]
    for r in rows:
        selection.select(proxy.index(r, 0), flags)
    return len(rows)


def test_correct_teach_and_relabel_in_the_window(qtbot, window, folder: Path):
    view = window.batch
    window.open_folder(str(folder))
    qtbot.waitUntil(lambda: view.session.state is not None and not view.session.running, timeout=TIMEOUT_MS)
    assert view.table_model.rowCount() == 3 * PER_CLASS

    for fmnist, ours in OURS.items():
        assert select(view, fmnist) == PER_CLASS
        if ours == "shoes":  # through the "Set class…" button and its dialog, as a user would
            view.set_class_button.click()
            ask = view.findChild(QInputDialog)
            assert ask.isVisible() and ask.comboBoxItems()[: len(view.recent_classes)] == view.recent_classes
            ask.setTextValue(ours)
            ask.accept()
        else:
            view.set_class_of_selection(ours)
    assert sorted({c for _, c in view.table_model.store.corrected_pairs()}) == sorted(OURS.values())

    teach_action = next(a for a in window.model_menu.actions() if a.text() == "&Teach your classes…")
    teach_action.trigger()
    dialog = view.teach_dialog
    assert window.tabs.currentWidget() is view and dialog.isVisible() and dialog.rows_button.isChecked()
    n = 3 * PER_CLASS
    assert dialog.rows_button.text() == f"This run's rows: {n} images, {n} corrected, 3 classes"
    assert dialog.base_label.text() == window.session.model_source
    out = Path(dialog.out_edit.text())
    assert out.suffix == ".safetensors" and not out.exists() and out.parent.name == "taught-models"
    dialog.epochs_spin.setValue(4)
    with qtbot.waitSignal(view.model_taught, timeout=TIMEOUT_MS) as taught:
        dialog.teach_button.click()
        assert not dialog.teach_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert taught.args == [str(out)] and out.is_file()
    assert [p[0] for p in dialog.chart.points] == [1, 2, 3, 4]
    assert all(p[1] > 0 and 0 <= p[2] <= 1 for p in dialog.chart.points)
    assert not dialog.chart.grab().isNull()  # the chart paints
    assert "Taught 3 classes" in dialog.status.text() and not dialog.error_label.isVisible()

    qtbot.waitUntil(lambda: window.session.model_source == str(out), timeout=TIMEOUT_MS)  # the active model now
    assert sorted(window.session.classifier.label_names) == sorted(OURS.values())
    assert window.settings.model == str(out)  # remembered as the model to open next time
    qtbot.waitUntil(dialog.relabel_button.isEnabled, timeout=TIMEOUT_MS)

    old_key = view.session.state.key
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        dialog.relabel_button.click()
    assert view.session.state.key != old_key and view.session.state.model_source == str(out)
    model = view.table_model
    assert model.rowCount() == 3 * PER_CLASS and model.label_names == window.session.classifier.label_names
    labels = [model.label(row.top1) for row in model.rows]
    assert set(labels) <= set(OURS.values())
    right = sum(label == OURS[row.rel.split("_", 1)[1][:-4]] for label, row in zip(labels, model.rows, strict=True))
    assert right >= 2 * PER_CLASS  # taught on these very images: most come back with their class
    assert len(model.store.corrected_pairs()) == 3 * PER_CLASS  # the corrections went with the relabel


def test_teach_from_a_labelled_folder_errors_in_the_window_and_cancel(
    qtbot, tmp_path: Path, folder: Path, clf: Classifier, data_dir: Path
):
    view = BatchView(lambda: clf)
    qtbot.addWidget(view)
    view.model_ready("bundled")
    dialog = view.show_teach()  # nothing corrected: a labelled folder it is
    assert not dialog.rows_button.isEnabled() and dialog.folder_button.isChecked()
    labelled = tmp_path / "labelled"
    (labelled / "shoes").mkdir(parents=True)
    for src in sorted(folder.glob("*_Sneaker.png")):
        shutil.copy(src, labelled / "shoes")
    dialog.folder_edit.setText(str(labelled))
    with qtbot.waitSignal(dialog.controller.failed, timeout=TIMEOUT_MS) as failed:
        dialog.teach_button.click()  # one class only
    assert "two classes" in failed.args[0] and dialog.error_label.isVisible()
    assert failed.args[0] in dialog.error_label.text() and view.status.text() == f"Teaching failed: {failed.args[0]}"
    assert dialog.teach_button.isEnabled() and not Path(dialog.out_edit.text()).exists()

    (labelled / "bags").mkdir()
    for src in sorted(folder.glob("*_Bag.png")):
        shutil.copy(src, labelled / "bags")
    dialog.epochs_spin.setValue(2)
    with qtbot.waitSignal(view.model_taught, timeout=TIMEOUT_MS) as taught:
        dialog.teach_button.click()
    assert dialog.result.classes == ["bags", "shoes"] and Path(taught.args[0]).is_file()
    assert not dialog.error_label.isVisible() and len(dialog.chart.points) == 2
    assert sorted(p.name for p in labelled.rglob("*")) == sorted(
        ["bags", "shoes", *(p.name for p in folder.glob("*_Sneaker.png")), *(p.name for p in folder.glob("*_Bag.png"))]
    )  # nothing under the folder changed

    dialog.start()  # the output exists now: refused, nothing overwritten
    assert "exists already" in dialog.error_label.text() and not dialog.controller.running
    dialog.folder_edit.setText(str(tmp_path / "missing"))
    dialog.start()
    assert "is not a folder" in dialog.error_label.text() and not dialog.controller.running

    two = [(str(p), "shoes") for p in folder.glob("*_Sneaker.png")]
    two += [(str(p), "bags") for p in folder.glob("*_Bag.png")]
    out = tmp_path / "cancelled.safetensors"
    with qtbot.waitSignal(dialog.controller.cancelled, timeout=TIMEOUT_MS):
        dialog.controller.start("bundled", two, out, TeachSettings(epochs=50, device="cpu"))
        dialog.controller.cancel()
    assert not out.exists() and not dialog.controller.running and dialog.teach_button.isEnabled()
    assert dialog.status.text() == "Teaching cancelled; nothing was saved."
    view.stop()


def test_chart_ticks_are_round_and_cover_the_values():
    assert nice_ticks(1.0) == [0, 0.5, 1.0]
    assert nice_ticks(2.3) == [0, 1, 2, 3]
    assert nice_ticks(37, 6) == [0, 10, 20, 30, 40]
    ticks = nice_ticks(0.0123)
    assert ticks[-1] >= 0.0123 and len(ticks) <= 6
