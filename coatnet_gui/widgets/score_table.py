"""The ranked table of "Score all maps": one row per kind of map, most faithful first, with its deletion and insertion
areas and the random order's underneath for comparison. Clicking a row shows that map."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from model.explain.scoring import ScoreTable

RANDOM_ROW = "random order"
HEADERS = ["#", "Map", "Deletion ↓", "Insertion ↑"]


class ScoreTableView(QTableWidget):
    """The table; ``spec_chosen(spec)`` when a map's row is clicked (the random row chooses nothing)."""

    spec_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels(HEADERS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.setToolTip(
            "One map of each kind for the top class, most faithful first (lowest deletion area). Below the maps: "
            "the random order, for comparison. Click a row to show that map."
        )
        self.scores: ScoreTable | None = None
        self.names: list[str] = []  # the map of each row, in rank order
        self.cellClicked.connect(self._clicked)

    def set_scores(self, scores: ScoreTable) -> None:
        """Show ``scores`` ranked, with the random order in a last, greyed row."""
        self.scores = scores
        ranked = scores.table.ranked()
        self.names = [name for name, _curves in ranked]
        rows = [(str(i + 1), name, c.deletion_area, c.insertion_area) for i, (name, c) in enumerate(ranked)]
        rows.append(("", RANDOM_ROW, scores.table.random.deletion_area, scores.table.random.insertion_area))
        self.setRowCount(len(rows))
        grey = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for r, (rank, name, deletion, insertion) in enumerate(rows):
            for c, text in enumerate((rank, name, f"{deletion:.3f}", f"{insertion:.3f}")):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
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
