"""The faithfulness of the map on screen, small: its deletion and insertion curves beside those of random orders,
on real axes with a legend, and the areas as numbers (deletion: lower is better, insertion: higher is better)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from coatnet_gui.model_texts import core_text
from coatnet_gui.widgets.plot import (
    Axes,
    LegendEntry,
    SidebarChart,
    draw_axes,
    draw_legend,
    legend_rect,
    line_sample,
    plot_rect,
    small_font,
)
from coatnet_gui.widgets.theme import series, text_colour
from model.choices import FILL_CHOICES
from model.explain.faithfulness import Curves
from model.explain.scoring import MapScore
from model.explain.verdicts import BETTER, FLAT_RANGE, WORSE, Interval

DELETION = QColor("#dc2626")
INSERTION = QColor("#2563eb")
RANDOM_STYLE = Qt.PenStyle.DashLine
Y_TICKS = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")]
X_TICKS = [(0.0, "0"), (0.25, "25"), (0.5, "50"), (0.75, "75"), (1.0, "100")]
VERDICT_COLOURS = {BETTER: "#15803d", WORSE: "#b91c1c"}  # inconclusive: the text's own colour
VERDICT_WORDS = {  # inconclusive: the word alone; translated where shown (context "Faithfulness")
    BETTER: QT_TRANSLATE_NOOP("Faithfulness", "✓ better"),
    WORSE: QT_TRANSLATE_NOOP("Faithfulness", "✗ worse"),
}
INCONCLUSIVE_WORD = QT_TRANSLATE_NOOP("Faithfulness", "inconclusive")


translate = QCoreApplication.translate


def _t(text: str) -> str:
    """Return ``text`` translated in the context "Faithfulness"."""
    return QCoreApplication.translate("Faithfulness", text)


def verdict_word(word: str) -> str:
    """Return the translated word of verdict ``word`` ("better", "worse", "inconclusive"), with its sign."""
    return _t(VERDICT_WORDS.get(word, word))


def verdict_html(word: str) -> str:
    """Return a verdict ("better", "worse", "inconclusive") as coloured rich text with its sign."""
    text = verdict_word(word)
    colour = VERDICT_COLOURS.get(word)
    return f'<b style="color:{text_colour(colour).name()}">{text}</b>' if colour else f"<b>{text}</b>"


def interval_text(interval: Interval) -> str:
    """Return the random orders' 95 % interval as "random 0.41–0.47"."""
    return translate("Faithfulness", "random {lo:.3f}–{hi:.3f}").format(lo=interval.lo, hi=interval.hi)


def score_text(score: MapScore) -> str:
    """Return the areas of ``score`` as rich text: the map's deletion and insertion areas beside the random orders'
    95 % interval, each with its verdict (better / worse / inconclusive), the fill, and a warning when the model
    barely reacts to the fill."""
    mine, verdicts = score.scores.map, score.scores.verdicts
    fill = core_text(FILL_CHOICES.get(score.scores.fill, score.scores.fill))
    head = f"<b>{score.title}</b> · “{score.class_name}” · " + translate(
        "Faithfulness", "{steps} steps · fill: {fill}"
    ).format(steps=score.scores.steps, fill=fill)
    if verdicts is None:
        areas = translate("Faithfulness", "Deletion {deletion:.3f} · insertion {insertion:.3f}")
        return f"{head}<br>" + areas.format(deletion=mine.deletion_area, insertion=mine.insertion_area)
    deletion = translate("Faithfulness", "Deletion area <b>{area:.3f}</b> ({interval}, lower is better): {verdict}")
    insertion = translate("Faithfulness", "Insertion area <b>{area:.3f}</b> ({interval}, higher is better): {verdict}")
    text = (
        f"{head}<br>"
        + deletion.format(
            area=mine.deletion_area,
            interval=interval_text(verdicts.deletion_interval),
            verdict=verdict_html(verdicts.deletion),
        )
        + "<br>"
        + insertion.format(
            area=mine.insertion_area,
            interval=interval_text(verdicts.insertion_interval),
            verdict=verdict_html(verdicts.insertion),
        )
    )
    if verdicts.flat:
        flat = translate(
            "Faithfulness", "The model barely reacts to this fill (p moves less than {range} over all steps)"
        )
        text += "<br>⚠ " + flat.format(range=FLAT_RANGE) + translate("Faithfulness", ": choose another fill above.")
    return text


