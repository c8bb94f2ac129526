"""Relabel as versions in the real Batch tab, small and fast (the mutation run of coatnet_gui/batch/versions.py):
what "Relabel" refuses and says, the preview of a relabel by another model, "Keep the old labels" going back to the
first run with the corrections of both, and a stored run shown again as a finished one."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import dataclasses
import shutil
from pathlib import Path

import pytest

from coatnet_gui.batch.runs import RunState
from coatnet_gui.batch.versions import label_names_of, show_stored
from coatnet_gui.batch.view import BatchView
from model.runtime.inference import Classifier
from model.weights.loading import load_model

TIMEOUT_MS = 120_000
SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"

pytestmark = pytest.mark.usefixtures("data_dir")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    for f in sorted(SLICE.glob("*.png"))[:3]:
        shutil.copy(f, root / f.name)
    return root


@pytest.fixture
def labelled(qtbot, batch_view: BatchView, folder: Path, small_model_dir: Path) -> BatchView:
    batch_view.model_ready(str(small_model_dir))
    with qtbot.waitSignal(batch_view.run_finished, timeout=TIMEOUT_MS):
        batch_view.set_folder(str(folder))
    return batch_view


def test_relabel_refuses_with_nothing_shown(qtbot, batch_view: BatchView, clf: Classifier):
    with qtbot.assertNotEmitted(batch_view.versions.message):
        assert batch_view.versions.relabel(clf, "another") is False
    assert batch_view.versions.previous() is None and batch_view.versions.go_back() is False


def test_relabel_refuses_the_same_model_a_vanished_folder_and_a_run_going(
    qtbot, labelled: BatchView, clf: Classifier, small_model_dir: Path, folder: Path, monkeypatch
):
    versions, session = labelled.versions, labelled.session
    key = session.state.key
    with qtbot.waitSignal(versions.message) as said:
        assert versions.relabel(clf, str(small_model_dir)) is False
    assert "labelled this run already" in said.args[0] and session.state.key == key and not session.running
    monkeypatch.setattr(type(session), "running", property(lambda _self: True))
    with qtbot.waitSignal(versions.message) as said:
        assert versions.relabel(clf, "another") is False
    assert "A run is going" in said.args[0]
    assert versions.go_back() is False  # nothing to go back to (and a run going)
    monkeypatch.undo()
    folder.rename(folder.with_name("gone"))
    with qtbot.waitSignal(versions.message) as said:
        assert versions.relabel(clf, "another") is False
    assert "is not there any more" in said.args[0] and session.state.key == key


def test_a_relabel_previews_then_keeping_the_old_labels_goes_back_with_both_corrections(
    qtbot, labelled: BatchView, second_model_dir: Path
):
    versions, session = labelled.versions, labelled.session
    first = session.state
    store = labelled.table_model.store
    first_rel = store.rows[0].rel
    assert labelled.table_model.set_class([0], "Coat") == 1  # a correction of the first run goes with the relabel
    second = Classifier(load_model(str(second_model_dir)), device="cpu")
    with qtbot.waitSignal(versions.preview_ready, timeout=TIMEOUT_MS) as ready:
        assert versions.relabel(second, str(second_model_dir)) is True
    preview = ready.args[0]
    assert session.state.key != first.key and session.state.previous == first.key
    assert versions.previous() is not None and versions.previous().key == first.key
    assert preview.kept == 1 and versions.dialog is not None and versions.dialog.isVisible()
    newer = session.state.key
    assert session.store.journal_path(newer).exists()
    with qtbot.waitSignal(versions.shown, timeout=TIMEOUT_MS) as shown:
        versions.dialog.decided.emit(False)  # "Keep the old labels"
    assert shown.args == [first.key] and session.state.key == first.key and not session.running
    assert not session.store.journal_path(newer).exists()  # the newer run is discarded
    rows = labelled.table_model.store
    assert len(rows.rows) == 3
    assert [row.rel for i, row in enumerate(rows.rows) if rows.corrected_name(i)] == [first_rel]
    assert rows.corrected_name(0) == "Coat" and rows.label(rows.rows[1].top1) in first.label_names


def test_keeping_the_new_labels_stays_on_the_new_run(qtbot, labelled: BatchView, second_model_dir: Path):
    versions, session = labelled.versions, labelled.session
    first = session.state.key
    second = Classifier(load_model(str(second_model_dir)), device="cpu")
    with qtbot.waitSignal(versions.preview_ready, timeout=TIMEOUT_MS):
        assert versions.relabel(second, str(second_model_dir)) is True
    newer = session.state.key
    with qtbot.assertNotEmitted(versions.shown, wait=200):
        versions.dialog.decided.emit(True)
    assert session.state.key == newer and session.state.previous == first
    assert session.store.journal_path(first).exists()  # the previous version stays for Undo relabel


def test_a_cancelled_relabel_shows_no_preview(qtbot, labelled: BatchView, second_model_dir: Path):
    versions, session = labelled.versions, labelled.session
    second = Classifier(load_model(str(second_model_dir)), device="cpu")
    with qtbot.assertNotEmitted(versions.preview_ready, wait=500):
        with qtbot.waitSignal(labelled.run_finished, timeout=TIMEOUT_MS):
            assert versions.relabel(second, str(second_model_dir)) is True
            session.cancel()
    assert versions.dialog is None


def test_label_names_fill_gaps_and_prefer_the_stored_ones():
    old = RunState("k", "/r", "m", "bundled", False, 5, 8, "cpu", "fp32")
    assert label_names_of(old, []) == []
    assert label_names_of(old, [{"indices": [1], "labels": ["Bag"]}, {"indices": None, "labels": None}]) == [
        "class 0",
        "Bag",
    ]


def test_going_back_does_nothing_once_the_user_moved_on(qtbot, labelled: BatchView, second_model_dir: Path):
    """Mutant: ``or`` -> ``and`` in go_back's check (a stored run shown meanwhile, not running, was replaced)."""
    versions, session = labelled.versions, labelled.session
    second = Classifier(load_model(str(second_model_dir)), device="cpu")
    with qtbot.waitSignal(versions.preview_ready, timeout=TIMEOUT_MS):
        assert versions.relabel(second, str(second_model_dir)) is True
    newer = session.state
    assert versions.go_back() is True
    moved_on = dataclasses.replace(newer)  # the user shows another run (here: an equal copy) before it loads
    show_stored(session, moved_on, [])
    assert session.workers.wait("io", TIMEOUT_MS)
    with qtbot.assertNotEmitted(versions.shown):
        qtbot.wait(50)  # the finished job's result comes through the event loop
    assert session.state is moved_on and session.store.journal_path(newer.key).exists()
