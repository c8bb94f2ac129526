"""The embedding map's drawing surface: up to tens of thousands of points drawn as one QImage (rasterised with
numpy by :mod:`~coatnet_gui.widgets.map_points`), zoom (wheel) and pan (right or middle drag), a tooltip on
hover, a click on a point, and a lasso (left drag) around points. It renders state and emits intents.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPalette, QPen, QPolygonF, QWheelEvent
from PySide6.QtWidgets import QToolTip, QWidget

from coatnet_gui.widgets.map_points import Colouring, MapRows, View, inside_polygon, nearest_point, raster

CLICK_SLOP = 4.0  # a left drag shorter than this (pixels) is a click, not a lasso
LASSO_STEP = 3.0  # pixels between two recorded lasso vertices


class MapCanvas(QWidget):
    """Draws the points of a :class:`MapRows` at a layout in a :class:`Colouring`. ``point_activated(row)``: a
    click on a point (``row`` indexes the audit's rows); ``rows_selected(rows)``: the rows inside a lasso (a left
    drag), possibly empty. Double-click fits the view to the points again."""

    point_activated = Signal(int)
    rows_selected = Signal(list)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setMinimumSize(240, 200)
        self.setFocusPolicy(Qt.FocusPolicy.WheelFocus)
        self.setAccessibleName("Map of the audited images")
        self.setAccessibleDescription("One point per image, placed by its features: similar images lie close")
        self._points: MapRows | None = None
        self._xy = np.zeros((0, 2), np.float32)
        self._colouring: Colouring | None = None
        self._view = View()
        self._fitted = True  # follow new layouts until the user zooms or pans
        self._screen = np.zeros((0, 2), np.float32)
        self._image: QImage | None = None
        self._lasso: list[tuple[float, float]] = []
        self._press: QPointF | None = None
        self._pan_from: QPointF | None = None
        self._hovered = -1

    # State ---------------------------------------------------------------------------------------------------------
    def set_points(self, points: MapRows, xy: np.ndarray, colouring: Colouring) -> None:
        """Show ``points`` at ``xy`` ``(m, 2)`` in ``colouring``; the view is fitted to them."""
        self._points, self._colouring = points, colouring
        self._fitted = True
        self.set_layout(xy)

    def set_layout(self, xy: np.ndarray) -> None:
        """Move the points to ``xy`` ``(m, 2)`` (a refined layout); the view follows unless the user moved it."""
        self._xy = np.asarray(xy, np.float32)
        if self._fitted:
            self._view = View.fitting(self._xy, self.width(), self.height())
        self._redraw()

    def update_points(self, points: MapRows, colouring: Colouring) -> None:
        """Show new classes and scores for the same points in ``colouring``; the layout and the view stay."""
        self._points, self._colouring = points, colouring
        self._redraw()

    def set_colouring(self, colouring: Colouring) -> None:
        """Recolour the points."""
        self._colouring = colouring
        self._redraw()

    def clear(self) -> None:
        """Show no points."""
        self._points, self._colouring, self._xy = None, None, np.zeros((0, 2), np.float32)
        self._redraw()

    def fit(self) -> None:
        """Fit the view to the points again, and follow new layouts."""
        self._fitted = True
        self.set_layout(self._xy)

    def screen_positions(self) -> np.ndarray:
        """Return the points' positions in widget pixels ``(m, 2)`` as drawn now."""
        return self._screen.copy()

    def _redraw(self) -> None:
        """Rasterise the points at the current view into the cached image and schedule a repaint."""
        w, h = max(1, self.width()), max(1, self.height())
        if self._points is None or self._colouring is None or len(self._xy) != len(self._points.rows):
            self._screen, self._image = np.zeros((0, 2), np.float32), None
        else:
            self._screen = self._view.to_screen(self._xy, w, h)
            pixels = raster(self._screen, self._colouring, w, h)
            self._image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        self.update()

    # Painting ------------------------------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self._image is not None:
            painter.drawImage(0, 0, self._image)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("No map yet"))
        if len(self._lasso) > 1:
            painter.setPen(QPen(text, 1, Qt.PenStyle.DashLine))
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in self._lasso]))
        if 0 <= self._hovered < len(self._screen):
            x, y = self._screen[self._hovered]
            painter.setPen(QPen(text, 2))
            painter.drawEllipse(QPointF(float(x), float(y)), 5.0, 5.0)
        painter.end()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fitted:
            self._view = View.fitting(self._xy, self.width(), self.height())
        self._redraw()

    # Interaction ---------------------------------------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        factor = 1.25 ** (event.angleDelta().y() / 120.0)
        pos = event.position()
        self._view = self._view.zoomed(factor, pos.x(), pos.y(), self.width(), self.height())
        self._fitted = False
        self._redraw()
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._lasso = pos, [(pos.x(), pos.y())]
        elif event.button() in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
            self._pan_from = pos
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if self._pan_from is not None:
            self._view = self._view.panned(pos.x() - self._pan_from.x(), pos.y() - self._pan_from.y())
            self._pan_from, self._fitted = pos, False
            self._redraw()
        elif self._press is not None:
            last = self._lasso[-1]
            if abs(pos.x() - last[0]) + abs(pos.y() - last[1]) >= LASSO_STEP:
                self._lasso.append((pos.x(), pos.y()))
                self.update()
        else:
            self._hover(pos, event.globalPosition().toPoint())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        if event.button() == Qt.MouseButton.LeftButton and self._press is not None:
            press, self._press = self._press, None
            moved = abs(pos.x() - press.x()) + abs(pos.y() - press.y())
            lasso, self._lasso = self._lasso + [(pos.x(), pos.y())], []
            self.update()
            if self._points is None:
                return
            if moved < CLICK_SLOP and len(lasso) <= 2:
                hit = nearest_point(self._screen, pos.x(), pos.y())
                if hit >= 0:
                    self.point_activated.emit(int(self._points.rows[hit]))
            else:
                inside = inside_polygon(self._screen, np.array(lasso, np.float64))
                self.rows_selected.emit([int(r) for r in self._points.rows[inside]])
        elif self._pan_from is not None:
            self._pan_from = None
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.fit()
        event.accept()

    def leaveEvent(self, _event) -> None:  # noqa: N802
        if self._hovered >= 0:
            self._hovered = -1
            self.update()

    def _hover(self, pos: QPointF, global_pos) -> None:
        """Ring the point under the cursor and show its path, given and suggested class as a tooltip."""
        hit = nearest_point(self._screen, pos.x(), pos.y()) if self._points is not None else -1
        if hit != self._hovered:
            self._hovered = hit
            self.update()
        if hit < 0:
            QToolTip.hideText()
            return
        QToolTip.showText(global_pos, self.point_text(hit), self)

    def point_text(self, index: int) -> str:
        """Return the tooltip of point ``index``: its path, given class and suggestion."""
        points = self._points
        assert points is not None
        given, suggested = int(points.given[index]), int(points.suggested[index])
        given_name = points.classes[given] if given >= 0 else self.tr("(none)")
        lines = [points.paths[index], self.tr("given: {name}").format(name=given_name)]
        if suggested >= 0:
            suggested_line = self.tr("suggested: {name} (suspect {suspect:.2f})")
            lines.append(suggested_line.format(name=points.classes[suggested], suspect=points.suspect[index]))
        return "\n".join(lines)
