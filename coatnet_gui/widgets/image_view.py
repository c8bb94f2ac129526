"""The image, large, with the overlay over the part the model saw; hover shows the value, a click picks the query."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from coatnet_gui.model_texts import core_text
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import ViewLayout, ViewState, layout_view, locate, paint_view
from coatnet_gui.widgets.plot import FocusFrameWidget
from model.explain.introspect import grid_cell
from model.explain.maps import OverlayResult

MARGIN = 8.0
BACKGROUND = QColor("#2b2d30")
ERROR_TEXT = QColor("#f5a3a3")


def overlay_summary(result: OverlayResult | None) -> str:
    """Return what the overlay shows, for a screen reader: each panel's title and value range, the query point."""
    if result is None:
        return "No overlay"
    parts = [f"{p.title}: {result.unit} from {p.lo:.3g} to {p.hi:.3g}" for p in result.panels[:8]]
    more = f"; and {len(result.panels) - 8} more panels" if len(result.panels) > 8 else ""
    query = ""
    if result.spec.uses_query:
        fy, fx = result.spec.query
        query = f"; query point at {fx:.0%} across, {fy:.0%} down (arrow keys move it)"
    return "; ".join(parts) + more + query


class ImageView(FocusFrameWidget):
    """Paints a :class:`~coatnet_gui.overlay.paint.ViewState`. Emits ``query_picked(fy, fx)`` (fractions of the
    model's view) on a click or arrow key, and ``hovered(text)`` with the value under the cursor (again when a new
    overlay arrives under a cursor that has not moved). ``set_error`` shows a message instead of an image. Its context
    menu's "Find similar images here" emits ``similar_requested(fy, fx)`` (fractions of the model's view)."""

    query_picked = Signal(float, float)
    hovered = Signal(str)
    similar_requested = Signal(float, float)  # fy, fx: "Find similar images here"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setAccessibleName("Image with overlay")
        self.setToolTip(
            QCoreApplication.translate("ImageTab", "Click to set the query point; arrow keys move it by one token")
        )
        self.state: ViewState | None = None
        self._layout: ViewLayout | None = None
        self._visible, self._opacity = True, 0.6
        self.error = ""
        self._cursor: QPointF | None = None  # the last position of the cursor over the view, None once it left

    def set_image(self, image: QImage, view_box: Box) -> None:
        """Show ``image`` (no overlay yet); ``view_box`` is the part of it the model sees."""
        self.state = ViewState(image, view_box, visible=self._visible, opacity=self._opacity)
        self.error = ""
        self.update()

    def set_error(self, message: str) -> None:
        """Show ``message`` in place of an image (the image that could not be opened, and why)."""
        self.state, self._layout, self.error = None, None, message
        self.update()

    def set_view_box(self, view_box: Box) -> None:
        """Change the part of the image the model sees (another model preprocesses differently)."""
        if self.state is not None:
            self.state.view_box = view_box
            self.state.result, self.state.layers = None, []
            self.update()

    def set_overlay(self, result: OverlayResult | None, layers: list[QImage]) -> None:
        """Draw ``result`` with its colour-mapped ``layers`` (None removes the overlay)."""
        if self.state is not None:
            self.state.result, self.state.layers = result, layers
            self.setAccessibleDescription(overlay_summary(result))
            self.update()
            self._describe_cursor()

    def _describe_cursor(self) -> None:
        """Tell ``hovered`` what is now under a cursor that has not moved (the layout may have changed too)."""
        if self._cursor is None or self.state is None:
            return
        self._layout = layout_view(self.state, self._area())
        hit = locate(self._layout, self._cursor.x(), self._cursor.y())
        self.hovered.emit(self._describe(hit) if hit is not None else "")

    def _area(self) -> Box:
        return Box(MARGIN, MARGIN, self.width() - 2 * MARGIN, self.height() - 2 * MARGIN)

    def set_opacity(self, opacity: float) -> None:
        """Set the overlay's opacity (0-1)."""
        self._opacity = opacity
        if self.state is not None:
            self.state.opacity = opacity
            self.update()

    def set_overlay_visible(self, visible: bool) -> None:
        """Show or hide the overlay."""
        self._visible = visible
        if self.state is not None:
            self.state.visible = visible
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Paint the background, the image and the overlay."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKGROUND)
        if self.state is not None:
            self._layout = paint_view(painter, self.state, self._area())
        elif self.error:
            painter.setPen(ERROR_TEXT)
            flags = Qt.AlignmentFlag.AlignCenter.value | Qt.TextFlag.TextWordWrap.value
            painter.drawText(QRectF(self.rect()).adjusted(4 * MARGIN, 0, -4 * MARGIN, 0), flags, self.error)
        if self.hasFocus():  # keyboard users see where the arrow keys act
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    def _hit(self, event: QMouseEvent) -> tuple[int, float, float] | None:
        if self._layout is None:
            return None
        return locate(self._layout, event.position().x(), event.position().y())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """A left click inside the model's view picks the query point."""
        self._cursor = event.position()
        hit = self._hit(event)
        if event.button() == Qt.MouseButton.LeftButton and hit is not None:
            self.query_picked.emit(hit[1], hit[2])
        super().mousePressEvent(event)

    def context_menu(self, x: float, y: float) -> QMenu | None:
        """Return the context menu for the widget point ``(x, y)``, or None outside the model's view."""
        hit = locate(self._layout, x, y) if self._layout is not None else None
        if hit is None:
            return None
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        action = menu.addAction(
            self.tr("Find similar images here"), lambda: self.similar_requested.emit(hit[1], hit[2])
        )
        action.setToolTip(self.tr("The audited images most like this region (the Audit tab's Similar page)"))
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        """Offer "Find similar images here" for the point under the cursor."""
        menu = self.context_menu(event.pos().x(), event.pos().y())
        if menu is not None:
            menu.popup(event.globalPos())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Report the value (or the pixel) under the cursor."""
        self._cursor = event.position()
        hit = self._hit(event)
        self.hovered.emit(self._describe(hit) if hit is not None else "")
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        """Clear the hover text."""
        self._cursor = None
        self.hovered.emit("")
        super().leaveEvent(event)

    def _describe(self, hit: tuple[int, float, float]) -> str:
        index, fy, fx = hit
        assert self.state is not None
        x, y = self.state.view_box.point(fy, fx)
        where = self.tr("pixel ({x}, {y})").format(x=int(x), y=int(y))
        result = self.state.result
        if result is None or not self.state.visible:
            return where
        value, row, column = result.value_at(index, fy, fx)
        at = self.tr("{title} · {unit} {value:.4g} at token ({row}, {column})")
        return (
            at.format(
                title=result.panels[index].title, unit=core_text(result.unit), value=value, row=row, column=column
            )
            + f" · {where}"
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Arrow keys move the query point by one token of the block's grid; Home centres it."""
        result = self.state.result if self.state is not None else None
        steps = {
            Qt.Key.Key_Left: (0, -1),
            Qt.Key.Key_Right: (0, 1),
            Qt.Key.Key_Up: (-1, 0),
            Qt.Key.Key_Down: (1, 0),
        }
        if result is None or (event.key() not in steps and event.key() != Qt.Key.Key_Home):
            super().keyPressEvent(event)
            return
        rows, cols = result.block.grid
        if event.key() == Qt.Key.Key_Home:
            row, col = rows // 2, cols // 2
        else:
            dy, dx = steps[Qt.Key(event.key())]
            row, col = grid_cell((rows, cols), *result.spec.query)
            row, col = min(rows - 1, max(0, row + dy)), min(cols - 1, max(0, col + dx))
        self.query_picked.emit((row + 0.5) / rows, (col + 0.5) / cols)
