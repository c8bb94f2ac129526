"""The embedding map widget (coatnet_gui/widgets/embedding_map.py, map_canvas.py, map_points.py) on real features
(300 Fashion-MNIST test images through the bundled model), refined through the app's real worker facility; the
mouse drives it: lasso, click, hover, wheel, drag."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip

from coatnet_gui.widgets.embedding_map import EmbeddingMap
from coatnet_gui.widgets.map_points import COLOURINGS, inside_polygon
from coatnet_gui.workers import Workers
from model.audit.embedding import MapSettings
from model.audit.report import AuditResult, AuditRow
from model.weights.labels import FASHION_MNIST_CLASSES as CLASSES

MAP_MS = 300_000  # a shared CPU


def mouse(widget, kind: QEvent.Type, x: float, y: float, button=Qt.MouseButton.LeftButton) -> None:
    """Send ``widget`` one mouse event at ``(x, y)`` (a move carries ``button`` as held)."""
    held = button if kind != QEvent.Type.MouseButtonRelease else Qt.MouseButton.NoButton
    pressed = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button
    pos = QPointF(x, y)
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), pressed, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def lasso(widget, corners: list[tuple[float, float]]) -> None:
    """Drag a closed lasso through ``corners`` with the left button, in small steps."""
    mouse(widget, QEvent.Type.MouseButtonPress, *corners[0])
    path = [*corners[1:], corners[0]]
    at = corners[0]
    for target in path:
        for t in np.linspace(0, 1, 8)[1:]:
            mouse(widget, QEvent.Type.MouseMove, at[0] + t * (target[0] - at[0]), at[1] + t * (target[1] - at[1]))
        at = target
    mouse(widget, QEvent.Type.MouseButtonRelease, *at)


def class_box(screen: np.ndarray, members: np.ndarray) -> tuple[float, float, float, float]:
    """A rectangle around the middle 80 % of ``members``' screen positions: (x0, y0, x1, y1)."""
    lo, hi = np.percentile(screen[members], 10, axis=0), np.percentile(screen[members], 90, axis=0)
    return float(lo[0]) - 3, float(lo[1]) - 3, float(hi[0]) + 3, float(hi[1]) + 3


@pytest.fixture
def mapped(qtbot, slice_features):
    """The map panel showing an audit-like result of the real features (given = true class, every 10th row
    flipped; suggestions the true class), refined."""
    paths, vectors, labels = slice_features
    rows = []
    for i, (path, label) in enumerate(zip(paths, labels.tolist(), strict=True)):
        given = CLASSES[(label + 3) % 10] if i % 10 == 0 else CLASSES[label]
        flipped = given != CLASSES[label]
        rows.append(AuditRow(path, given, CLASSES[label], 0.9 if flipped else 0.05, "label" if flipped else "ok",
                             given_prob=0.05 if flipped else 0.9, suggested_prob=0.9))  # fmt: skip
    # The first row is unreadable: it has no vector, so no point.
    result = AuditResult(rows, list(CLASSES), vectors=vectors[1:], vector_rows=np.arange(1, len(rows)))
    workers = Workers()
    panel = EmbeddingMap(workers, settings=MapSettings(epochs=60))
    qtbot.addWidget(panel)
    panel.resize(700, 560)
    panel.show()
    shown = []
    panel.layout_shown.connect(shown.append)
    assert panel.show_result(result)
    qtbot.waitUntil(lambda: panel.state == "refined", timeout=MAP_MS)
    yield panel, result, labels, shown
    workers.shutdown()