class CurvePlot(SidebarChart):
    """Deletion (red) and insertion (blue) curves of a map, solid, and of the random order, dashed: the class
    probability (y) against the share of pixels removed or revealed (x, %)."""

    HEIGHT = 170

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.curves: Curves | None = None
        self.random: Curves | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Faithfulness curves")
        self.setToolTip(
            translate(
                "Faithfulness",
                "Deletion: the map's most important pixels are replaced first (by the chosen fill); a faithful map "
                "makes the class probability fall fast (small area).\nInsertion: they are revealed first on the "
                "filled image; the probability should rise fast (large area). Dashed: the mean of several random "
                "orders.",
            )
        )

    def set_curves(self, curves: Curves | None, random: Curves | None) -> None:
        """Show ``curves`` and the random order's (None: an empty frame)."""
        self.curves, self.random = curves, random
        text = ""
        if curves is not None:
            text = f"Deletion area {curves.deletion_area:.3f}, insertion area {curves.insertion_area:.3f}"
            if random is not None:
                text += f"; random order: deletion {random.deletion_area:.3f}, insertion {random.insertion_area:.3f}"
        self.setAccessibleDescription(text or "No curves yet")
        self.update()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Paint the chart into ``area`` (on screen or on an image)."""
        palette, font = self.palette(), small_font(self.font())
        axes = Axes(plot_rect(area, font, [t for _v, t in Y_TICKS], X_TICKS[-1][1]), (0.0, 1.0), (0.0, 1.0))
        draw_axes(
            painter,
            axes,
            X_TICKS,
            Y_TICKS,
            translate("Faithfulness", "pixels removed / revealed (%)"),
            "p(class)",
            palette,
            font,
        )
        if self.curves is None:
            return
        deletion, insertion = series(DELETION, palette), series(INSERTION, palette)  # visible on light and dark
        lines = [(self.curves.deletion, deletion, Qt.PenStyle.SolidLine)]
        lines.append((self.curves.insertion, insertion, Qt.PenStyle.SolidLine))
        if self.random is not None:
            lines += [(self.random.deletion, deletion, RANDOM_STYLE), (self.random.insertion, insertion, RANDOM_STYLE)]
        painter.save()
        painter.setClipRect(axes.rect.adjusted(-1, -1, 1, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for values, colour, style in lines:
            points = [axes.point(float(x), float(y)) for x, y in zip(self.curves.fractions, values, strict=True)]
            path = QPainterPath(points[0])
            for point in points[1:]:
                path.lineTo(point)
            painter.setPen(QPen(colour, 1.6, style))
            painter.drawPath(path)
        painter.restore()
        entries = [LegendEntry(translate("Faithfulness", "deletion"), line_sample(deletion))]
        entries.append(LegendEntry(translate("Faithfulness", "insertion"), line_sample(insertion)))
        if self.random is not None:
            dashed = line_sample(palette.color(QPalette.ColorRole.WindowText), RANDOM_STYLE)
            entries.append(LegendEntry(translate("Faithfulness", "random (mean)"), dashed))
        draw_legend(painter, legend_rect(area, font), entries, palette, font)


class FaithfulnessView(QWidget):
    """The curve plot and the areas of the map on screen, or a line that says why there is no score."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = CurvePlot()
        self.numbers = QLabel("")
        self.numbers.setWordWrap(True)
        self.numbers.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.numbers)
        self.score: MapScore | None = None
        self.show_message(translate("Faithfulness", "Open an image to score its map."))

    def show_score(self, score: MapScore) -> None:
        """Show the curves and areas of ``score``."""
        self.score = score
        self.plot.set_curves(score.scores.map, score.scores.random)
        self.numbers.setText(score_text(score))

    def show_message(self, text: str) -> None:
        """Show ``text`` (scoring, or why the map cannot be scored) in place of a score."""
        self.score = None
        self.plot.set_curves(None, None)
        self.numbers.setText(text)
