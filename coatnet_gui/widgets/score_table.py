"""The ranked table of "Score all maps": one row per kind of map, most faithful first, with its deletion and insertion
areas and verdicts (better / worse / inconclusive against several random orders) and the random orders' 95 %
intervals underneath. Clicking a row shows that map."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from coatnet_gui.widgets.faithfulness_chart import VERDICT_COLOURS, verdict_word
from coatnet_gui.widgets.theme import text_colour
from model.explain.scoring import ScoreTable

RANDOM_ROW = QT_TRANSLATE_NOOP("ScoreTableView", "random orders (95 %)")  # translated where shown
HEADERS = [  # translated where shown
    "#",
    QT_TRANSLATE_NOOP("ScoreTableView", "Map"),
    QT_TRANSLATE_NOOP("ScoreTableView", "Deletion ↓"),
    QT_TRANSLATE_NOOP("ScoreTableView", "Insertion ↑"),
]


class ScoreTableView(QTableWidget):
    """The table; ``spec_chosen(spec)`` when a map's row is clicked (the random row chooses nothing)."""

    spec_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels([self.tr(h) for h in HEADERS])
        self.verticalHeader().hide()
        self.setTabKeyNavigation(False)  # Tab moves on to the next control
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip(
            self.tr(
                "One map of each kind for the top class, most faithful first (lowest deletion area), each area with "
                "its verdict against several random orders: better, worse, or inconclusive (inside the random "
                "orders' 95 % interval, or the model barely reacts to the fill). Below the maps: that interval. "
                "Click a row to show that map."
            )
        )
        self.scores: ScoreTable | None = None
        self.names: list[str] = []  # the map of each row, in rank order
        self.cellClicked.connect(self._clicked)
        self.setAccessibleName("Faithfulness of each map kind")
        self.activated.connect(lambda index: self._clicked(index.row(), index.column()))  # Enter shows the map

    def set_scores(self, scores: ScoreTable) -> None:
        """Show ``scores`` ranked, each area with its verdict, and the random orders' intervals in a last, greyed
        row."""
        self.scores = scores
        table = scores.table
        ranked = table.ranked()
        self.names = [name for name, _curves in ranked]
        rows = []
        for i, (name, curves) in enumerate(ranked):
            verdicts = table.verdicts(name)
            deletion = (f"{curves.deletion_area:.3f} {verdict_word(verdicts.deletion)}",)
            insertion = (f"{curves.insertion_area:.3f} {verdict_word(verdicts.insertion)}",)
            rows.append((str(i + 1), name, deletion + (verdicts.deletion,), insertion + (verdicts.insertion,)))
        if ranked:
            first = table.verdicts(ranked[0][0])
            spans = [f"{i.lo:.3f}–{i.hi:.3f}" for i in (first.deletion_interval, first.insertion_interval)]
            rows.append(("", RANDOM_ROW, (spans[0], ""), (spans[1], "")))
        self.setRowCount(len(rows))
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for r, (rank, name, deletion, insertion) in enumerate(rows):
            for c, (text, word) in enumerate(((rank, ""), (name, ""), deletion, insertion)):
                item = QTableWidgetItem(self.tr(RANDOM_ROW) if text == RANDOM_ROW and c == 1 else text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if word in VERDICT_COLOURS:
                    item.setForeground(text_colour(VERDICT_COLOURS[word], self.palette(), QPalette.ColorRole.Base))
                if name == RANDOM_ROW:
                    item.setForeground(grey)
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    font = QFont(item.font())
                    font.setItalic(True)
                    item.setFont(font)
                self.setItem(r, c, item)
        self.setFixedHeight(self.horizontalHeader().height() + sum(self.rowHeight(r) for r in range(len(rows))) + 4)

    def clear_scores(self) -> None:
        """Empty the table (a new image or model)."""
        self.scores, self.names = None, []
        self.setRowCount(0)
        self.setFixedHeight(self.horizontalHeader().height() + 4)

    def _clicked(self, row: int, _column: int) -> None:
        if self.scores is not None and row < len(self.names):
            self.spec_chosen.emit(self.scores.specs[self.names[row]])
