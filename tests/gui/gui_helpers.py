"""Driving the real main window in tests: open it, drop files, pick combo entries, wait for the overlay."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.app.settings import Settings
from coatnet_gui.batch.view import BatchView
from model.batch.export import ExportCounts

TIMEOUT_MS = 30_000


def noise_pngs(root: Path, n: int) -> Path:
    """Write ``n`` seeded random 28 px grey PNGs ``img_0.png`` ... into ``root`` (made); return ``root``."""
    import numpy as np
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(root / f"img_{i}.png")
    return root


def open_window(qtbot, settings: Settings, size: tuple[int, int] | None = (1200, 760)) -> MainWindow:
    """Open the main window (at ``size``; None keeps the remembered geometry) once its model is loaded."""
    window = MainWindow(settings)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: window.session.classifier is not None, timeout=TIMEOUT_MS)
    return window


def export(qtbot, view: BatchView, path: str | os.PathLike, shown: bool = False) -> ExportCounts:
    """Export ``view``'s run (``shown``: the rows the table shows) to ``path``, wait until it is written (off the
    GUI thread) and return the counts."""
    with qtbot.waitSignal(view.session.exported, timeout=TIMEOUT_MS) as written:
        (view.export_shown_to if shown else view.export_to)(str(path))
    assert written.args[0] == str(path)
    return written.args[1]


def drop(window: MainWindow, mime: QMimeData) -> None:
    """Deliver ``mime`` to the window as a real drag-enter + drop."""
    pos = QPoint(window.width() // 2, window.height() // 2)
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(window, QDropEvent(pos, Qt.DropAction.CopyAction, mime, buttons, modifiers))


def drop_files(window: MainWindow, *paths: Path) -> None:
    """Drop local ``paths`` on the window."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    drop(window, mime)


def settle(qtbot, window: MainWindow) -> None:
    """Wait until the overlay on screen is the one the controls ask for."""
    qtbot.waitUntil(
        lambda: window.result is not None and window.result.spec == window.image_tab.controls.spec(),
        timeout=TIMEOUT_MS,
    )


def show(qtbot, window: MainWindow, path: Path) -> None:
    """Drop ``path`` and wait for its overlay."""
    drop_files(window, path)
    qtbot.waitUntil(lambda: window.session.image is not None and window.session.image.source.path == str(path))
    settle(qtbot, window)


def choose(box, data) -> None:
    """Pick the entry of combo ``box`` whose data is ``data``, as a user would."""
    index = box.findData(data)
    assert index >= 0, data
    box.setCurrentIndex(index)
