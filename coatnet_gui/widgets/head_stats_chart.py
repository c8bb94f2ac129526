"""Every attention head at a glance: one point per head against the depth of its Transformer block, on real axes
with a legend. The y axis is the mean attention distance in input pixels (the ViT paper's Fig. 7), the positional
share or the attention entropy; a point's colour is its positional share (teal: content, purple: position), as in
the per-block bars of :mod:`~coatnet_gui.widgets.head_shares`. Clicking a point shows that head's map; the context
menu saves the chart as PNG."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from coatnet_gui.widgets.head_shares import CONTENT, POSITION, SELECTED
from coatnet_gui.widgets.plot import (
    Axes,
    LegendEntry,
    SidebarChart,
    chart_png,
    draw_axes,
    draw_focus,
    draw_legend,
    legend_rect,
    nice_ticks,
    plot_rect,
    small_font,
    tick_text,
)
from coatnet_gui.widgets.theme import series
from model.explain.head_stats import HeadStats

METRICS: dict[str, str] = {  # the texts are translated where shown (context "ChecksPanel")
    "distance": QT_TRANSLATE_NOOP("ChecksPanel", "Mean attention distance (input px)"),
    "positional": QT_TRANSLATE_NOOP("ChecksPanel", "Positional share"),
    "entropy": QT_TRANSLATE_NOOP("ChecksPanel", "Attention entropy (nats)"),
}
AXIS_TITLES = {  # translated where drawn (context "HeadStatsChart")
    "distance": QT_TRANSLATE_NOOP("HeadStatsChart", "distance (px)"),
    "positional": QT_TRANSLATE_NOOP("HeadStatsChart", "positional share"),
    "entropy": QT_TRANSLATE_NOOP("HeadStatsChart", "entropy (nats)"),
}
translate = QCoreApplication.translate
POINT_RADIUS = 4.5
HIT_RADIUS = 9.0
SPREAD = 0.6  # of one depth step: the heads of a block spread side by side over this width


def share_colour(share: float) -> QColor:
    """Return the colour of positional share ``share`` (0: content, teal; 1: position, purple)."""
    t = min(1.0, max(0.0, share))
    return QColor.fromRgbF(
        CONTENT.redF() + t * (POSITION.redF() - CONTENT.redF()),
        CONTENT.greenF() + t * (POSITION.greenF() - CONTENT.greenF()),
        CONTENT.blueF() + t * (POSITION.blueF() - CONTENT.blueF()),
    )


def metric_value(stats: HeadStats, metric: str) -> float:
    """Return ``stats``' value of ``metric`` (distance, positional, entropy)."""
    return float(getattr(stats, metric))


def short_block(stats: HeadStats) -> str:
    """Return the block's short name for the x axis, e.g. "S3.1"."""
    return stats.label.split(" ", 1)[0]


@dataclass
class HeadChartState:
    """What the chart shows: the ``stats`` of every head, the ``metric`` on the y axis and the ``selected`` head
    (block name, head) or None."""

    stats: list[HeadStats]
    metric: str = "distance"
    selected: tuple[str, int] | None = None


def head_positions(state: HeadChartState, axes: Axes) -> list[QPointF]:
    """Return the widget position of each head's point, in ``state.stats`` order (heads of a block side by side)."""
    points = []
    for s in state.stats:
        heads = sum(1 for other in state.stats if other.block == s.block)
        offset = (s.head - (heads - 1) / 2) * (SPREAD / max(1, heads - 1)) if heads > 1 else 0.0
        points.append(axes.point(s.depth + offset, metric_value(s, state.metric)))
    return points


