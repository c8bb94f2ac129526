"""The model randomisation test of the image on screen (Adebayo et al. 2018): one curve per kind of map, its
Spearman correlation with the original map as the network is randomised from the head down, the flag threshold
dashed, and a coloured list that says which kinds change with the model and which are "insensitive to the model"."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from coatnet_gui.widgets.plot import Axes, SidebarChart, draw_axes, plot_rect, small_font
from coatnet_gui.widgets.theme import series
from model.explain.sanity import INSENSITIVE, THRESHOLD, SanityReport

COLOURS = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4b5563"]
Y_TICKS = [(-1.0, "−1"), (0.0, "0"), (THRESHOLD, f"{THRESHOLD:g}"), (1.0, "1")]
NAMES = {  # translated where shown (context "Sanity")
    "gradcam": QT_TRANSLATE_NOOP("Sanity", "Grad-CAM"),
    "rollout": QT_TRANSLATE_NOOP("Sanity", "rollout"),
    "received": QT_TRANSLATE_NOOP("Sanity", "received"),
    "activation": QT_TRANSLATE_NOOP("Sanity", "activation"),
    "query": QT_TRANSLATE_NOOP("Sanity", "from a point"),
    "content": QT_TRANSLATE_NOOP("Sanity", "content only"),
    "position": QT_TRANSLATE_NOOP("Sanity", "position only"),
}
MARKED = (  # the cascade's parts as the x axis names them, and the core's verdict (model.explain.sanity)
    QT_TRANSLATE_NOOP("Sanity", "original"),
    QT_TRANSLATE_NOOP("Sanity", "head"),
    QT_TRANSLATE_NOOP("Sanity", "stem"),
    QT_TRANSLATE_NOOP("Sanity", "insensitive to the model"),
)


translate = QCoreApplication.translate


def _t(text: str) -> str:
    """Return ``text`` translated in the context "Sanity" (a word marked above)."""
    return QCoreApplication.translate("Sanity", text)


def kind_name(name: str) -> str:
    """Return the translated name of map kind ``name``."""
    return _t(NAMES[name]) if name in NAMES else name


class CascadePlot(SidebarChart):
    """Spearman correlation (y, −1..1) of each kind's map with the original after each cascade step (x: the original,
    then the part randomised last); the threshold of the flag dashed."""

    HEIGHT = 180

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.report: SanityReport | None = None
        self.setAccessibleName("Sanity check: map correlation as the network is randomised")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            QCoreApplication.translate(
                "Sanity",
                "The network (a copy) is randomised from the head down, one part after another; after each step the "
                "map of the same image and class is computed again. A map still correlated above {threshold:g} with "
                "the original after the stem is random too does not depend on the model (Adebayo et al. 2018).",
            ).format(threshold=THRESHOLD)
        )

    def set_report(self, report: SanityReport | None) -> None:
        """Show ``report`` (None: an empty frame)."""
        self.report = report
        kinds = report.kinds.items() if report is not None else []
        self.setAccessibleDescription(
            "; ".join(f"{NAMES.get(n, n)}: Spearman {k.final.spearman:.2f} after full randomisation" for n, k in kinds)
        )
        self.update()

    def paint(self, painter: QPainter, area: QRectF) -> None:
        """Paint the chart into ``area``."""
        palette, font = self.palette(), small_font(self.font())
        parts = ("original", *(self.report.parts if self.report else ("head", "S4", "S3", "S2", "S1", "stem")))
        x_ticks = [(float(i), _t(p)) for i, p in enumerate(parts)]
        axes = Axes(plot_rect(area, font, [t for _v, t in Y_TICKS], parts[-1]), (0.0, len(parts) - 1.0), (-1.0, 1.0))
        draw_axes(painter, axes, x_ticks, Y_TICKS, translate("Sanity", "randomised down to"), "Spearman", palette, font)
        threshold = QColor(palette.color(QPalette.ColorRole.WindowText))
        painter.setPen(QPen(threshold, 1, Qt.PenStyle.DashLine))
        painter.drawLine(axes.point(0, THRESHOLD), axes.point(len(parts) - 1, THRESHOLD))
        if self.report is None:
            return
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i, kind in enumerate(self.report.kinds.values()):
            values = [1.0] + [s.spearman for _part, s in kind.steps]
            path = QPainterPath(axes.point(0, values[0]))
            for x, y in enumerate(values[1:], start=1):
                path.lineTo(axes.point(x, y))
            painter.setPen(QPen(series(COLOURS[i % len(COLOURS)], palette), 1.8))
            painter.drawPath(path)


def summary_html(report: SanityReport) -> str:
    """Return the legend and verdicts of ``report`` as rich text: per kind in its curve's colour, the Spearman
    correlation after full randomisation, whether it changes with the model, and the random-logit similarity."""
    lines = []
    for i, (name, kind) in enumerate(report.kinds.items()):
        colour = series(COLOURS[i % len(COLOURS)]).name()
        flag = f"<b>{_t(INSENSITIVE)}</b>" if kind.insensitive else translate("Sanity", "changes with the model")
        line = translate("Sanity", "{name}: {spearman:.2f} — {flag} (other class: {other:.2f})").format(
            name=kind_name(name), spearman=kind.final.spearman, flag=flag, other=kind.random_logit.spearman
        )
        lines.append(f'<span style="color:{colour}">■</span> {line}')
    return "<br>".join(lines)


class SanityView(QWidget):
    """The Sanity page: Run / Cancel, the progress line, the cascade plot and its summary. ``run_clicked()`` and
    ``cancel_clicked()`` are intents; the owner calls :meth:`show_progress`, :meth:`show_report`, :meth:`show_failure`
    and :meth:`clear`."""

    run_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.run_button = QPushButton(self.tr("Run sanity check"))
        self.run_button.setToolTip(
            self.tr(
                "Randomise a copy of the network from the head down and see whether each kind of map changes "
                "(7 explanations of this image; the model in use is not touched)"
            )
        )
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.status = QLabel(self.tr("Checks whether each map depends on the model's weights at all."))
        self.status.setWordWrap(True)
        self.plot = CascadePlot()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        for widget in (self.status, self.plot, self.summary):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.report: SanityReport | None = None
        self.run_button.clicked.connect(self._run)
        self.cancel_button.clicked.connect(self._cancel)

    def _run(self) -> None:
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Randomising a copy of the network…"))
        self.run_clicked.emit()

    def _cancel(self) -> None:
        self.cancel_clicked.emit()
        self._idle(self.tr("Cancelled."))

    def _idle(self, text: str) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText(text)

    def show_progress(self, done: int, total: int) -> None:
        """Show how many of the cascade's passes have run."""
        self.status.setText(
            self.tr("Randomising a copy of the network… {done}/{total} passes").format(done=done, total=total)
        )

    def show_report(self, report: SanityReport) -> None:
        """Show the curves and summary of ``report``."""
        self.report = report
        self.plot.set_report(report)
        self.summary.setText(summary_html(report))
        flagged = [kind_name(n) for n, k in report.kinds.items() if k.insensitive]
        verdict = (
            f"{', '.join(flagged)}: {_t(INSENSITIVE)}." if flagged else self.tr("Every map changes with the model.")
        )
        done = self.tr("Randomised head → stem (threshold Spearman {threshold:g}).").format(threshold=THRESHOLD)
        self._idle(f"{done} {verdict}")

    def show_failure(self, message: str) -> None:
        """Say that the check failed (the window shows the error too)."""
        self._idle(self.tr("The sanity check failed: {message}").format(message=message))

    def clear(self) -> None:
        """Forget the report of the previous image or model."""
        self.report = None
        self.plot.set_report(None)
        self.summary.setText("")
        self._idle(self.tr("Checks whether each map depends on the model's weights at all."))
