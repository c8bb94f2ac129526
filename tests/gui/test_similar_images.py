"""Similar images in the real window: the Audit tab's "Similar" page on 80 real Fashion-MNIST test images (8 per
class, in class folders under their true class), audited with the small model as the base. Queries from a selected
row, from an outside image dropped on the strip and from a region of the image in the Image tab ("Find similar
images here") find mostly images of the query's true class (chance: 10 %); "Set class for these" gives the chosen
images a class where their labels live (their class folder), and the strip shows it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import TIMEOUT_MS
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QInputDialog
from pytestqt.exceptions import TimeoutError

from model.names import folder_name

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
PER_CLASS = 8
AUDIT_MS = 300_000  # the first audit computes the features of 80 images on a shared CPU


def true_class(path: str | Path) -> str:
    """The true class of a slice file as its name spells it (``00006_Coat.png`` -> ``Coat``)."""
    return Path(path).stem.split("_", 1)[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("similar_cache")


@pytest.fixture
def audited(qtbot, window, cache, monkeypatch, tmp_path):
    """The window once its Audit tab has audited 8 images a class in class folders; returns (window, root, the
    slice images left out of the audit)."""
    monkeypatch.setenv("COATNET_LENS_CACHE", str(cache))
    files = sorted(SLICE.glob("*.png"))
    classes = sorted({true_class(f) for f in files})
    root, outside = tmp_path / "photos", []
    for c in classes:
        of_class = [f for f in files if true_class(f) == c]
        (root / c).mkdir(parents=True)
        for f in of_class[:PER_CLASS]:
            shutil.copy(f, root / c / f.name)
        outside.append(of_class[PER_CLASS])
    tab = window.audit
    window.tabs.setCurrentWidget(tab)
    tab.audit_path(str(root))
    qtbot.waitUntil(lambda: tab.result is not None and not tab.session.running, timeout=AUDIT_MS)
    assert tab.result.vectors is not None and len(tab.result.vectors) == 10 * PER_CLASS
    return window, root, outside


def wait_for_results(qtbot, strip, starts: str) -> list:
    """Wait until the strip shows the results of the query its title ``starts`` with; return them."""
    try:
        qtbot.waitUntil(lambda: bool(strip.shown) and strip.title.text().startswith(starts), timeout=TIMEOUT_MS)
    except TimeoutError as exc:
        raise AssertionError(f"the strip says {strip.title.text()!r}") from exc
    return strip.shown


def drop_file(widget, path: Path) -> None:
    """Drag the file ``path`` onto ``widget`` and drop it there, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos, buttons, modifiers = QPoint(5, 5), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers))


def same_class_share(items, query: str | Path) -> float:
    """The share of the 5 most similar images that are of the query's true class (an audited image has 7 others)."""
    return float(np.mean([true_class(i.path) == true_class(query) for i in items[:5]]))


def test_similar_images_from_a_row_a_dropped_image_and_a_region_then_set_class(qtbot, audited):
    window, root, outside = audited
    tab, page = window.audit, window.similar.page
    strip = page.strip
    assert tab.extras.tabText(tab.extras.indexOf(page)) == "Similar"

    # A selected row: its nearest images, itself left out, mostly of its true class.
    shares = []
    for row in (3, 20, 45, 70):
        path = tab.result.rows[row].path
        page.on_selection([path])
        items = wait_for_results(qtbot, strip, f"Most like {os.path.basename(path)}")
        assert path not in [i.path for i in items] and len(items) == 12
        assert all(a.similarity >= b.similarity for a, b in zip(items, items[1:], strict=False))
        shares.append(same_class_share(items, path))
    assert np.mean(shares) > 0.6, shares
    tab.table.selectRow(0)  # the real selection feeds the page too
    selected = tab.selected_paths()[0]
    wait_for_results(qtbot, strip, f"Most like {os.path.basename(selected)}")

    # An outside image dropped on the strip: its features under the active model, then its nearest images.
    shares = []
    for image in outside[:4]:
        drop_file(strip, image)
        items = wait_for_results(qtbot, strip, f"Most like {image.name} (dropped)")
        shares.append(same_class_share(items, image))
    assert np.mean(shares) > 0.6, shares

    # A region of the image in the Image tab: "Find similar images here" on the image view's context menu.
    shares = []
    for image in outside[4:8]:
        window.session.explanation = None
        window.open_path(str(image))
        qtbot.waitUntil(lambda: window.session.explanation is not None, timeout=TIMEOUT_MS)  # noqa: B023
        view = window.image_tab.view
        view.repaint()  # lays the image out
        menu = view.context_menu(view.width() / 2, view.height() / 2)
        next(a for a in menu.actions() if a.text() == "Find similar images here").trigger()
        assert window.tabs.currentWidget() is tab and tab.extras.currentWidget() is page
        items = wait_for_results(qtbot, strip, f"Most like the region of {image.name}")
        shares.append(same_class_share(items, image))
    assert np.mean(shares) > 0.6, shares
    assert window.image_tab.view.context_menu(1, 1) is None  # outside the image: no menu

    # "Set class for these" on two selected thumbnails: asked, applied in the class folders, shown in the strip.
    strip.list.item(0).setSelected(True)
    strip.list.item(1).setSelected(True)
    chosen = strip.selected_paths()
    assert strip.set_class_button.text() == "Set class for these 2…"
    strip.set_class_button.click()
    dialog = next(d for d in tab.findChildren(QInputDialog) if d.isVisible())
    combo = dialog.findChild(QComboBox)
    QTest.keyClicks(combo, "Hat")
    QTest.keyClick(combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tab.fixer.busy, timeout=TIMEOUT_MS)
    for path in chosen:
        moved = root / folder_name("Hat") / os.path.basename(path)
        assert moved.is_file() and not Path(path).exists()
        row = next(r for r in tab.result.rows if os.path.basename(r.path) == moved.name)
        assert row.given == "Hat" and row.path == str(moved)


def test_without_an_audit_the_page_says_what_to_do(qtbot, window, sample):
    page = window.similar.page
    page.query_file(str(sample))
    assert "Audit a folder first" in page.strip.title.text() and not page.strip.shown
