"""The Audit tab in the real window (coatnet_gui/audit): 120 real Fashion-MNIST test images (12 per class) with 8
labels flipped to another class on purpose, audited with the small model as the base. Judged against the truth:
the flipped rows come first in "Likely wrong first" and their suggestions are their true classes; accepting a
suggestion fixes the label where it lives (a class folder, the Batch run's corrections, a table's corrected
column) and Undo puts back exactly what was there. The features are cached once for the module, so each audit
after the first takes seconds."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import TIMEOUT_MS
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QInputDialog, QMenu

from coatnet_gui.audit.table import COL_GIVEN, COL_PATH
from model.names import folder_name
from model.teach.dataset import labelled_from_table
from model.weights.labels import FASHION_MNIST_CLASSES as CLASSES

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
PER_CLASS, FLIPS = 12, 8
AUDIT_MS = 300_000  # the first audit computes the features of 120 images on a shared CPU


def true_class(name: str) -> str:
    """The true class of a slice file (``00006_Coat.png``), as the model names it."""
    safe = name.split("_", 1)[1].rsplit(".", 1)[0]
    return next(c for c in CLASSES if "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in c) == safe)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory) -> dict:
    """The chosen images with their true and given (partly flipped) classes, and a feature cache for the module."""
    files = sorted(SLICE.glob("*.png"))
    chosen = [f for c in CLASSES for f in [f for f in files if true_class(f.name) == c][:PER_CLASS]]
    rng = np.random.default_rng(1)
    flipped = set(rng.choice(len(chosen), FLIPS, replace=False).tolist())
    truth, given = {}, {}
    for i, f in enumerate(chosen):
        truth[f.name] = true_class(f.name)
        given[f.name] = CLASSES[(CLASSES.index(truth[f.name]) + 1 + int(rng.integers(0, 9))) % 10] if i in flipped \
            else truth[f.name]  # fmt: skip
    cache = tmp_path_factory.mktemp("audit_cache")
    return {
        "files": chosen,
        "truth": truth,
        "given": given,
        "flipped": {chosen[i].name for i in flipped},
        "cache": cache,
    }


@pytest.fixture
def audit_window(window, labelled, monkeypatch):
    """The window, its Audit tab auditing with 3 folds and the module's feature cache."""
    monkeypatch.setenv("COATNET_LENS_CACHE", str(labelled["cache"]))
    window.audit.session.settings.folds = 5
    window.tabs.setCurrentWidget(window.audit)
    return window


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root``: relative path -> bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run_audit(qtbot, tab, start) -> None:
    """Start an audit with ``start()`` and wait for its result."""
    tab.result = None
    start()
    qtbot.waitUntil(lambda: tab.result is not None and not tab.session.running, timeout=AUDIT_MS)


def ranked_names(tab) -> list[str]:
    """The file names of the table's rows, in the shown order."""
    return [os.path.basename(tab.model.rows[i].path) for i in tab.proxy.source_rows()]


def check_ranking(tab, labelled) -> list[str]:
    """Assert that the flipped rows come first and that most suggestions are their true classes; return the
    flipped names in the shown order."""
    ranks = sorted(ranked_names(tab).index(n) for n in labelled["flipped"])
    # Measured (5 folds): class folders 0 1 4 5 8 9 10 13, the Batch run 0-7, the table 0 1 2 4 8 9 10 12 of 120;
    # the rows among them are hard true labels (a Dress that looks like a Shirt), as likely wrong to the heads.
    assert ranks[-1] < 2 * FLIPS and sum(r < FLIPS for r in ranks) >= FLIPS // 2, ranks
    rows = {os.path.basename(r.path): r for r in tab.result.rows}
    right = [n for n in labelled["flipped"] if model_name(rows[n].suggested) == labelled["truth"][n]]
    assert len(right) >= FLIPS - 1, right
    return [n for n in ranked_names(tab) if n in labelled["flipped"]]


def model_name(name: str) -> str:
    """The model's class named ``name`` or whose folder name it is."""
    return next(c for c in CLASSES if c == name or folder_name(c) == name)


def select(qtbot, tab, names: list[str]) -> None:
    """Select the rows of the files ``names`` as a Ctrl-click would."""
    tab.table.clearSelection()
    shown = ranked_names(tab)
    for name in names:
        index = tab.proxy.index(shown.index(name), COL_PATH)
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        tab.table.selectionModel().select(index, flags)
    assert sorted(map(os.path.basename, tab.selected_paths())) == sorted(names)


