"""The Audit tab's table: one row per audited image (:class:`~model.audit.AuditRow`) with its path (relative to
the audited folder), given and suggested class, suspect score (as a percentage), issue, duplicate group and
reason. Sorting and filtering work on numpy keys, so tens of thousands of rows sort at once: the proxy keeps
the shown source rows in order, "Likely wrong first" is the suspect column descending (ties: the more pressing
issue, then the path, as :meth:`~model.audit.AuditResult.ranked` does).
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from coatnet_gui.widgets.theme import text_colour
from model.audit import ISSUES, AuditRow
from model.audit.report import percent

Index = QModelIndex | QPersistentModelIndex
COLUMNS = (  # translated in headerData (context "AuditTableModel"), as are the TIPS
    QT_TRANSLATE_NOOP("AuditTableModel", "Path"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Given"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Suggested"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Suspect"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Issue"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Group"),
    QT_TRANSLATE_NOOP("AuditTableModel", "Reason"),
)
COL_PATH, COL_GIVEN, COL_SUGGESTED, COL_SUSPECT, COL_ISSUE, COL_GROUP, COL_REASON = range(len(COLUMNS))
TIPS = {
    COL_GIVEN: QT_TRANSLATE_NOOP(
        "AuditTableModel",
        "The class the image has now (its folder, the table's corrected or label column, the run's class)",
    ),
    COL_SUGGESTED: QT_TRANSLATE_NOOP(
        "AuditTableModel", "The most probable class out of fold (heads that never saw this image)"
    ),
    COL_SUSPECT: QT_TRANSLATE_NOOP(
        "AuditTableModel", "How little the other images support the given class: 100 % = almost surely wrong"
    ),
    COL_ISSUE: QT_TRANSLATE_NOOP(
        "AuditTableModel",
        "label: likely wrong label; duplicate / near-duplicate; outlier; error: unreadable or missing",
    ),
    COL_GROUP: QT_TRANSLATE_NOOP("AuditTableModel", "The duplicate group (0: none)"),
}
ALL_ISSUES = ""  # the issue filter's value for every issue


class AuditTableModel(QAbstractTableModel):
    """The rows of an audit, ``root`` the folder their paths are shown relative to."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[AuditRow] = []
        self.root = ""
        self._keys: dict[int, list[np.ndarray]] = {}  # sort keys per column, until the rows change

    def reset(self, rows: list[AuditRow], root: str) -> None:
        """Show ``rows`` (the audit's, not copied: a change to one is shown after :meth:`rows_changed`)."""
        self.beginResetModel()
        self.rows, self.root, self._keys = rows, root, {}
        self.endResetModel()

    def rows_changed(self, indices: list[int]) -> None:
        """Redraw the source rows ``indices`` after their rows changed (accepted, undone)."""
        self._keys = {}
        if indices:
            self.dataChanged.emit(self.index(min(indices), 0), self.index(max(indices), len(COLUMNS) - 1))

    def shown_path(self, row: AuditRow) -> str:
        """Return ``row``'s path relative to the root when inside it, else as it is."""
        rel = os.path.relpath(row.path, self.root) if self.root else row.path
        return row.path if rel.startswith("..") else rel

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section])
        return self.tr(TIPS[section]) if role == Qt.ItemDataRole.ToolTipRole and section in TIPS else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.path if col == COL_PATH else row.reason or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SUSPECT, COL_GROUP):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and row.issue == "label" and col in (COL_GIVEN, COL_SUSPECT):
            return text_colour(QColor(200, 40, 40), None, QPalette.ColorRole.Base)
        return None

    def _text(self, row: AuditRow, col: int) -> str:
        if col == COL_PATH:
            return self.shown_path(row)
        if col == COL_GIVEN:
            return row.given
        if col == COL_SUGGESTED:
            return row.suggested
        if col == COL_SUSPECT:
            return percent(row.suspect) if row.given_prob is not None else ""
        if col == COL_ISSUE:
            return row.issue
        if col == COL_GROUP:
            return str(row.group) if row.group else ""
        return row.reason

    def sort_keys(self, column: int) -> list[np.ndarray]:
        """Return the keys that order the rows by ``column``, most significant last (``np.lexsort``'s order);
        ties fall back to the issue's urgency, then the path. Computed once per column until the rows change."""
        if column not in self._keys:
            self._keys[column] = self._sort_keys(column)
        return list(self._keys[column])

    def _sort_keys(self, column: int) -> list[np.ndarray]:
        rows = self.rows
        path = _ranks([r.path for r in rows])  # inside the root: the order of the shown relative paths
        issue = np.array([ISSUES.index(r.issue) for r in rows], dtype=np.int64)
        if column == COL_PATH:
            return [issue, path]
        if column == COL_SUSPECT:
            main = np.array([r.suspect for r in rows], dtype=np.float64)
        elif column == COL_GROUP:
            main = np.array([r.group for r in rows], dtype=np.int64)
        elif column == COL_ISSUE:
            main = issue
        else:
            main = _ranks([self._text(r, column).casefold() for r in rows])
        return [path, issue, main]


