"""The Batch tab offscreen: a real run on a temp folder fills the table; filter, tooltip, thumbnail,
double-click, pause and cancel, export, sort with a preview and undo."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import threading
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import export
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from coatnet_gui.batch import session as session_module
from coatnet_gui.batch.rows import ALL, COL_LABEL, COL_PATH, COL_PROB, COL_THUMB, FAILED
from coatnet_gui.batch.runs import RunStore
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.batch.status_text import offer_text
from coatnet_gui.batch.thumbnails import THUMB_PX
from coatnet_gui.batch.view import BatchView
from model.runtime.inference import Classifier

TIMEOUT_MS = 60_000

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    rng = np.random.default_rng(0)
    for i in range(9):
        sub = root / "sub" if i >= 6 else root
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(sub / f"img_{i}.png")
    (root / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    return root


@pytest.fixture
def view(batch_view: BatchView) -> BatchView:
    return batch_view


def test_a_run_fills_the_table_and_the_table_filters_sorts_and_opens(
    qtbot, view: BatchView, folder: Path, clf: Classifier
):
    view.recursive_box.setChecked(True)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS) as finished:
        view.set_folder(str(folder))
    progress = finished.args[0]
    assert progress.done == progress.total == 10 and progress.failed == 1 and not progress.cancelled
    model, proxy = view.table_model, view.proxy
    assert model.rowCount() == proxy.rowCount() == 10
    assert view.status.text().startswith("Labelled 9 images, 1 failed")

    paths = {model.data(model.index(r, COL_PATH)) for r in range(10)}
    assert paths == {
        "broken.jpg",
        *(f"img_{i}.png" for i in range(6)),
        "sub/img_6.png",
        "sub/img_7.png",
        "sub/img_8.png",
    }
    broken = next(r for r in range(10) if model.rows[r].error)
    assert model.data(model.index(broken, COL_LABEL)) == "error"
    assert "error:" in model.data(model.index(broken, COL_PATH), Qt.ItemDataRole.ToolTipRole)
    good = next(r for r in range(10) if not model.rows[r].error)
    tip = model.data(model.index(good, COL_PROB), Qt.ItemDataRole.ToolTipRole).splitlines()
    assert len(tip) == 6 and tip[1].strip().endswith(model.data(model.index(good, COL_LABEL)))

    view.class_box.setCurrentIndex(view.class_box.findData(FAILED))
    assert proxy.rowCount() == 1 and proxy.data(proxy.index(0, COL_PATH)) == "broken.jpg"
    top = model.rows[good].top1
    view.class_box.setCurrentIndex(view.class_box.findData(top))
    assert 1 <= proxy.rowCount() == sum(1 for r in model.rows if r.top1 == top)
    view.class_box.setCurrentIndex(view.class_box.findData(ALL))
    view.min_spin.setValue(100.0)
    assert proxy.rowCount() == 1 + sum(1 for r in model.rows if r.confidence >= 1.0)  # the error row stays
    view.min_spin.setValue(0.0)
    view.table.sortByColumn(COL_PROB, Qt.SortOrder.DescendingOrder)
    shown = [proxy.data(proxy.index(r, COL_PROB)) for r in range(proxy.rowCount())]
    values = [float(s.rstrip("%")) for s in shown if s]
    assert values == sorted(values, reverse=True)

    def thumbnail():  # decoded off the GUI thread: None until it is ready
        return model.data(model.index(good, COL_THUMB), Qt.ItemDataRole.DecorationRole)

    qtbot.waitUntil(lambda: thumbnail() is not None, timeout=TIMEOUT_MS)
    assert thumbnail().width() == thumbnail().height() == THUMB_PX and not thumbnail().isNull()  # 28 px, grown

    cell = proxy.mapFromSource(model.index(good, COL_PATH))
    view.table.scrollTo(cell)
    rect = view.table.visualRect(cell)
    with qtbot.waitSignal(view.open_image_requested, timeout=TIMEOUT_MS) as opened:
        QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        QTest.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [str(folder / model.rows[good].rel)]


def test_export_sort_preview_move_and_undo(qtbot, view: BatchView, folder: Path, tmp_path: Path):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    assert view.table_model.rowCount() == 7  # not recursive

    counts = export(qtbot, view, tmp_path / "out.csv")
    assert (counts.labelled, counts.failed) == (6, 1)
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 7

    dest = tmp_path / "sorted"
    dialog = SortDialog(view.journal_path, view.table_model.root, view.table_model.label_names, view)
    dialog.dest_edit.setText(str(dest))
    dialog.move_button.setChecked(True)
    dialog.refresh()
    assert len(dialog.steps) == 6 and dialog.sort_button.isEnabled() and not dest.exists()  # a preview only
    with qtbot.waitSignal(view.operation_finished, timeout=TIMEOUT_MS) as sorted_:
        view.sort_files(dialog.steps, dialog.dest, dialog.move)
    assert sorted_.args[0].startswith("Sorted 6 files")
    assert len(list(dest.rglob("*.png"))) == 6 and not list(folder.glob("*.png"))

    with qtbot.waitSignal(view.operation_finished, timeout=TIMEOUT_MS) as undone:
        view.undo_sort(view.manifest)
    assert undone.args[0] == f"Moved 6 files back from {dest}."
    assert len(list(folder.glob("*.png"))) == 6


def test_an_export_is_written_off_the_gui_thread_while_the_table_stays_usable(
    qtbot, view: BatchView, folder: Path, tmp_path: Path, monkeypatch
):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    gate, writers = threading.Event(), []
    real = session_module.write_corrected_export

    def held(*args, **kwargs):  # the export waits until the test lets it go
        writers.append(threading.current_thread())
        assert gate.wait(TIMEOUT_MS / 1000)
        return real(*args, **kwargs)

    monkeypatch.setattr(session_module, "write_corrected_export", held)
    out = tmp_path / "out.jsonl"
    progress: list[tuple[int, int]] = []
    view.session.export_progress.connect(lambda done, total: progress.append((done, total)))
    view.export_to(str(out))  # returns at once: the file is not there yet
    assert not out.exists() and view.session.has_unexported()
    qtbot.waitUntil(lambda: len(writers) == 1, timeout=TIMEOUT_MS)
    assert writers[0] is not threading.main_thread()
    view.table.sortByColumn(COL_PROB, Qt.SortOrder.AscendingOrder)  # the table answers meanwhile
    view.min_spin.setValue(50.0)
    assert view.proxy.rowCount() < view.table_model.rowCount() and not out.exists()

    with qtbot.waitSignal(view.session.exported, timeout=TIMEOUT_MS) as written:
        gate.set()
    path, counts = written.args
    assert path == str(out) and (counts.labelled, counts.failed) == (6, 1)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 7 and progress[-1] == (7, 7)
    assert view.status.text() == f"Exported 6 labelled and 1 failed images to {out}."
    assert not view.session.has_unexported()  # a whole export of a finished run: not offered back


def test_a_failed_export_says_why_without_blocking(qtbot, view: BatchView, folder: Path, tmp_path: Path):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    (tmp_path / "a file").write_text("x")
    with qtbot.waitSignal(view.session.export_failed, timeout=TIMEOUT_MS) as failed:
        view.export_to(str(tmp_path / "a file" / "out.csv"))  # its folder is a file
    assert failed.args[0] == str(tmp_path / "a file" / "out.csv") and failed.args[1]
    assert view.status.text().startswith("Could not export to") and view.session.has_unexported()
    box = view.findChild(QMessageBox)  # shown with open(), not exec(): this test would hang otherwise
    assert box.isVisible() and box.text() == f"Could not export to {failed.args[0]}: {failed.args[1]}"
    box.close()


def test_the_close_questions_export_closes_once_the_file_is_written(
    qtbot, view: BatchView, folder: Path, tmp_path: Path, monkeypatch
):
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    out = tmp_path / "labels.csv"
    monkeypatch.setattr("coatnet_gui.batch.view.ask_export_path", lambda *_args: str(out))
    assert not view.confirm_close()
    box = view.findChild(QMessageBox)
    with qtbot.waitSignal(view.close_approved, timeout=TIMEOUT_MS):
        next(b for b in box.buttons() if b.text() == "Export…").click()
    assert out.exists() and view.confirm_close()


def test_pause_holds_the_run_and_cancel_ends_it(qtbot, view: BatchView, folder: Path):
    view.folder_edit.setText(str(folder))
    view.start()
    view.pause_button.setChecked(True)  # before the first batch: the run waits
    qtbot.wait(300)
    assert view.session.running and view.table_model.rowCount() == 0
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS) as finished:
        view.cancel()
    assert finished.args[0].cancelled and view.table_model.rowCount() == 0
    assert view.start_button.isEnabled() and not view.pause_button.isChecked()


def test_without_a_model_nothing_starts(qtbot, folder: Path):
    v = BatchView(lambda: None)
    qtbot.addWidget(v)
    v.set_folder(str(folder))
    assert not v.session.running and "No model" in v.status.text()


def test_closing_with_unexported_results_asks_and_the_run_is_offered_again(qtbot, view: BatchView, folder: Path, clf):
    view.model_ready("small")
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    assert not view.confirm_close()  # asks without blocking
    box = view.findChild(QMessageBox)
    assert box.isVisible() and box.text().startswith(f"7 labelled images of {folder}")
    with qtbot.waitSignal(view.close_approved, timeout=TIMEOUT_MS):
        next(b for b in box.buttons() if b.text() == "Quit anyway").click()
    assert view.confirm_close()

    active: list[Classifier | None] = [None]  # the next start: no model loaded yet
    again = BatchView(lambda: active[0])
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.session.offers, timeout=TIMEOUT_MS):
        again.model_ready("other")
    assert [offer_text(s) for s in again.offered] == [
        f"Resume labelling {folder}: 7 of 7 done (not exported) · {clf.info.name}"
    ]
    key = again.offered[0].key
    folder.rename(folder.with_name("away"))
    again.resume_run(key)  # the folder is gone: the offer stays and the status says why
    assert len(again.offered) == 1 and "not there any more" in again.status.text()
    folder.with_name("away").rename(folder)
    with qtbot.waitSignal(again.model_requested, timeout=TIMEOUT_MS) as requested:
        again.resume_run(key)
    assert requested.args == ["small"] and not again.session.running and not again.offer_frame.isVisible()
    active[0] = clf
    with qtbot.waitSignal(again.run_finished, timeout=TIMEOUT_MS) as finished:
        again.model_ready("small")  # the window reports the model it loaded: the run resumes
    assert finished.args[0].resumed == 7 and again.table_model.rowCount() == 7

    again.discard_run(key)
    assert RunStore().pending() == ([], [])


def test_undo_sort_in_the_window_refuses_a_crafted_manifest_beyond_its_folder(
    qtbot, view: BatchView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer_next_box, crafted_manifest
):
    manifest, victim, _copy = crafted_manifest
    dest = manifest.parent
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(manifest), ""))

    seen: dict = {}
    answer_next_box("Cancel", seen)
    view.undo_button.click()
    assert "was not written by CoAtNet Lens for you" in seen["text"] and seen["default"] == "Cancel"
    assert f"{victim} -> {victim}" in seen["details"] and "nothing is moved out" in seen["info"]
    assert (dest / "k" / "copy.txt").exists() and victim.exists()

    answer_next_box("Undo inside this folder only", seen)
    with qtbot.waitSignal(view.operation_finished, timeout=TIMEOUT_MS) as undone:
        view.undo_button.click()
    assert undone.args[0].startswith(f"Removed 1 copy from {dest}") and "not inside" in undone.args[0]
    assert victim.read_text() == "precious" and not (dest / "k" / "copy.txt").exists()