def wait_idle(qtbot, tab) -> None:
    qtbot.waitUntil(lambda: not tab.fixer.busy, timeout=TIMEOUT_MS)


def test_folder_audit_ranks_flips_first_accept_moves_the_files_and_undo_restores_every_byte(
    qtbot, audit_window, labelled, tmp_path
):
    window, tab = audit_window, audit_window.audit
    root = tmp_path / "photos"
    for f in labelled["files"]:
        (root / folder_name(labelled["given"][f.name])).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, root / folder_name(labelled["given"][f.name]) / f.name)
    before = tree(root)
    run_audit(qtbot, tab, lambda: tab.audit_path(str(root)))
    assert tab.root == str(root) and tab.summary.text().startswith("audited 120 images in 10 classes")
    flipped = check_ranking(tab, labelled)

    # Double-click the most suspect row: the Image tab shows it with Grad-CAM "given vs suggested".
    row = tab.model.rows[tab.proxy.source_rows()[0]]
    rect = tab.table.visualRect(tab.proxy.index(0, COL_GIVEN))
    QTest.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    names = window.session.classifier.label_names
    want = (names.index(model_name(row.given)), names.index(model_name(row.suggested)))
    qtbot.waitUntil(
        lambda: (
            window.result is not None
            and window.session.image is not None
            and window.session.image.source.path == row.path
            and (window.result.spec.class_index, window.result.spec.versus) == want
        ),
        timeout=TIMEOUT_MS,
    )
    assert window.tabs.currentWidget() is window.image_tab and window.result.spec.kind == "gradcam"
    window.tabs.setCurrentWidget(tab)

    # Accept one suggestion, then two more: each file goes to its true class's folder.
    first, rest = flipped[0], flipped[1:3]
    for names_ in ([first], rest):
        select(qtbot, tab, names_)
        tab.accept_button.click()
        wait_idle(qtbot, tab)
    for name in [first, *rest]:
        true = folder_name(labelled["truth"][name])
        moved = [r for r in tab.result.rows if os.path.basename(r.path) == name][0]
        assert moved.path == str(root / true / name) and moved.given == true and moved.issue != "label"
        assert (root / true / name).read_bytes() == (SLICE / name).read_bytes()
        assert not (root / folder_name(labelled["given"][name]) / name).exists()
    assert tab.undo_button.isEnabled()

    # A class typed by hand that is no folder name: a folder named after it, inside the root, is made.
    odd = flipped[3]
    tab.apply_class([str(root / folder_name(labelled["given"][odd]) / odd)], "Bag/Purse")
    wait_idle(qtbot, tab)
    moved = [r for r in tab.result.rows if os.path.basename(r.path) == odd][0]
    assert moved.path == str(root / "Bag-Purse" / odd) and moved.given == "Bag-Purse" and os.path.isfile(moved.path)
    tab.undo_button.click()
    wait_idle(qtbot, tab)
    assert not (root / "Bag-Purse").exists() and moved.path == str(root / folder_name(labelled["given"][odd]) / odd)

    tab.undo_button.click()  # the two
    wait_idle(qtbot, tab)
    assert (root / folder_name(labelled["truth"][first]) / first).exists()
    tab.undo_button.click()  # the first
    wait_idle(qtbot, tab)
    assert tree(root) == before  # every file back, byte for byte; no manifest or class folder left
    assert not tab.undo_button.isEnabled()
    back = [r for r in tab.result.rows if os.path.basename(r.path) == first][0]
    assert back.given == folder_name(labelled["given"][first]) and back.issue == "label"