def _ranks(texts: list[str]) -> np.ndarray:
    """Return each text's rank in sorted order, shape ``(len(texts),)``."""
    order = sorted(range(len(texts)), key=texts.__getitem__)
    ranks = np.empty(len(texts), dtype=np.int64)
    ranks[order] = np.arange(len(texts))
    return ranks


class AuditFilter(QAbstractProxyModel):
    """The shown rows of an :class:`AuditTableModel`, in the chosen order: all, only the likely wrong labels
    (``only_suspects``), one ``issue`` kind, and only the paths given to :meth:`show_only`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.order = np.zeros(0, dtype=np.int64)  # shown source rows, in order
        self._inverse = np.zeros(0, dtype=np.int64)  # source row -> proxy row (-1: hidden)
        self.only_suspects = False
        self.issue = ALL_ISSUES
        self.paths: set[str] | None = None
        self.column, self.descending = COL_SUSPECT, True

    def setSourceModel(self, model: AuditTableModel) -> None:
        super().setSourceModel(model)
        model.modelReset.connect(self.refresh)
        model.dataChanged.connect(self._source_changed)
        self.refresh()

    def set_filter(self, only_suspects: bool, issue: str, paths: set[str] | None) -> None:
        """Show only likely wrong labels (``only_suspects``), only rows with ``issue`` (:data:`ALL_ISSUES`: any)
        and only the absolute ``paths`` (None: any)."""
        self.only_suspects, self.issue, self.paths = only_suspects, issue, paths
        self.refresh()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.column, self.descending = column, order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def refresh(self) -> None:
        """Order and filter the rows again (after a new audit, a filter, a sort or an accepted row)."""
        model: AuditTableModel = self.sourceModel()
        rows = model.rows
        self.layoutAboutToBeChanged.emit()
        old = [(i, self.mapToSource(i)) for i in self.persistentIndexList()]
        keys = model.sort_keys(self.column) if rows else []
        if keys and self.descending:  # descending on the main key; ties still by urgency, then path
            keys[-1] = -keys[-1]
        order = np.lexsort(keys) if keys else np.zeros(0, dtype=np.int64)
        keep = np.ones(len(rows), dtype=bool)
        if self.only_suspects:
            keep &= np.array([r.issue == "label" for r in rows], dtype=bool)
        if self.issue:
            keep &= np.array([r.issue == self.issue for r in rows], dtype=bool)
        if self.paths is not None:
            keep &= np.array([r.path in self.paths for r in rows], dtype=bool)
        self.order = order[keep[order]] if len(rows) else order
        self._inverse = np.full(len(rows), -1, dtype=np.int64)
        self._inverse[self.order] = np.arange(len(self.order))
        self.changePersistentIndexList([p for p, _ in old], [self.mapFromSource(s) for _, s in old])
        self.layoutChanged.emit()

    def source_rows(self) -> np.ndarray:
        """Return the shown source rows, in the shown order."""
        return self.order.copy()

    def _source_changed(self, *_args) -> None:
        if len(self.order):  # changed rows may be anywhere in the shown order
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.order) - 1, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self.order) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index | None = None):
        if child is None:
            return super().parent()
        return QModelIndex()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid()

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid() or proxy_index.row() >= len(self.order):
            return QModelIndex()
        return self.sourceModel().index(int(self.order[proxy_index.row()]), proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid() or source_index.row() >= len(self._inverse):
            return QModelIndex()
        row = int(self._inverse[source_index.row()])
        return self.index(row, source_index.column()) if row >= 0 else QModelIndex()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Vertical:
            return section + 1 if role == Qt.ItemDataRole.DisplayRole else None
        return self.sourceModel().headerData(section, orientation, role)


class AuditTableView(QTableView):
    """The table: whole rows selected (several at once), sorted by a header click, a context menu on rows."""

    def __init__(self, proxy: AuditFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(proxy)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)  # Tab leaves the table (arrows move between cells): no keyboard trap
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicator(COL_SUSPECT, Qt.SortOrder.DescendingOrder)
        self.horizontalHeader().setSectionResizeMode(COL_REASON, QHeaderView.ResizeMode.Stretch)
        self.setColumnWidth(COL_PATH, 260)
        self.verticalHeader().setDefaultSectionSize(22)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setWordWrap(False)

    def selected_source_rows(self) -> list[int]:
        """Return the source rows of the selected rows, in the shown order."""
        proxy: AuditFilter = self.model()
        shown = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [int(proxy.order[r]) for r in shown if r < len(proxy.order)]