def chart_axes(state: HeadChartState, area: QRectF, font: QFont) -> tuple[Axes, list[tuple[float, str]]]:
    """Return the axes of ``state`` in ``area`` and their y ticks."""
    values = [metric_value(s, state.metric) for s in state.stats] or [1.0]
    top = 1.0 if state.metric == "positional" else max(values) * 1.05
    ticks = nice_ticks(0.0, top if top > 0 else 1.0, 5)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    y_ticks = [(t, tick_text(t, step)) for t in ticks]
    depths = max((s.depth for s in state.stats), default=0)
    axes = Axes(plot_rect(area, font, [t for _v, t in y_ticks]), (-0.5, depths + 0.5), (ticks[0], ticks[-1]))
    return axes, y_ticks


def paint_head_chart(painter: QPainter, area: QRectF, state: HeadChartState, palette: QPalette, font: QFont) -> Axes:
    """Paint ``state`` into ``area``: axes (depth by block name; the metric), a point per head coloured by its
    positional share, the selected head ringed, and the legend. Return the axes (for hit-testing)."""
    axes, y_ticks = chart_axes(state, area, font)
    blocks: dict[int, str] = {}
    for s in state.stats:
        blocks.setdefault(s.depth, short_block(s))
    x_ticks = [(float(d), name) for d, name in sorted(blocks.items())]
    x_title = (
        QT_TRANSLATE_NOOP("HeadStatsChart", "depth: Transformer block")
        if state.stats
        else QT_TRANSLATE_NOOP("HeadStatsChart", "no Transformer blocks")
    )
    y_title = translate("HeadStatsChart", AXIS_TITLES[state.metric])
    draw_axes(painter, axes, x_ticks, y_ticks, translate("HeadStatsChart", x_title), y_title, palette, font)
    for s, point in zip(state.stats, head_positions(state, axes), strict=True):
        painter.setPen(QPen(palette.color(QPalette.ColorRole.WindowText), 0.8))
        painter.setBrush(share_colour(s.positional))
        painter.drawEllipse(point, POINT_RADIUS, POINT_RADIUS)
        if state.selected == (s.block, s.head):
            painter.setPen(QPen(series(SELECTED, palette), 2.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(point, POINT_RADIUS + 3, POINT_RADIUS + 3)
    if state.stats:
        entries = [
            LegendEntry(translate("HeadStatsChart", "content-led"), _dot(share_colour(0.0))),
            LegendEntry(translate("HeadStatsChart", "position-led"), _dot(share_colour(1.0))),
            LegendEntry(translate("HeadStatsChart", "shown"), _ring(series(SELECTED, palette))),
        ]
        draw_legend(painter, legend_rect(area, font), entries, palette, font)
    return axes


def _dot(colour: QColor) -> Callable[[QPainter, QRectF], None]:
    def draw(painter: QPainter, rect: QRectF) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(rect.center(), POINT_RADIUS, POINT_RADIUS)

    return draw


def _ring(colour: QColor) -> Callable[[QPainter, QRectF], None]:
    def draw(painter: QPainter, rect: QRectF) -> None:
        painter.setPen(QPen(colour, 2.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect.center(), POINT_RADIUS + 1, POINT_RADIUS + 1)

    return draw


def head_text(s: HeadStats) -> str:
    """Return one head's statistics as a line for the tooltip."""
    return translate(
        "HeadStatsChart",
        "{block} head {head}: distance {distance:.1f} px · {positional:.0%} positional · "
        "entropy {entropy:.2f} nats (uniform {uniform:.2f})",
    ).format(
        block=short_block(s),
        head=s.head,
        distance=s.distance,
        positional=s.positional,
        entropy=s.entropy,
        uniform=math.log(s.tokens),
    )


class HeadStatsChart(SidebarChart):
    """The chart; ``head_clicked(block_name, head)`` when a point is clicked, ``save_requested()`` from its context
    menu ("Save as PNG…")."""

    head_clicked = Signal(str, int)
    save_requested = Signal()

    HEIGHT = 220

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = HeadChartState([])
        self._axes: Axes | None = None
        self.setAccessibleName("Attention heads chart")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys step through the heads
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.DefaultContextMenu)
        self.setToolTip(
            self.tr("One point per head. Click a point to show that head's map; right-click to save the chart.")
        )

    def set_stats(self, stats: list[HeadStats]) -> None:
        """Show ``stats`` (every head of the explained image; empty for a model without attention)."""
        self.state.stats = list(stats)
        self.setAccessibleDescription("; ".join(head_text(s) for s in stats))
        self.update()

    def set_metric(self, metric: str) -> None:
        """Plot ``metric`` (a key of :data:`METRICS`) on the y axis."""
        self.state.metric = metric if metric in METRICS else "distance"
        self.update()

    def set_selected(self, selected: tuple[str, int] | None) -> None:
        """Ring the point of head ``selected`` (block name, head), or none."""
        self.state.selected = selected
        self.update()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Paint the chart into ``area`` and keep its axes (clicks and tooltips find points through them)."""
        self._axes = paint_head_chart(painter, area, self.state, self.palette(), small_font(self.font()))
        if self.hasFocus() and painter.device() is self:
            draw_focus(painter, area, self.palette())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Left/Up and Right/Down show the previous or next head's map (by depth, then head): the chart works
        without a mouse."""
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1}.get(
            Qt.Key(event.key())
        )
        stats = sorted(self.state.stats, key=lambda s: (s.depth, s.head))
        if step is None or not stats:
            super().keyPressEvent(event)
            return
        keys = [(s.block, s.head) for s in stats]
        at = keys.index(self.state.selected) if self.state.selected in keys else (-1 if step > 0 else 0)
        block, head = keys[(at + step) % len(keys)]
        self.head_clicked.emit(block, head)

    def point_of(self, block: str, head: int) -> QPointF:
        """Return the widget position of the point of ``head`` of ``block`` (KeyError when it is not shown)."""
        axes, _ticks = chart_axes(self.state, QRectF(self.rect()), small_font(self.font()))
        for s, point in zip(self.state.stats, head_positions(self.state, axes), strict=True):
            if (s.block, s.head) == (block, head):
                return point
        raise KeyError((block, head))

    def head_at(self, position: QPointF) -> HeadStats | None:
        """Return the head whose point is nearest ``position`` within a few pixels, else None."""
        axes, _ticks = chart_axes(self.state, QRectF(self.rect()), small_font(self.font()))
        best, best_distance = None, HIT_RADIUS
        for s, point in zip(self.state.stats, head_positions(self.state, axes), strict=True):
            distance = math.hypot(point.x() - position.x(), point.y() - position.y())
            if distance <= best_distance:
                best, best_distance = s, distance
        return best

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """A click on a point shows that head's map."""
        hit = self.head_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if hit is None:
            super().mousePressEvent(event)
            return
        self.head_clicked.emit(hit.block, hit.head)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Hovering a point names its head and statistics."""
        hit = self.head_at(event.position())
        if hit is not None:
            QToolTip.showText(event.globalPosition().toPoint(), head_text(hit), self)
        else:
            QToolTip.hideText()
        super().mouseMoveEvent(event)

    def context_menu(self) -> QMenu:
        """Return the chart's context menu: "Save as PNG…"."""
        menu = QMenu(self)
        menu.addAction(self.tr("Save as PNG…")).triggered.connect(lambda _checked=False: self.save_requested.emit())
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        """Show :meth:`context_menu`."""
        menu = self.context_menu()
        menu.exec(event.globalPos())
        menu.deleteLater()

    def png_job(self, width: int = 900, height: int = 560) -> Callable[[], bytes]:
        """Return a job (safe on a worker thread) that paints the chart as it is now at ``width`` x ``height`` and
        returns it encoded as PNG."""
        state = HeadChartState(list(self.state.stats), self.state.metric, self.state.selected)
        palette, font = QPalette(self.palette()), small_font(self.font(), 13)
        background = palette.color(QPalette.ColorRole.Base)
        return lambda: chart_png(
            lambda p, area: paint_head_chart(p, area, state, palette, font), width, height, background
        )
