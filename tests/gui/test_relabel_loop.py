"""Correct -> teach -> relabel -> undo in the real Batch tab, judged by the truth: 160 real Fashion-MNIST test images
labelled with the bundled model, its misclassified rows corrected to their true class, "Teach…" from this run's
rows (every row, not only the corrected ones), "Relabel the folder with it": the preview counts what really moved,
the new labels are right more often than the first run's, the export names the taught model, "Undo relabel"
brings the first run's labels back (the corrections stay), and a second relabel answered with "Keep the old labels"
does too."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel

from coatnet_gui.batch.rows import COL_PATH
from coatnet_gui.batch.view import BatchView
from model.resources import bundled_model_dir
from model.runtime.inference import Classifier
from model.weights.loading import load_model

TIMEOUT_MS = 300_000
SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
IMAGES = 160  # the slice's first 160 files: 13 of them the bundled model gets wrong
CORRECT = 15  # at most this many misclassified rows are corrected

pytestmark = pytest.mark.skipif(
    not (bundled_model_dir() / "model.safetensors").is_file(), reason="the bundled model is not trained"
)


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The first files of the real test slice, copied, and their true classes by file name."""
    with (SLICE / "labels.csv").open(newline="", encoding="utf-8") as f:
        truth = {r["file"]: r["label"] for r in csv.DictReader(f)}
    root = tmp_path / "shop"
    root.mkdir()
    for name in sorted(truth)[:IMAGES]:
        shutil.copy(SLICE / name, root / name)
    return root, {name: truth[name] for name in sorted(truth)[:IMAGES]}


def shown_labels(view: BatchView) -> dict[str, str]:
    """The label each row shows: the user's class, else the model's top-1."""
    store = view.table_model.store
    return {row.rel: store.corrected_name(i) or store.label(row.top1) for i, row in enumerate(store.rows)}


def top1(view: BatchView) -> dict[str, str]:
    store = view.table_model.store
    return {row.rel: store.label(row.top1) for row in store.rows}


def accuracy(labels: dict[str, str], truth: dict[str, str]) -> float:
    return sum(labels[name] == truth[name] for name in truth) / len(truth)


def select(view: BatchView, name: str) -> None:
    proxy, selection = view.proxy, view.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    row = next(r for r in range(proxy.rowCount()) if proxy.data(proxy.index(r, COL_PATH)) == name)
    selection.select(proxy.index(row, 0), flags)


def exported_models(qtbot, view: BatchView, path: Path) -> set[str]:
    """The ``model`` column of the Batch export of the shown run."""
    with qtbot.waitSignal(view.session.exported, timeout=TIMEOUT_MS):
        view.export_to(str(path))
    with path.open(newline="", encoding="utf-8") as f:
        return {row["model"] for row in csv.DictReader(f)}


def test_correct_teach_relabel_is_better_and_undo_brings_the_first_labels_back(
    qtbot, tmp_path: Path, folder, data_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    root, truth = folder
    active = [Classifier(load_model("bundled"), device="cpu")]
    view = BatchView(lambda: active[0])
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    view.model_ready("bundled")
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(root))
    first, first_top1 = shown_labels(view), top1(view)
    first_accuracy = accuracy(first, truth)
    first_models = exported_models(qtbot, view, tmp_path / "first.csv")
    assert not view.correct_bar.undo_relabel_button.isEnabled()  # a first labelling has no previous version

    wrong = [name for name in sorted(truth) if first[name] != truth[name]][:CORRECT]
    assert len(wrong) >= 5, wrong  # the bundled model's real mistakes on real images
    for name in wrong:
        select(view, name)
        assert view.set_class_of_selection(truth[name]) == 1

    dialog = view.show_teach()
    classes = len(set(first.values()) | {truth[n] for n in wrong})
    assert dialog.rows_button.isChecked() and dialog.floor_spin.value() == 0 and dialog.floor_spin.toolTip()
    assert dialog.rows_button.text() == f"This run's rows: {IMAGES} images, {len(wrong)} corrected, {classes} classes"
    out = Path(dialog.out_edit.text())
    assert out.name.startswith("shop-") and out.parent.name == "taught-models" and not out.exists()
    dialog.teach_button.click()
    qtbot.waitUntil(lambda: not dialog.controller.running, timeout=TIMEOUT_MS)  # taught, or failed: said at once
    assert dialog.result is not None and out.is_file(), dialog.error_label.text()
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()  # 100 % once taught
    assert sorted(dialog.result.classes) == sorted(set(truth.values()))  # no untouched class is dropped

    active[0] = Classifier(load_model(str(out)), device="cpu")  # the window makes the taught model active
    view.model_ready(str(out))
    assert dialog.relabel_button.isEnabled()
    first_key = view.session.state.key
    with qtbot.waitSignal(view.versions.preview_ready, timeout=TIMEOUT_MS) as ready:
        dialog.relabel_button.click()
    preview = ready.args[0]
    assert view.session.state.key != first_key and view.session.state.previous == first_key
    new_top1 = top1(view)
    moved = [name for name in truth if name not in wrong and new_top1[name] != first_top1[name]]
    assert preview.changed == len(moved) and preview.kept == len(wrong)
    assert view.versions.dialog.isVisible() and preview.summary() in view.versions.dialog.summary.text()
    assert view.versions.dialog.table.rowCount() == len(preview.changes)

    view.versions.dialog.use_button.click()
    after = shown_labels(view)
    after_accuracy = accuracy(after, truth)
    print(f"\nright labels: first run {first_accuracy:.1%}, after {len(wrong)} corrections {after_accuracy:.1%}")
    assert after_accuracy > first_accuracy
    new_models = exported_models(qtbot, view, tmp_path / "new.csv")
    assert new_models == {active[0].info.name} and new_models != first_models  # the export names who labelled
    assert view.correct_bar.undo_relabel_button.isEnabled()

    relabelled = view.session.store.journal_path(view.session.state.key).parent
    with qtbot.waitSignal(view.versions.shown, timeout=TIMEOUT_MS):
        view.correct_bar.undo_relabel_button.click()
    assert view.session.state.key == first_key and top1(view) == first_top1
    assert shown_labels(view) == {**first, **{n: truth[n] for n in wrong}}  # the corrections stay
    assert exported_models(qtbot, view, tmp_path / "undone.csv") == first_models
    assert not view.correct_bar.undo_relabel_button.isEnabled()
    assert not relabelled.exists()

    with qtbot.waitSignal(view.versions.preview_ready, timeout=TIMEOUT_MS):  # once more, then keep the old labels
        view.correct_bar.relabel_button.click()
    assert view.versions.dialog.isVisible() and top1(view) == new_top1  # the same model, the same new labels
    with qtbot.waitSignal(view.versions.shown, timeout=TIMEOUT_MS):
        view.versions.dialog.keep_button.click()
    assert view.session.state.key == first_key and top1(view) == first_top1 and not relabelled.exists()
    view.stop()
