"""The Teach dialog's "This run's rows" source without teaching (its counts, the floor, the advice when the rows
give one class, the suggested output following the run's folder, the bar through the phases and after a
failure), the preview dialog's texts and choice, and the run store keeping a run that a later version names."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from collections import Counter
from pathlib import Path

import pytest

from coatnet_gui.batch.relabel_dialog import RelabelDialog
from coatnet_gui.batch.runs import RunState, RunStore
from coatnet_gui.batch.versions import label_names_of
from coatnet_gui.teach.dialog import TeachDialog
from coatnet_gui.teach.rows_source import plural
from coatnet_gui.workers import Workers
from model.batch.relabel import RelabelPreview
from model.teach import TeachProgress
from model.teach.dataset import TableRow

pytestmark = pytest.mark.usefixtures("data_dir")

ROWS = [
    TableRow("/r/a.png", "Shirt", 0.9),
    TableRow("/r/b.png", "Shirt", 0.3, corrected="Coat"),
    TableRow("/r/c.png", "Bag", 0.4),
    TableRow("/r/d.png", "", None, error="cannot decode"),
]


@pytest.fixture
def dialog(qtbot) -> TeachDialog:
    d = TeachDialog(Workers())
    qtbot.addWidget(d)
    yield d
    d.shutdown()


def test_rows_source_counts_every_row_and_the_floor(dialog: TeachDialog):
    dialog.prepare(ROWS, "bundled", "cpu", "shop")
    assert dialog.rows_button.isChecked() and dialog.rows_button.isEnabled()
    assert dialog.rows_button.text() == "This run's rows: 3 images, 1 corrected, 3 classes"
    assert "every row" in dialog.floor_spin.toolTip()
    dialog.floor_spin.setValue(50)  # the Bag row (40 %) no longer counts; the corrected one always does
    assert dialog.rows_button.text() == "This run's rows: 2 images, 1 corrected, 2 classes"
    assert plural(1, "class") == "1 class" and plural(2, "image") == "2 images"


def test_rows_without_a_correction_say_teaching_would_only_repeat_the_labels(dialog: TeachDialog):
    uncorrected = [ROWS[0], TableRow("/r/b.png", "Coat", 0.9), ROWS[3]]
    dialog.prepare(uncorrected, "bundled", "cpu", "shop")
    assert dialog.rows_button.text() == (
        "This run's rows: 2 images, 0 corrected, 2 classes"
        " (none corrected yet: the new model would only learn the labels this one gave)"
    )
    dialog.prepare(ROWS, "bundled", "cpu", "shop")  # one correction: the plain count
    assert dialog.rows_button.text() == "This run's rows: 3 images, 1 corrected, 3 classes"


def test_one_class_from_rows_says_what_to_do_with_rows(dialog: TeachDialog):
    dialog.prepare(ROWS[:1], "bundled", "cpu", "shop")
    assert dialog.rows_button.text() == "This run's rows: 1 image, 0 corrected, 1 class"
    dialog.start()
    text = dialog.error_label.text()
    assert "1 class" in text and "Set class" in text and "add a folder" not in text
    assert not dialog.controller.running
    dialog._on_failed("Teaching needs at least two classes (only 'Shirt'); add a folder of images for another class.")
    assert "add a folder" not in dialog.error_label.text() and "Set class" in dialog.error_label.text()


def test_the_suggested_output_follows_the_run_unless_edited(dialog: TeachDialog):
    dialog.prepare(ROWS, "bundled", "cpu", "shop")
    assert Path(dialog.out_edit.text()).name.startswith("shop-")
    dialog.prepare(ROWS, "bundled", "cpu", "garden")
    assert Path(dialog.out_edit.text()).name.startswith("garden-")
    dialog.out_edit.setText("/somewhere/mine.safetensors")
    dialog.prepare(ROWS, "bundled", "cpu", "attic")
    assert dialog.out_edit.text() == "/somewhere/mine.safetensors"


def test_the_bar_goes_through_the_phases_and_clears_after_a_failure(dialog: TeachDialog):
    bar = dialog.progress_bar
    assert bar.value() < bar.minimum()  # nothing shown before teaching
    values = []
    train = TeachProgress("train", 10, 10, 0.1, 0.9)
    phases = (TeachProgress("features", 5, 10), train, TeachProgress("evaluate", 0, 1))
    for p in phases:
        dialog._on_progress(p)
        values.append(bar.value())
    assert values == sorted(values) and values[-1] >= 0.95 * bar.maximum()  # not 0 % with every epoch charted
    dialog._on_failed("the disk is full")
    assert bar.value() < bar.minimum() and "the disk is full" in dialog.error_label.text()  # not 100 % now


def test_preview_dialog_shows_the_changes_and_the_choice(qtbot):
    preview = RelabelPreview(Counter({("Shirt", "Coat"): 3, ("Bag", "Sandal"): 1}), kept=2, unchanged=10)
    d = RelabelDialog(preview, "taught-model")
    qtbot.addWidget(d)
    d.show()
    assert "Relabel will change 4 labels; your 2 corrections are kept." in d.summary.text()
    assert [d.table.item(0, c).text() for c in range(3)] == ["Shirt", "Coat", "3"] and d.table.rowCount() == 2
    with qtbot.waitSignal(d.decided) as decided:
        d.keep_button.click()
    assert decided.args == [False] and not d.isVisible()


def _state(key: str, previous: str = "") -> RunState:
    return RunState(key, "/r", "m", "bundled", False, 5, 8, "cpu", "fp32", previous=previous, label_names=["a", "b"])


def test_a_run_that_a_later_version_names_is_kept_and_not_offered(tmp_path: Path):
    store = RunStore(tmp_path / "runs")
    for state in (_state("old", ""), _state("new", "old"), _state("done", "")):
        store.save(state)
        store.journal_path(state.key).write_text("")  # no results: stale unless kept
    offered, stale = store.pending()
    assert offered == [] and sorted(stale) == ["done", "new"]  # "old" is neither: "new" names it
    assert store.load("new").previous == "old" and store.load("new").label_names == ["a", "b"]


def test_label_names_come_from_the_state_or_the_records():
    assert label_names_of(_state("k"), []) == ["a", "b"]
    old = RunState("k", "/r", "m", "bundled", False, 5, 8, "cpu", "fp32")  # stored before versions
    records = [{"indices": [2, 0], "labels": ["Coat", "Bag"]}]
    assert label_names_of(old, records) == ["Bag", "class 1", "Coat"]
