"""The Batch tab's "Save maps": a run saves a map and an overlay per image, the Map column shows the overlay's
thumbnail and the deletion score, the export names the files, and a resumed run keeps saving maps."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import export
from PySide6.QtCore import Qt

from coatnet_gui.batch.rows import COL_MAP
from coatnet_gui.batch.view import BatchView
from model.batch.export import MAP_COLUMNS
from model.runtime.inference import Classifier

TIMEOUT_MS = 60_000
SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture
def view(batch_view: BatchView) -> BatchView:
    return batch_view


def test_save_maps_fills_the_map_column_and_the_export(
    qtbot, view: BatchView, clf: Classifier, tmp_path: Path, data_dir: Path
):
    folder = tmp_path / "photos"
    folder.mkdir()
    for path in sorted(SLICE.glob("*.png"))[:5]:
        shutil.copyfile(path, folder / path.name)
    (folder / "broken.png").write_text("not an image")
    assert view.table.isColumnHidden(COL_MAP)
    view.run_bar.maps_box.setChecked(True)
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    model = view.table_model
    assert not view.table.isColumnHidden(COL_MAP) and model.rowCount() == 6
    assert view.session.state is not None and view.session.state.maps
    for r, row in enumerate(model.rows):
        if row.error:
            assert row.overlay == "" and model.data(model.index(r, COL_MAP)) == ""
            continue
        assert Path(row.overlay).is_file() and Path(row.overlay).is_relative_to(data_dir / "batch-maps")
        assert Path(row.overlay).name == f"{row.rel}.gradcam.png"
        area, _, word = model.data(model.index(r, COL_MAP)).partition(" ")
        assert 0.0 <= float(area) <= 1.0 and row.deletion == pytest.approx(float(area), abs=5e-4)
        assert word == {"better": "✓ better", "worse": "✗ worse"}.get(row.verdict, "inconclusive")  # three words
        assert row.random_lo is not None and row.random_hi is not None and row.fill == "blur"
        tip = model.data(model.index(r, COL_MAP), Qt.ItemDataRole.ToolTipRole)
        assert f"{row.random_lo:.3f}–{row.random_hi:.3f}" in tip and "blur" in tip and tip.endswith(row.verdict)
    good = next(r for r, row in enumerate(model.rows) if not row.error)
    model.data(model.index(good, COL_MAP), Qt.ItemDataRole.DecorationRole)  # queues the overlay's thumbnail
    assert model.wait_for_thumbnails(TIMEOUT_MS)
    qtbot.waitUntil(lambda: model.data(model.index(good, COL_MAP), Qt.ItemDataRole.DecorationRole) is not None)
    assert not model.data(model.index(good, COL_MAP), Qt.ItemDataRole.DecorationRole).isNull()

    out = tmp_path / "labels.csv"
    export(qtbot, view, out)
    rows = {r["path"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert list(rows["broken.png"])[-8:] == [*MAP_COLUMNS, "corrected"]
    saved = rows[model.rows[good].rel]
    assert np.load(saved["map"]).dtype == np.float32 and saved["overlay"] == model.rows[good].overlay

    key = view.session.state.key  # the stored run resumes as the same run: with its maps
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        assert view.session.resume(key, clf, view.model_source)
    assert view.session.state.key == key and not view.table.isColumnHidden(COL_MAP)
    assert sum(1 for row in model.rows if row.overlay) == 5


def test_a_run_without_maps_hides_the_map_column(qtbot, view: BatchView, tmp_path: Path):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copyfile(sorted(SLICE.glob("*.png"))[0], folder / "a.png")
    with qtbot.waitSignal(view.run_finished, timeout=TIMEOUT_MS):
        view.set_folder(str(folder))
    assert view.table.isColumnHidden(COL_MAP)
    assert view.table_model.rows[0].overlay == ""
    assert "map" not in next(csv.DictReader(_export(qtbot, view, tmp_path)))


def _export(qtbot, view: BatchView, tmp_path: Path):
    out = tmp_path / "plain.csv"
    export(qtbot, view, out)
    return out.open(encoding="utf-8")
