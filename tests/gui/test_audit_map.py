"""The Audit tab's Map page (coatnet_gui/audit/map_page.py) in the real window: 80 real Fashion-MNIST test images
in class folders, 6 of them under a wrong class, audited with the bundled model. The map is computed when its
page opens; a lasso drawn with the mouse around the middle of a class's cluster that holds a wrongly labelled
image narrows the table to exactly the lassoed rows; "Set class for these…" gives them that class where their
labels live (the files move into its folder), which fixes the wrong label; Undo puts every file back. Judged
against the true classes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import TIMEOUT_MS
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QInputDialog
from test_embedding_map import class_box, lasso

from model.names import folder_name
from model.weights.labels import FASHION_MNIST_CLASSES as CLASSES

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
PER_CLASS, FLIPS = 8, 6
AUDIT_MS = 300_000  # the audit computes the features of 80 images on a shared CPU


def true_class(name: str) -> str:
    """The true class of a slice file (``00006_Coat.png``), as the model names it."""
    safe = name.split("_", 1)[1].rsplit(".", 1)[0]
    return next(c for c in CLASSES if "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in c) == safe)


@pytest.fixture
def audited(qtbot, window, tmp_path, monkeypatch):
    """The window's Audit tab after auditing the class folders (8 images per class, 6 under a wrong class);
    the truth: file name -> (given folder, true class)."""
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    files = sorted(SLICE.glob("*.png"))
    chosen = [f for c in CLASSES for f in [f for f in files if true_class(f.name) == c][:PER_CLASS]]
    rng = np.random.default_rng(1)
    flipped = set(rng.choice(len(chosen), FLIPS, replace=False).tolist())
    truth = {}
    for i, f in enumerate(chosen):
        true = true_class(f.name)
        given = CLASSES[(CLASSES.index(true) + 1 + int(rng.integers(0, 9))) % 10] if i in flipped else true
        (tmp_path / "photos" / folder_name(given)).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, tmp_path / "photos" / folder_name(given) / f.name)
        truth[f.name] = (folder_name(given), true)
    tab = window.audit
    tab.session.settings.folds = 3
    window.tabs.setCurrentWidget(tab)
    tab.audit_path(str(tmp_path / "photos"))
    qtbot.waitUntil(lambda: tab.result is not None and not tab.session.running, timeout=AUDIT_MS)
    return window, tab, tmp_path / "photos", truth


def answer_class(qtbot, tab, name: str) -> None:
    """Answer the open "Set class" question with ``name``."""
    qtbot.waitUntil(lambda: tab.findChild(QInputDialog) is not None and tab.findChild(QInputDialog).isVisible())
    dialog = tab.findChild(QInputDialog)
    dialog.findChild(QComboBox).setEditText(name)
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def test_lasso_on_the_map_narrows_the_table_then_set_class_and_undo(qtbot, audited):
    window, tab, root, truth = audited
    page = window.audit_map
    assert page.map.state == ""  # nothing is mapped until the page is opened
    tab.extras.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.map.state == "refined", timeout=AUDIT_MS)
    result = tab.result
    assert len(result.vector_rows) == len(result.rows) == 80

    # Lasso, with the mouse, the middle of a class's cluster (by true class) that holds a wrong label.
    screen = page.map.canvas.screen_positions()
    names = [os.path.basename(result.rows[i].path) for i in result.vector_rows.tolist()]
    true = np.array([truth[n][1] for n in names])
    boxes = {c: class_box(screen, np.flatnonzero(true == c)) for c in CLASSES}

    def inside(box) -> np.ndarray:
        x0, y0, x1, y1 = box
        return (screen[:, 0] >= x0) & (screen[:, 0] <= x1) & (screen[:, 1] >= y0) & (screen[:, 1] <= y1)

    fixable = [
        c for c, box in boxes.items() if any(truth[names[p]][0] != folder_name(c) for p in np.flatnonzero(inside(box)))
    ]
    assert fixable, "no cluster's middle holds a flipped image"
    # the purest such middle (by true class): which box a stray point falls into varies with the CPU's precision
    chosen = max(fixable, key=lambda c: float(np.mean(true[inside(boxes[c])] == c)))
    x0, y0, x1, y1 = boxes[chosen]
    lasso(page.map.canvas, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    expected = sorted(result.rows[int(result.vector_rows[p])].path for p in np.flatnonzero(inside(boxes[chosen])))
    shown = sorted(tab.model.rows[i].path for i in tab.proxy.source_rows())
    assert shown == expected == sorted(page.lassoed) and len(expected) >= 5
    assert page.lasso_label.isVisible() and page.lasso_label.text() == f"Showing {len(expected)} lassoed rows —"
    assert tab.shown_label.text() == f"{len(expected)} of 80 shown"
    lassoed = [os.path.basename(p) for p in expected]
    # The refined map keeps a class together: the middle of its cluster is (almost) only that class.
    assert sum(truth[n][1] == chosen for n in lassoed) >= 0.9 * len(lassoed)

    # Set class for these: every lassoed file goes to the class's folder; then Undo puts each back.
    page.set_class_button.click()
    answer_class(qtbot, tab, chosen)
    qtbot.waitUntil(lambda: not tab.fixer.busy, timeout=TIMEOUT_MS)

    def shown_names() -> list[str]:
        return sorted(os.path.basename(tab.model.rows[i].path) for i in tab.proxy.source_rows())

    assert shown_names() == sorted(lassoed)  # the moved files' rows are still the ones shown
    where = {f.name: f.parent.name for f in root.rglob("*.png")}  # the labels live in the folders
    assert all(where[n] == folder_name(chosen) for n in lassoed)
    right = sum(where[n] == folder_name(true) for n, (_given, true) in truth.items())
    before = sum(given == folder_name(true) for given, true in truth.values())
    fixed = sum(truth[n][0] != folder_name(chosen) and truth[n][1] == chosen for n in lassoed)
    broken = sum(truth[n][0] == folder_name(truth[n][1]) != folder_name(chosen) for n in lassoed)  # another class
    assert fixed >= 1 and right == before + fixed - broken and broken <= len(lassoed) // 10
    tab.undo_button.click()
    qtbot.waitUntil(lambda: not tab.fixer.busy and not tab.undo_button.isEnabled(), timeout=TIMEOUT_MS)
    assert {f.name: f.parent.name for f in root.rglob("*.png")} == {n: given for n, (given, _true) in truth.items()}
    assert shown_names() == sorted(lassoed)

    page.show_all_button.click()
    assert tab.proxy.rowCount() == 80 and not page.lasso_label.isVisible() and page.lassoed is None
