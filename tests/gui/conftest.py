"""Fixtures of the GUI tests: garbage collection as the app sets it up, a classifier on the small model and a
temporary data folder for batch runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.batch.view import BatchView
from model.paths import DATA_ENV
from model.runtime.inference import Classifier
from model.weights.loading import load_model


@pytest.fixture(autouse=True)
def gui_thread_garbage_collection(qapp) -> None:
    """Garbage is collected on the GUI thread only, as ``run_app`` arranges before the window starts threads."""
    collect_on_gui_thread()


@pytest.fixture(scope="module")
def clf(small_model_dir: Path) -> Classifier:
    """The small model on the default device."""
    return Classifier(load_model(str(small_model_dir)))


@pytest.fixture
def data_dir(qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Runs go to a temporary data folder."""
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def batch_view(qtbot, clf: Classifier) -> BatchView:
    """A shown Batch tab on the small model, stopped at the end of the test."""
    v = BatchView(lambda: clf)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    yield v
    v.stop()


@pytest.fixture
def answer_next_box(qtbot):
    """Return ``answer(button_text, seen)``: click ``button_text`` in the next modal message box once it shows,
    keeping its texts (``text``, ``info``, ``details``, ``default``) in the dict ``seen``."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def answer(button_text: str, seen: dict) -> None:
        def click() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox)
            seen.update(text=box.text(), info=box.informativeText(), details=box.detailedText())
            seen["default"] = box.defaultButton().text() if box.defaultButton() else ""
            next(b for b in box.buttons() if b.text().replace("&", "") == button_text).click()

        QTimer.singleShot(0, lambda: qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None) or click())

    return answer