def test_batch_run_audit_changes_the_run_s_corrections_and_undo_restores_them(qtbot, audit_window, labelled, tmp_path):
    window, tab = audit_window, audit_window.audit
    folder = tmp_path / "run"
    folder.mkdir()
    for f in labelled["files"]:
        shutil.copy(f, folder / f.name)
    batch = window.batch
    with qtbot.waitSignal(batch.run_finished, timeout=AUDIT_MS):
        batch.set_folder(str(folder))
    model = batch.table_model
    rows = {os.path.basename(model.absolute_path(r)): i for i, r in enumerate(model.rows)}
    for name in labelled["flipped"]:  # the user's mistaken corrections
        model.set_class([rows[name]], labelled["given"][name])
    store = model.store
    before = {n: store.corrected_name(i) for n, i in rows.items()}

    run_audit(qtbot, tab, tab.audit_batch)
    flipped = check_ranking(tab, labelled)
    select(qtbot, tab, flipped)
    suggested = {os.path.basename(tab.model.rows[i].path): tab.model.rows[i].suggested for i in tab.selected_rows()}
    tab.accept_button.click()
    after = {n: store.corrected_name(i) for n, i in rows.items()}
    assert {n: after[n] for n in flipped} == suggested
    assert sum(after[n] == labelled["truth"][n] for n in flipped) >= FLIPS - 1
    assert {n: c for n, c in after.items() if n not in suggested} == {
        n: c for n, c in before.items() if n not in suggested
    }

    # "Set class…" on a row the user never corrected: then two undos, the last change first.
    plain = next(n for n in ranked_names(tab) if n not in labelled["flipped"])
    other = next(c for c in CLASSES if c != labelled["truth"][plain])
    tab.apply_class([str(folder / plain)], other)
    assert store.corrected_name(rows[plain]) == other and before[plain] is None
    tab.undo_button.click()
    assert store.corrected_name(rows[plain]) is None
    assert {n: store.corrected_name(rows[n]) for n in flipped} == suggested
    tab.undo_button.click()
    assert {n: store.corrected_name(i) for n, i in rows.items()} == before  # the mistaken ones are back
    assert not tab.undo_button.isEnabled()


def write_table(folder: Path, labelled: dict) -> Path:
    """Copy the images into ``folder`` with a `label` table ``results.csv`` whose corrected column holds the flips."""
    folder.mkdir()
    table = folder / "results.csv"
    with table.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "label", "prob", "corrected"])
        for file in labelled["files"]:
            shutil.copy(file, folder / file.name)
            name, truth = file.name, labelled["truth"][file.name]
            writer.writerow([name, truth, "0.9", labelled["given"][name] if name in labelled["flipped"] else ""])
    return table


def test_table_audit_rewrites_the_corrected_column_and_undo_restores_its_bytes(qtbot, audit_window, labelled, tmp_path):
    tab = audit_window.audit
    folder = tmp_path / "labelled"
    table = write_table(folder, labelled)
    before = table.read_bytes()

    run_audit(qtbot, tab, lambda: tab.audit_path(str(table)))
    flipped = check_ranking(tab, labelled)
    select(qtbot, tab, flipped)
    tab.accept_button.click()
    wait_idle(qtbot, tab)
    classes = classes_of(table)
    assert sum(classes[n] == labelled["truth"][n] for n in flipped) >= FLIPS - 1
    assert all(classes[f.name] == labelled["truth"][f.name] for f in labelled["files"] if f.name not in flipped)

    tab.undo_button.click()
    wait_idle(qtbot, tab)
    assert table.read_bytes() == before
    assert sorted(os.listdir(folder)) == sorted([f.name for f in labelled["files"]] + ["results.csv"])


def test_classes_the_model_lacks_open_plain_grad_cam_and_say_why(qtbot, window, sample):
    window.audit_link.open_versus(str(sample), "cat", "Coat")
    qtbot.waitUntil(lambda: window.result is not None and window.session.image is not None, timeout=TIMEOUT_MS)
    spec = window.result.spec
    assert spec.kind == "gradcam" and spec.versus is None
    assert spec.class_index == window.session.classifier.label_names.index("Coat")
    assert "no class 'cat'" in window.statusBar().currentMessage()