def test_the_map_shows_pca_first_then_refined_layouts_and_lasso_selects_exactly_the_rows_inside(qtbot, mapped):
    panel, result, labels, shown = mapped
    assert shown[0] == "pca" and shown[-1] == "refined" and "refining" in shown
    screen = panel.canvas.screen_positions()
    assert screen.shape == (len(result.rows) - 1, 2)
    trousers = np.flatnonzero(labels[1:] == CLASSES.index("Trouser"))
    x0, y0, x1, y1 = class_box(screen, trousers)
    with qtbot.waitSignal(panel.rows_selected) as selected:
        lasso(panel.canvas, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
    inside = (screen[:, 0] >= x0) & (screen[:, 0] <= x1) & (screen[:, 1] >= y0) & (screen[:, 1] <= y1)
    rows = selected.args[0]
    assert sorted(rows) == sorted((np.flatnonzero(inside) + 1).tolist())  # audit row = point + 1 (row 0 unread)
    # The refined map keeps a class together: the lasso around the trousers holds (almost) only trousers.
    true = [labels[r] for r in rows]
    assert len(rows) >= 20 and true.count(CLASSES.index("Trouser")) >= 0.9 * len(rows)


def test_click_hover_colourings_zoom_and_pan(qtbot, mapped):
    panel, result, _labels, _shown = mapped
    canvas = panel.canvas
    screen = canvas.screen_positions()
    target = 17
    x, y = screen[target]
    with qtbot.waitSignal(canvas.point_activated) as clicked:
        mouse(canvas, QEvent.Type.MouseButtonPress, x, y)
        mouse(canvas, QEvent.Type.MouseButtonRelease, x, y)
    hit = clicked.args[0]
    assert np.linalg.norm(screen[hit - 1] - screen[target]) < 1.0  # that point (or one drawn on it)
    mouse(canvas, QEvent.Type.MouseMove, x, y, Qt.MouseButton.NoButton)
    row = result.rows[hit]
    assert QToolTip.text() == canvas.point_text(hit - 1)
    assert row.path in QToolTip.text() and f"given: {row.given}" in QToolTip.text()

    legends = {}
    for i, name in enumerate(COLOURINGS):
        panel.colour_by.setCurrentIndex(i)
        legends[name] = panel.legend.text()
    assert all(c in legends["given label"] for c in CLASSES)
    assert "likely wrong" in legends["suspect"] and "100 %" in legends["confidence"]
    panel.colour_by.setCurrentIndex(COLOURINGS.index("suspect"))
    wrong = sum(r.suspect == 0.9 for r in result.rows[1:])  # 29 of the 299 points
    on_top = panel.current_colouring().order[-wrong:]  # drawn last: the likely wrong labels
    assert wrong == 29 and all(result.rows[p + 1].suspect == 0.9 for p in on_top)

    # The wheel zooms around the cursor: the point under it stays put.
    no_button, no_key, no_phase = Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase
    at = QPointF(x, y)
    wheel = QWheelEvent(at, canvas.mapToGlobal(at), QPoint(0, 0), QPoint(0, 240), no_button, no_key, no_phase, False)
    QApplication.sendEvent(canvas, wheel)
    zoomed = canvas.screen_positions()
    assert np.allclose(zoomed[target], screen[target], atol=0.5)
    spread = np.ptp(zoomed, axis=0) / np.ptp(screen, axis=0)
    assert np.allclose(spread, 1.25**2, rtol=1e-3)
    mouse(canvas, QEvent.Type.MouseButtonPress, 100, 100, Qt.MouseButton.RightButton)
    mouse(canvas, QEvent.Type.MouseMove, 130, 90, Qt.MouseButton.RightButton)
    mouse(canvas, QEvent.Type.MouseButtonRelease, 130, 90, Qt.MouseButton.RightButton)
    assert np.allclose(canvas.screen_positions() - zoomed, [30, -10], atol=1e-3)
    panel.fit_button.click()
    assert np.allclose(canvas.screen_positions(), screen, atol=1e-3)


def test_a_new_map_supersedes_the_one_refining_and_a_result_without_vectors_says_so(qtbot, mapped):
    panel, result, _labels, _shown = mapped
    panel.show_result(result)
    assert panel.state == "refining"
    panel.show_result(result)  # the first of these two never delivers anything
    qtbot.waitUntil(lambda: panel.state == "refined", timeout=MAP_MS)
    assert not panel.show_result(AuditResult(result.rows, result.classes))
    assert "no feature vectors" in panel.status.text() and panel.positions() is None
    assert len(panel.canvas.screen_positions()) == 0


def test_inside_polygon_uses_the_even_odd_rule():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float64)
    points = np.array([[5, 5], [11, 5], [-1, 5], [5, 11], [0.5, 9.5]], np.float32)
    assert inside_polygon(points, square).tolist() == [True, False, False, False, True]
    bow = np.array([[0, 0], [10, 10], [10, 0], [0, 10]], np.float64)  # a bow tie: two triangles
    assert inside_polygon(np.array([[2, 5], [5, 2], [8, 5]], np.float32), bow).tolist() == [True, False, True]
    assert not inside_polygon(points, square[:2]).any()


def test_raster_draws_round_dots_in_order_on_the_background():
    from coatnet_gui.widgets.map_points import BACKGROUND, Colouring, raster

    screen = np.array([[5, 5], [6, 5], [40, 40], [-3, 5]], np.float32)  # two overlapping, one off the image
    colours = np.array([[255, 0, 0], [0, 0, 255], [0, 255, 0], [9, 9, 9]], np.uint8)
    image = raster(screen, Colouring(colours, np.array([1, 0, 2, 3]), []), 20, 10)  # red drawn after blue
    assert image.shape == (10, 20, 4) and (image[..., 3] == 255).all()
    assert image[5, 5, :3].tolist() == [255, 0, 0] and image[5, 8, :3].tolist() == [0, 0, 255]
    assert image[5, 3, :3].tolist() == [255, 0, 0] and image[3, 5, :3].tolist() == [255, 0, 0]  # radius 2
    assert image[3, 3, :3].tolist() == list(BACKGROUND)  # a round dot: no corner
    assert image[0, 0, :3].tolist() == list(BACKGROUND) and not (image[..., :3] == 9).all(-1).any()
    drawn = (image[..., :3] != np.array(BACKGROUND, np.uint8)).any(-1)
    assert drawn.sum() == 21 + 5  # a dot is 21 pixels; the one below shows only where the top one leaves it
