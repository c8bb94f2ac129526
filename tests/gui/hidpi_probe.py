"""Where the query crosshair lands in the real window, in device pixels, found in the pixels of a grab of the view.

``crosshair(window, qtbot_wait)`` is used in-process at the session's scale; run as a script
(``python hidpi_probe.py IMAGE MODEL_DIR OUT.json``) it opens the window at whatever ``QT_SCALE_FACTOR`` the
environment sets (it must be set before the QApplication exists, hence a process of its own) and writes the
result as JSON."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported

import numpy as np


def _pixels(image) -> np.ndarray:
    """Return a QImage as an ``(h, w, 3)`` uint8 array."""
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * h).reshape(h, -1)
    return rows[:, : 3 * w].reshape(h, w, 3).copy()  # a copy: the buffer dies with ``image``


def locate_crosshair(rgb: np.ndarray) -> dict:
    """Return the white marker in ``rgb`` (a grab of a view over a black image with the overlay transparent): the
    bounding box of the token outline and the centre of the cross inside it (where its arms' white runs peak),
    in the grab's pixels."""
    white = (rgb >= 250).all(axis=2)
    ys, xs = np.nonzero(white)
    if not len(xs):
        return {"found": False}
    box = [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())]
    inner = white[box[1] + 6 : box[3] - 5, box[0] + 6 : box[2] - 5]  # inside the outline
    rows, cols = inner.sum(axis=1), inner.sum(axis=0)
    row_peak = np.flatnonzero(rows == rows.max())
    col_peak = np.flatnonzero(cols == cols.max())
    centre = (box[0] + 6 + float(col_peak.mean()), box[1] + 6 + float(row_peak.mean()))
    return {"found": True, "box": box, "centre": centre}


def crosshair(window, wait: Callable[[Callable[[], bool]], None]) -> dict:
    """Put the query in the middle token of the window's attention map, the overlay fully transparent, grab the
    view; return the device pixel ratio, the crosshair found in the grab and where the token's centre is expected
    (the layout's cell, in logical pixels, times the ratio)."""
    controls, view = window.image_tab.controls, window.image_tab.view
    controls.set_kind("attention")
    controls.set_query(0.5, 0.5)
    controls.opacity_slider.setValue(0)
    wait(lambda: window.result is not None and window.result.spec == controls.spec() and window.result.spec.uses_query)
    view.repaint()
    grab = view.grab().toImage()
    ratio = grab.devicePixelRatio()
    cell = view._layout.cells[0]
    rows, cols = window.result.block.grid
    from model.explain.introspect import grid_cell

    r, c = grid_cell((rows, cols), *window.result.spec.query)
    w, h = cell.width / cols, cell.height / rows
    token = (cell.left + c * w, cell.top + r * h, w, h)
    expected = ((token[0] + token[2] / 2) * ratio, (token[1] + token[3] / 2) * ratio)
    found = locate_crosshair(_pixels(grab))
    from coatnet_gui.overlay.paint import render_view

    saved = render_view(view.state)  # what Save view writes: the picture's own pixels, whatever the screen
    picture = view.state.image
    left = (saved.width() - picture.width()) // 2  # a narrow picture is centred above its colour bar's strip
    pixels = _pixels(saved)[: picture.height(), left : left + picture.width()]  # the picture with its marker
    digest = hashlib.sha256(pixels.tobytes()).hexdigest()  # (text is hinted differently at 2x: left out)
    return {
        "ratio": ratio,
        "grab": [grab.width(), grab.height()],
        "expected": expected,
        "token": token,
        "saved": [saved.width(), saved.height(), saved.devicePixelRatio(), digest],
        **found,
    }


def main(image: str, model_dir: str, out: str) -> int:
    """Open the window with ``model_dir`` on ``image``, locate the crosshair, write the result to ``out``."""
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from coatnet_gui.app.main_window import MainWindow
    from coatnet_gui.app.settings import Settings

    folder = tempfile.mkdtemp(prefix="hidpi-probe-")
    os.environ["COATNET_LENS_DATA"] = str(Path(folder) / "data")
    settings = Settings(str(Path(folder) / "settings.ini"))
    settings.model, settings.device = model_dir, "cpu"
    window = MainWindow(settings)
    window.resize(1000, 700)
    window.show()

    def wait(condition: Callable[[], bool], seconds: float = 120.0) -> None:
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there")
            app.processEvents()
            time.sleep(0.01)

    wait(lambda: window.session.classifier is not None)
    window.open_path(image)
    wait(lambda: window.result is not None)
    result = crosshair(window, wait)
    Path(out).write_text(json.dumps(result))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