def test_bad_sources_and_cancel_say_so_in_one_line(qtbot, window, tmp_path):
    tab = window.audit
    tab.audit_path(str(tmp_path / "nowhere"))
    qtbot.waitUntil(lambda: "failed" in tab.status.text(), timeout=TIMEOUT_MS)
    assert "does not exist" in tab.status.text() and "\n" not in tab.status.text()
    (tmp_path / "notes.txt").write_text("x")
    tab.audit_path(str(tmp_path / "notes.txt"))
    qtbot.waitUntil(lambda: "neither a folder" in tab.status.text(), timeout=TIMEOUT_MS)
    tab.audit_batch()
    assert "no labelled run" in tab.status.text()
    active = tab.source_getter
    tab.source_getter = lambda: str(tmp_path / "gone.safetensors")  # a base that cannot be loaded
    tab.audit_path(str(SLICE))
    qtbot.waitUntil(lambda: not tab.session.running, timeout=TIMEOUT_MS)
    assert tab.status.text().startswith("The audit failed:") and "\n" not in tab.status.text()
    tab.source_getter = active
    tab.audit_path(str(SLICE))
    tab.cancel()
    qtbot.waitUntil(lambda: not tab.session.running, timeout=TIMEOUT_MS)
    assert "cancelled" in tab.status.text() and tab.result is None and tab.folder_button.isEnabled()


def test_filters_selection_details_set_class_and_a_table_changed_behind_our_back(
    qtbot, audit_window, labelled, tmp_path
):
    tab = audit_window.audit
    table = write_table(tmp_path / "labelled", labelled)
    run_audit(qtbot, tab, lambda: tab.audit_path(str(table)))
    rows = tab.result.rows
    suspects = {r.path for r in rows if r.issue == "label"}
    assert tab.shown_label.text() == "120 of 120 shown" and 0 < len(suspects) < 120
    tab.only_suspects.setChecked(True)
    assert {rows[i].path for i in tab.proxy.source_rows()} == suspects
    assert tab.shown_label.text() == f"{len(suspects)} of 120 shown"
    tab.only_suspects.setChecked(False)
    tab.issue_box.setCurrentIndex(tab.issue_box.findData("ok"))
    assert {rows[i].issue for i in tab.proxy.source_rows()} == {"ok"}
    tab.issue_box.setCurrentIndex(0)
    chosen = [rows[0].path, rows[5].path, rows[9].path]
    tab.show_only(chosen)
    assert sorted(rows[i].path for i in tab.proxy.source_rows()) == sorted(chosen)
    tab.show_only(None)
    assert tab.proxy.rowCount() == 120

    # Selecting rows says which images (absolute paths); the Details page explains the first.
    flipped = [n for n in ranked_names(tab) if n in labelled["flipped"]]
    said: list[list[str]] = []
    tab.selection_changed.connect(said.append)
    select(qtbot, tab, flipped[:2])
    assert sorted(said[-1]) == sorted(str(table.parent / n) for n in flipped[:2])
    first = tab.model.rows[tab.selected_rows()[0]]
    shown = tab.details.label.text()
    assert first.path in shown and first.reason.split(",")[0] in shown and "Out-of-fold probabilities" in shown

    # "Set class…" asks (starting empty), then sets the class in the table; Undo takes it back.
    before = table.read_bytes()
    tab.set_class_for([str(table.parent / flipped[0])])
    dialog = next(d for d in tab.findChildren(QInputDialog) if d.isVisible())
    combo = dialog.findChild(QComboBox)
    assert combo.currentText() == ""
    QTest.keyClicks(combo, "Hat")
    QTest.keyClick(combo, Qt.Key.Key_Return)
    wait_idle(qtbot, tab)
    assert classes_of(table)[flipped[0]] == "Hat" and "Hat" in tab.recent_classes
    tab.table.customContextMenuRequested.emit(QPoint(5, 5))
    menu = next(m for m in tab.findChildren(QMenu) if m.isVisible())
    next(a for a in menu.actions() if a.text() == "Undo").trigger()
    wait_idle(qtbot, tab)
    assert table.read_bytes() == before

    # The table changes on disk after the audit: accepting is refused, in one line, and nothing changes.
    table.write_bytes(before + b"extra.png,Bag,0.5,\r\n")
    changed = table.read_bytes()
    select(qtbot, tab, flipped[:1])
    tab.accept_button.click()
    wait_idle(qtbot, tab)
    assert "changed on disk" in tab.status.text() and table.read_bytes() == changed
    assert tab.model.rows[tab.selected_rows()[0]].issue == "label" and not tab.undo_button.isEnabled()


def classes_of(table: Path) -> dict[str, str]:
    """File name -> class, as teaching and auditing read ``table``."""
    read = labelled_from_table(table)
    return {os.path.basename(p): read.classes[k] for p, k in zip(read.paths, read.labels, strict=True)}
