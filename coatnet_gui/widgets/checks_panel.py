"""Explanations a user can check, beside the overlay: the Faithfulness page (the map on screen scored against
random orders with the chosen fill, and "Score all maps" with its ranked table), the Heads page (every head's
statistics) and the Sanity page (the model randomisation test of every kind of map)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from coatnet_gui.model_texts import core_text
from coatnet_gui.widgets.faithfulness_chart import FaithfulnessView
from coatnet_gui.widgets.head_stats_chart import METRICS, HeadStatsChart
from coatnet_gui.widgets.sanity_chart import SanityView
from coatnet_gui.widgets.score_table import ScoreTableView
from model.choices import FILL_CHOICES
from model.explain.maps import OverlaySpec
from model.explain.scoring import ScoreTable

NUMBER_LINES = 6  # the faithfulness view's words: the longest score text, wrapped in the sidebar
SCORE_DELAY_MS = 300  # the map must stay on screen this long before it is scored (stepping through heads is free)


class ChecksPanel(QTabWidget):
    """The pages; ``score_wanted()`` when the map on screen should be scored (it has stayed a moment, is not
    scored yet, automatic scoring is on and the Faithfulness page shows), ``score_all_clicked()`` for the table,
    ``fill_changed(name)`` when another fill is chosen (the map on screen is scored again with it)."""

    score_wanted = Signal()
    score_all_clicked = Signal()
    fill_changed = Signal(str)  # a key of FILL_CHOICES: what replaces the removed pixels from now on

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.faithfulness = FaithfulnessView()
        self.auto_score = QCheckBox(self.tr("Score the map on screen"))
        self.auto_score.setChecked(True)
        self.auto_score.setToolTip(
            self.tr(
                "Deletion and insertion curves of the map on screen (2 × 31 perturbed images through the network, "
                "on the model's thread), beside those of a random order"
            )
        )
        self.auto_score.toggled.connect(lambda on: self.schedule_score() if on else None)
        self.fill_box = QComboBox()
        self.fill_box.setAccessibleName("Fill for removed pixels")
        # its longest entry made the sidebar wider than its scroll area, cutting off the bars' percentages
        self.fill_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.fill_box.setMinimumContentsLength(18)
        for key, text in FILL_CHOICES.items():
            self.fill_box.addItem(self.tr("Fill: {fill}").format(fill=core_text(text)), key)
        self.fill_box.setToolTip(
            self.tr(
                "What replaces the removed pixels. When the model barely reacts to a fill (a blur keeps the shape of "
                "a garment, for one), the curves are flat and say nothing: try the dataset mean, noise, or ROAD's "
                "imputation from the neighbouring pixels (Rong et al. 2022; the slowest)."
            )
        )
        self.fill_box.currentIndexChanged.connect(self._fill_chosen)
        self.score_all_button = QPushButton(self.tr("&Score all maps"))
        self.score_all_button.setToolTip(
            self.tr(
                "Score one map of each kind that ranks pixels (Grad-CAM, rollout, attention received and from the "
                "query point, activations) for the top class, ranked: which view explains this prediction best"
            )
        )
        self.score_all_button.clicked.connect(self._score_all)
        self.table_status = QLabel("")
        self.table_status.setWordWrap(True)
        self.table = ScoreTableView()
        self.table.clear_scores()
        self._fix_faithfulness_height()
        faith_page = QWidget()
        column = QVBoxLayout(faith_page)
        column.setContentsMargins(4, 4, 4, 4)
        widgets = (
            self.auto_score,
            self.fill_box,
            self.faithfulness,
            self.score_all_button,
            self.table_status,
            self.table,
        )
        for widget in widgets:
            column.addWidget(widget)
        self.addTab(faith_page, self.tr("Faithfulness"))

        self.metric_box = QComboBox()
        self.metric_box.setAccessibleName("Head chart metric")
        for key, text in METRICS.items():
            self.metric_box.addItem(self.tr(text), key)
        self.metric_box.setToolTip(self.tr("What the chart plots for each head, against the depth of its block"))
        self.heads = HeadStatsChart()
        self.metric_box.currentIndexChanged.connect(lambda _i: self.heads.set_metric(self.metric_box.currentData()))
        self.heads_note = QLabel("")
        self.heads_note.setWordWrap(True)
        heads_page = QWidget()
        column = QVBoxLayout(heads_page)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.metric_box)
        column.addWidget(self.heads)
        column.addWidget(self.heads_note)
        column.addStretch(1)
        self.addTab(heads_page, self.tr("Heads"))
        self.sanity = SanityView()
        self.addTab(self.sanity, self.tr("Sanity"))

        self._shown: OverlaySpec | None = None  # the spec of the map on screen
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SCORE_DELAY_MS)
        self._timer.timeout.connect(self._maybe_score)
        self.currentChanged.connect(lambda _i: self.schedule_score())

    def _fix_faithfulness_height(self) -> None:
        """Give the curve plot and its words one height, score or message alike: a click on a row of the table
        below changes what they show, and must not move the table (the next click would land on another row)."""
        view = self.faithfulness
        view.numbers.setFixedHeight(NUMBER_LINES * view.numbers.fontMetrics().lineSpacing())
        view.numbers.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        spacing = max(0, view.layout().spacing())
        view.setFixedHeight(view.plot.minimumSizeHint().height() + spacing + view.numbers.height())

    def map_shown(self, spec: OverlaySpec) -> None:
        """Note that the map of ``spec`` is on screen: the score of another map is taken down, and this one is
        scored once it has stayed a moment."""
        self._shown = spec
        score = self.faithfulness.score
        if score is None or score.spec != spec:
            waiting = self.tr("The map is scored once it stays on screen a moment.")
            off = self.tr("Tick “Score the map on screen” to score this map.")
            self.faithfulness.show_message(waiting if self.auto_score.isChecked() else off)
        self.schedule_score()

    def fill(self) -> str:
        """Return the chosen fill, a key of :data:`~model.choices.FILL_CHOICES`."""
        return str(self.fill_box.currentData())

    def _fill_chosen(self, _index: int) -> None:
        self.fill_changed.emit(self.fill())
        self.faithfulness.show_message(self.tr("Scoring the map with the new fill…"))
        self.schedule_score()

    def schedule_score(self) -> None:
        """Ask for the map on screen to be scored once it has stayed a moment (restarts the wait)."""
        self._timer.start()

    def _maybe_score(self) -> None:
        score = self.faithfulness.score
        scored = score is not None and score.spec == self._shown
        if self.auto_score.isChecked() and self.currentIndex() == 0 and self.isVisible() and not scored:
            self.score_wanted.emit()

    def _score_all(self) -> None:
        self.table_status.setText(self.tr("Scoring every map…"))
        self.score_all_button.setEnabled(False)
        self.score_all_clicked.emit()

    def show_scores(self, scores: ScoreTable) -> None:
        """Show the ranked table of ``scores``."""
        self.table.set_scores(scores)
        self.updateGeometry()  # a tab widget does not follow its page's new height by itself: it would squeeze
        self.score_all_button.setEnabled(True)
        steps, fill = scores.table.steps, core_text(FILL_CHOICES.get(scores.table.fill, scores.table.fill))
        self.table_status.setText(
            self.tr("For “{name}”, {steps} steps, fill: {fill}. Click a row to show that map.").format(
                name=scores.class_name, steps=steps, fill=fill
            )
        )

    def scoring_failed(self) -> None:
        """Let the table be asked for again after a failure (the window shows the error)."""
        self.score_all_button.setEnabled(True)
        self.table_status.setText("")

    def clear(self) -> None:
        """Forget the scores and head statistics of the previous image or model."""
        self._timer.stop()
        self._shown = None
        self.faithfulness.show_message(self.tr("Scoring starts when the map has been computed."))
        self.table.clear_scores()
        self.table_status.setText("")
        self.score_all_button.setEnabled(True)
        self.heads.set_stats([])
        self.heads_note.setText("")
        self.sanity.clear()

    def show_head_note(self, text: str) -> None:
        """Show ``text`` under the head chart (what it plots, or why it is empty)."""
        self.heads_note.setText(text)
        self.heads_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
