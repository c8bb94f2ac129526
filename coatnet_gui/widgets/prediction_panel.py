"""The active model (name, label set, device, precision) and the top-5 classes as clickable probability bars: a click
shows a class's Grad-CAM, a Ctrl-click (Cmd on macOS) sets it as class B of "why A and not B"."""

from __future__ import annotations

import html

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QAbstractButton, QLabel, QVBoxLayout, QWidget

from coatnet_gui.i18n import percent
from coatnet_gui.widgets.theme import series, text_colour
from model.runtime.inference import TOP_K
from model.runtime.placement import Placement
from model.runtime.predictor import Prediction
from model.weights.info import ModelInfo

ACCENT = QColor("#3b82f6")
SELECTED = QColor("#f59e0b")
VERSUS = QColor("#ef4444")
VERSUS_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier
NAME_SHARE = 0.42  # of a bar's width, for the class name


class ClassBar(QAbstractButton):
    """One class: its name, a bar as long as its probability and the percentage. Checked = the Grad-CAM class;
    ``versus`` = class B of a contrastive Grad-CAM (a dashed red frame). ``modifiers`` are the keyboard modifiers
    of the click (or key press) that last activated it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label, self.probability, self.class_index = "", 0.0, -1
        self.versus = False
        self.modifiers = Qt.KeyboardModifier.NoModifier
        self.setAccessibleName("No prediction yet")  # read before the first prediction (e.g. the Live tab's)

    def set_class(self, label: str, probability: float, class_index: int) -> None:
        """Show ``label`` with ``probability`` (0-1); ``class_index`` is its index among the model's classes."""
        if (label, class_index, percent(probability)) == (self.label, self.class_index, percent(self.probability)):
            self.probability = probability  # the same on screen (the Live tab sets it 30 times a second): no repaint
            return
        self.label, self.probability, self.class_index = label, probability, class_index
        self.setToolTip(
            self.tr(
                "{label}: {percent:.2f}% (class {index}) — click for its Grad-CAM;\n"
                "Ctrl+click (Cmd+click): why the Grad-CAM class and not this one"
            ).format(label=label, percent=probability * 100, index=class_index)
        )
        self.setAccessibleName(f"{label}, {probability * 100:.1f} percent")
        self.setAccessibleDescription(
            "Press Space for its Grad-CAM; Ctrl+Space: why the Grad-CAM class and not this one"
        )
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """One row of text with a little padding."""
        return QSize(240, self.fontMetrics().height() + 12)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        """Draw the name, a track filled to the probability, and the percentage, in one row."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics, palette = self.fontMetrics(), self.palette()
        accent, selected, versus = (series(c, palette) for c in (ACCENT, SELECTED, VERSUS))  # light or dark theme
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        if self.versus:
            painter.setPen(QPen(versus, 1.5, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(rect, 4, 4)
        elif self.isChecked() or self.hasFocus():
            painter.setPen(QPen(selected if self.isChecked() else palette.color(QPalette.ColorRole.Highlight), 2))
            painter.drawRoundedRect(rect, 4, 4)
        name_w = rect.width() * NAME_SHARE
        percent_w = metrics.horizontalAdvance("100.0%") + 6
        name_rect = QRectF(rect.left() + 6, rect.top(), name_w - 10, rect.height())
        percent_rect = QRectF(rect.right() - percent_w - 4, rect.top(), percent_w, rect.height())
        track_h = max(6.0, rect.height() * 0.45)
        track = QRectF(
            name_rect.right() + 4,
            rect.center().y() - track_h / 2,
            percent_rect.left() - name_rect.right() - 10,
            track_h,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Midlight))
        painter.drawRoundedRect(track, 3, 3)
        painter.setBrush(selected if self.isChecked() else accent)
        painter.drawRoundedRect(QRectF(track.left(), track.top(), track.width() * self.probability, track_h), 3, 3)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        name = metrics.elidedText(self.label, Qt.TextElideMode.ElideRight, int(name_rect.width()))
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        painter.drawText(
            percent_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, percent(self.probability)
        )
        painter.end()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        """Remember the click's modifiers (read by the panel when ``clicked`` fires)."""
        self.modifiers = event.modifiers()
        super().mouseReleaseEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Remember the modifiers of Space (Ctrl+Space sets class B, as Ctrl+click does)."""
        self.modifiers = event.modifiers()
        super().keyReleaseEvent(event)


class PredictionPanel(QWidget):
    """Model header and top-5 bars; emits ``class_clicked(class_index)`` when a bar is clicked,
    ``versus_clicked(class_index)`` when it is Ctrl-clicked (Cmd on macOS), and ``top_class_shown(index)`` when
    a prediction shows (None when it is cleared)."""

    class_clicked = Signal(int)
    versus_clicked = Signal(int)
    top_class_shown = Signal(object)  # the top class's index, None when no prediction shows

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.model_label = QLabel(self.tr("No model loaded"))
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # a checkpoint's file name is not markup
        self.model_label.setWordWrap(True)
        font = self.model_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.model_label.setFont(font)
        self.labels_label = QLabel("")
        self.labels_label.setWordWrap(True)
        self.device_label = QLabel("")
        self.device_label.setWordWrap(True)
        self.timing_label = QLabel("")
        self.timing_label.setWordWrap(True)
        for widget in (self.model_label, self.labels_label, self.device_label, self.timing_label):
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(widget)
        self.bars: list[ClassBar] = []
        for _ in range(TOP_K):
            bar = ClassBar(self)
            bar.clicked.connect(lambda _checked=False, b=bar: self._bar_clicked(b))
            bar.hide()
            self.bars.append(bar)
            layout.addWidget(bar)
        self.prediction: Prediction | None = None
        self.versus_class: int | None = None
        self._explain_seconds: float | None = None

    def set_model(self, info: ModelInfo, placement: Placement) -> None:
        """Show the active model, its label set and where it runs; clears the previous prediction."""
        self.model_label.setText(info.name)
        lines = (info.name, self.tr("config {name}").format(name=info.config_name), info.location)
        self.model_label.setToolTip("<p>" + "<br>".join(map(html.escape, lines)) + "</p>")
        orange = text_colour("#b35900", self.palette()).name()
        warning = "".join(f"<br><span style='color:{orange}'>⚠ {html.escape(w)}</span>" for w in info.warnings)
        self.labels_label.setText(
            self.tr("Label set: <b>{name}</b>").format(name=html.escape(info.label_set)) + warning
        )
        self.labels_label.setToolTip(
            self.tr("This model only answers with these {n} classes, whatever the image shows.").format(
                n=info.num_classes
            )
        )
        where = placement.device.upper() if placement.device != "cpu" else self.tr("the CPU")
        device = self.tr("Runs on {device}, {precision}").format(device=where, precision=placement.precision)
        self.device_label.setText(device + (f"<br><i>{placement.note}</i>" if placement.note else ""))
        self.clear_prediction()

    def clear_prediction(self) -> None:
        """Hide the bars and the timing (a new image or model is being analysed)."""
        self.prediction = None
        self._show_timing()
        for bar in self.bars:
            bar.hide()
        self.top_class_shown.emit(None)

    def set_prediction(self, prediction: Prediction) -> None:
        """Show the top classes of ``prediction`` and how long the model took."""
        self.prediction = prediction
        for bar, label, prob, index in zip(
            self.bars, prediction.labels, prediction.probs, prediction.indices, strict=False
        ):
            bar.set_class(label, prob, index)
            bar.show()
        for bar in self.bars[len(prediction.labels) :]:
            bar.hide()
        self.set_versus_class(self.versus_class)
        self.top_class_shown.emit(prediction.indices[0] if prediction.indices else None)
        self._explain_seconds = None
        self._show_timing()

    def set_explain_time(self, seconds: float) -> None:
        """Add the time of the explanation pass (fp32, capturing everything) to the timing line."""
        self._explain_seconds = seconds
        self._show_timing()

    def _show_timing(self) -> None:
        p = self.prediction
        if p is None:
            self.timing_label.setText("")
            return
        text = self.tr("Inference {ms:.0f} ms ({precision})").format(ms=p.seconds * 1000, precision=p.precision)
        if self._explain_seconds is not None:
            text += self.tr(" · explanation {ms:.0f} ms (fp32)").format(ms=self._explain_seconds * 1000)
        self.timing_label.setText(text)

    def _bar_clicked(self, bar: ClassBar) -> None:
        if bar.modifiers & VERSUS_MODIFIERS:
            self.versus_clicked.emit(bar.class_index)
        else:
            self.class_clicked.emit(bar.class_index)

    def set_selected_class(self, class_index: int | None) -> None:
        """Mark the bar of the Grad-CAM class (None: no mark)."""
        for bar in self.bars:
            bar.setChecked(class_index is not None and bar.class_index == class_index)

    def set_versus_class(self, class_index: int | None) -> None:
        """Mark the bar of class B of a contrastive Grad-CAM (None: no mark)."""
        self.versus_class = class_index
        for bar in self.bars:
            versus = class_index is not None and bar.class_index == class_index
            if versus != bar.versus:
                bar.versus = versus
                bar.update()
