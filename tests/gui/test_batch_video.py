"""The Batch tab with a video in the folder, in the real window offscreen: a row per sampled frame, a frame row's
thumbnail shows the frame, opening a frame row shows that frame in the Image tab with its overlay, a correction
on a frame row is kept and reaches the Teach dialog's rows, the export carries frame and time, and sorting
leaves the frames out with a count."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import shutil
from pathlib import Path

import numpy as np
from gui_helpers import TIMEOUT_MS, export, settle
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtTest import QTest
from video_clips import fashion_stills, held_frames, write_clip

from coatnet_gui.batch.rows import COL_PATH, COL_THUMB
from coatnet_gui.batch.sort_dialog import SortDialog
from coatnet_gui.teach.rows_source import table_rows
from model.data.decode import load_image
from model.teach.dataset import check_set, labelled_from_rows

FRAMES = ["clip.mp4#t=0.000", "clip.mp4#t=0.500", "clip.mp4#t=1.000", "clip.mp4#t=1.500"]  # 2 per second


def test_a_folder_with_a_video_labels_opens_corrects_and_exports_its_frames(qtbot, window, tmp_path: Path):
    stills = fashion_stills(per_class=1)[:2]
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(stills[0][0], folder / "still.png")
    write_clip(folder / "clip.mp4", held_frames([p for p, _ in stills], hold=10, size=32), rate=10)  # 2 s
    view = window.batch
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS) as finished:
        window.open_folder(str(folder))
    assert finished.args[0].done == 5 and finished.args[0].failed == 0
    model, proxy = view.table_model, view.proxy
    assert sorted(row.rel for row in model.rows) == [*FRAMES, "still.png"]

    def row_of(name: str) -> int:
        return next(i for i, row in enumerate(model.rows) if row.rel == name)

    def thumbnail(name: str):
        return model.data(model.index(row_of(name), COL_THUMB), Qt.ItemDataRole.DecorationRole)

    qtbot.waitUntil(lambda: thumbnail(FRAMES[0]) is not None and thumbnail(FRAMES[2]) is not None, timeout=TIMEOUT_MS)
    first, later = (thumbnail(name).toImage() for name in (FRAMES[0], FRAMES[2]))
    assert not first.isNull() and first != later  # each shows its own still

    cell = proxy.mapFromSource(model.index(row_of(FRAMES[2]), COL_PATH))
    view.table.scrollTo(cell)
    rect = view.table.visualRect(cell)
    QTest.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    key = str(folder / FRAMES[2])
    qtbot.waitUntil(lambda: window.session.image is not None and window.session.image.source.path == key)
    settle(qtbot, window)
    assert window.tabs.currentWidget() is window.image_tab and window.result is not None
    assert np.array_equal(np.asarray(window.session.image.image), np.asarray(load_image(key)))  # the frame itself

    window.tabs.setCurrentWidget(view)
    selection = view.table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for name in FRAMES[:2]:
        selection.select(proxy.mapFromSource(model.index(row_of(name), 0)), flags)
    assert view.set_class_of_selection("Boot") == 2
    data = labelled_from_rows(table_rows(model.store))  # what the Teach dialog's "This run's rows" teaches from
    checked = check_set(data)
    boots = sorted(
        Path(p).name for p, c in zip(checked.paths, checked.labels, strict=True) if c == data.classes.index("Boot")
    )
    assert boots == FRAMES[:2]
    assert len(checked.paths) == 5 and all(checked.digests) and not checked.skipped

    out = tmp_path / "labels.csv"
    assert export(qtbot, view, out).labelled == 5
    with out.open(newline="", encoding="utf-8") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    assert (rows[FRAMES[1]]["frame"], rows[FRAMES[1]]["time"], rows[FRAMES[1]]["corrected"]) == ("5", "0.5", "Boot")
    assert (rows["still.png"]["frame"], rows["still.png"]["time"], rows[FRAMES[2]]["corrected"]) == ("", "", "")

    dialog = SortDialog(view.journal_path, str(folder), model.label_names, view)
    dialog.dest_edit.setText(str(tmp_path / "sorted"))
    dialog.refresh()
    assert [step.src.name for step in dialog.steps] == ["still.png"]
    assert "4 video frames are left out" in dialog.summary.text()
    dialog.close()


def test_the_audit_tab_takes_a_batch_runs_frame_rows(tmp_path: Path):
    from coatnet_gui.audit.session import batch_audit_set

    (tmp_path / "clip.mp4").write_bytes(b"video")
    pairs = [(str(tmp_path / "clip.mp4#t=0.500"), "A"), (str(tmp_path / "gone.mp4#t=0.500"), "A")]
    found = batch_audit_set(str(tmp_path), pairs)
    assert found.paths == [pairs[0][0]] and found.skipped == [(pairs[1][0], "missing: the file is not there any more")]
