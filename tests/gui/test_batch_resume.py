"""The Batch tab loses nothing: a real window killed (SIGKILL) mid-run offers the run back at the next start, and
resuming it ends with the export an uninterrupted run writes; an exported run is not offered again."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import csv
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QPushButton

from coatnet_gui.batch.runs import STATE_NAME, RunState, RunStore
from coatnet_gui.batch.status_text import offer_text
from model.batch.export import write_export
from model.batch.journal import Journal, encode_path, read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.paths import DATA_ENV
from model.runtime.inference import Classifier
from model.weights.loading import load_model

REPO = Path(__file__).resolve().parents[2]
IMAGES = 400
BATCH = 4
TIMEOUT_MS = 120_000

CHILD = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtWidgets import QApplication
    from model.batch import pipeline
    from coatnet_gui.app.gc_guard import collect_on_gui_thread
    from coatnet_gui.app.main_window import MainWindow
    from coatnet_gui.app.settings import Settings

    ini, model, folder, batch = sys.argv[1:5]
    classify = pipeline.classify_chunk

    def slowed(*args, **kwargs):  # so that the parent finds the run half done
        time.sleep(0.05)
        return classify(*args, **kwargs)

    pipeline.classify_chunk = slowed
    app = QApplication([])
    collect_on_gui_thread()
    settings = Settings(ini)
    settings.model, settings.device = model, "cpu"
    window = MainWindow(settings)
    window.batch.session.defaults = pipeline.BatchSettings(batch_size=int(batch), workers=1)
    window.session.model_ready.connect(lambda _clf: window.open_folder(folder))
    window.show()
    app.exec()
    """
)


def write_pngs(folder: Path, n: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(folder / f"img_{i:04d}.png")


def journal_records(data: Path) -> int:
    journals = list(data.glob("batch-runs/*/results.journal"))
    return sum(1 for _ in read_records(journals[0])) if journals else 0


def rows(path: Path) -> list[tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [(r["path"], r["label"], r["index"]) for r in csv.DictReader(f)]


def test_the_run_store_keeps_odd_folder_names_and_sorts_out_stale_runs(tmp_path: Path):
    store = RunStore(tmp_path / "runs")
    root = os.fsdecode(b"/photos/caf\xe9")  # not valid UTF-8

    def run(key: str, records: int, **fields) -> None:
        state = RunState(key, root, "m", "bundled", False, 5, 0, "cpu", "fp32", total=3, **fields)
        store.save(state)
        with Journal(store.journal_path(key), {}) as journal:
            result = {"labels": [], "indices": [], "probs": [], "model": "m", "device": "cpu", "precision": "fp32"}
            journal.commit([{**encode_path(f"{i}.png"), **result, "error": None} for i in range(records)])

    run("unfinished", 2)
    run("exported", 3, finished=True, exported=True)
    run("empty", 0)
    (store.folder / "unreadable").mkdir()
    (store.folder / "unreadable" / STATE_NAME).write_text("{not json")
    assert store.load("unfinished").root == root and store.load("unreadable") is None
    offered, stale = store.pending()
    assert [(s.key, s.done, s.total) for s in offered] == [("unfinished", 2, 3)]
    assert sorted(stale) == ["empty", "exported"]
    store.discard("exported")
    assert not (store.folder / "exported").exists()


@pytest.mark.slow
def test_a_killed_window_offers_its_run_and_resumes_to_the_uninterrupted_export(
    qtbot, settings, small_model_dir: Path, tmp_path: Path, monkeypatch
):
    from gui_helpers import export, open_window

    folder, data = tmp_path / "images", tmp_path / "data"
    write_pngs(folder, IMAGES)
    env = {**os.environ, DATA_ENV: str(data), "OMP_NUM_THREADS": "1", "QT_QPA_PLATFORM": "offscreen"}
    args = [str(tmp_path / "child.ini"), str(small_model_dir), str(folder), str(BATCH)]
    with (tmp_path / "child.log").open("wb") as log:
        child = subprocess.Popen([sys.executable, "-c", CHILD, *args], cwd=REPO, env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 120
        while journal_records(data) < 10 * BATCH and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child.poll() is None, (tmp_path / "child.log").read_text(errors="replace")
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    done = journal_records(data)
    assert 10 * BATCH <= done < IMAGES

    monkeypatch.setenv(DATA_ENV, str(data))
    window = open_window(qtbot, settings)
    batch = window.batch
    qtbot.waitUntil(lambda: bool(batch.offered), timeout=TIMEOUT_MS)
    assert not batch.offer_frame.isHidden() and "Batch tab" in window.statusBar().currentMessage()
    assert offer_text(batch.offered[0]).startswith(f"Resume labelling {folder}: {done} of {IMAGES} done")
    resume = next(b for b in batch.offer_frame.findChildren(QPushButton) if b.text() == "Resume")
    with qtbot.waitSignal(batch.run_finished, timeout=TIMEOUT_MS) as finished:
        resume.click()
    progress = finished.args[0]
    assert (progress.resumed, progress.done, progress.total) == (done, IMAGES, IMAGES)
    assert batch.table_model.rowCount() == IMAGES and batch.offer_frame.isHidden()

    resumed = tmp_path / "resumed.csv"
    export(qtbot, batch, resumed)
    clf = Classifier(load_model(str(small_model_dir)), device="cpu")
    run_settings = BatchSettings(batch_size=BATCH)
    with open_journal(tmp_path / "whole.journal", clf, folder, run_settings) as journal:
        label_folder(clf, folder, journal, run_settings)
    whole = tmp_path / "whole.csv"
    write_export(read_records(tmp_path / "whole.journal"), whole)
    assert rows(resumed) == rows(whole)
    assert len({path for path, _, _ in rows(resumed)}) == IMAGES

    assert batch.confirm_close()  # exported: nothing to ask
    offered, stale = RunStore().pending()
    assert offered == [] and stale == [batch.session.state.key]  # removed at the next start
