"""The batch view's Qt table: :class:`BatchTableModel` (one compact row per labelled image, with its thumbnail),
:class:`BatchFilter` (the shown rows, sorted and filtered); the widget is
:class:`~coatnet_gui.batch.table_view.BatchTableView`.

Sorting and filtering never call ``data()`` per row or per comparison: the rows and their numpy key arrays are a
:class:`~coatnet_gui.batch.rows.RowStore`, and :class:`BatchFilter` holds the shown rows as one index array,
recomputed with the Qt-free :func:`~coatnet_gui.batch.rows.sort_order` and
:func:`~coatnet_gui.batch.rows.filter_mask` and merged with :func:`~coatnet_gui.batch.rows.merge_order` when a run
appends a chunk. A 50,000-row table re-sorts or re-filters in tens of milliseconds;
``benchmarks/bench_event_loop.py`` measures the longest event-loop stall.

The Corrected column is editable (:class:`~coatnet_gui.batch.class_editor.ClassDelegate`: an editable combo of the
known classes with a completer; a new name adds a class, an empty one drops the correction); a corrected row is
tinted and keeps the model's top-1 beside the correction.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette

from coatnet_gui.batch.corrections import Corrections
from coatnet_gui.batch.rows import (
    ALL,
    COL_CORRECTED,
    COL_ERROR,
    COL_LABEL,
    COL_MAP,
    COL_MARGIN,
    COL_PATH,
    COL_PROB,
    COL_THUMB,
    COLUMNS,
    Row,
    RowStore,
    filter_mask,
    merge_order,
    sort_order,
)
from coatnet_gui.batch.thumbnails import Thumbnails
from coatnet_gui.i18n import percent
from coatnet_gui.widgets.theme import text_colour, tint
from coatnet_gui.workers import Workers
from model.explain.verdicts import BETTER, WORSE

ERROR_COLOUR = QColor(200, 40, 40)  # made readable on the palette's Base when shown (theme.text_colour)
# a verdict as the Checks panel colours it, made readable on the palette's Base when shown
VERDICT_COLOURS = {BETTER: QColor("#15803d"), WORSE: QColor("#b91c1c")}
CORRECTED_COLOUR = QColor(70, 190, 70)  # a corrected row's tint, mixed into the palette's Base (theme.tint)
_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

Index = QModelIndex | QPersistentModelIndex
_HEADER_TIPS = {  # translated in headerData (context "BatchTableModel"), as are the titles of COLUMNS
    COL_CORRECTED: QT_TRANSLATE_NOOP(
        "BatchTableModel", "The class you gave the image (F2 or double-click to edit; empty: the model's Top-1 stands)"
    ),
    COL_MARGIN: QT_TRANSLATE_NOOP(
        "BatchTableModel",
        "Top-1 minus top-2 probability, in percentage points: the smaller, the less certain the model",
    ),
    COL_MAP: QT_TRANSLATE_NOOP(
        "BatchTableModel",
        "The saved map over the image, its deletion score (lower: the map finds what the model uses) and the "
        "verdict against random orders of the same image: better, worse or inconclusive (inside their 95 % interval)",
    ),
}
_TITLES = (  # COLUMNS, marked for lupdate
    QT_TRANSLATE_NOOP("BatchTableModel", "Path"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Top-1"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Corrected"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Confidence"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Margin"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Error"),
    QT_TRANSLATE_NOOP("BatchTableModel", "Map"),
)


class BatchTableModel(QAbstractTableModel):
    """The rows of one batch run, in the order they arrived (``store``), and their thumbnails. ``root`` is the
    folder (for thumbnails and absolute paths) and ``label_names`` the classifier's class names.
    ``corrections_changed()`` follows every change the user makes to the corrections (to store them)."""

    corrections_changed = Signal()

    def __init__(self, workers: Workers, parent: QObject | None = None):
        super().__init__(parent)
        self.store = RowStore()
        self.thumbnails = Thumbnails(workers, self)
        self.thumbnails.ready.connect(self._thumb_ready)
        self._row_of: dict[str, int] = {}
        self._map_row_of: dict[str, int] = {}  # overlay PNG -> row, for the Map column's thumbnails

    @property
    def rows(self) -> list[Row]:
        """The rows, in the order they arrived."""
        return self.store.rows

    @property
    def root(self) -> str:
        """The folder of the run."""
        return self.store.root

    @property
    def label_names(self) -> list[str]:
        """The classifier's class names."""
        return self.store.label_names

    def reset(self, root: str, label_names: list[str]) -> None:
        """Empty the table for a new run on ``root``."""
        self.beginResetModel()
        self.store.reset(root, label_names)
        self.thumbnails.clear()
        self._row_of.clear()
        self._map_row_of.clear()
        self.endResetModel()

    def add_records(self, records: list[dict]) -> None:
        """Append one chunk of journal records as rows (one insertion for the whole chunk)."""
        if not records:
            return
        first = len(self.store)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        for i, row in enumerate(self.store.extend(records), first):
            self._row_of[self.store.absolute_path(row)] = i
            if row.overlay:
                self._map_row_of[row.overlay] = i
        self.endInsertRows()

    def label(self, index: int) -> str:
        """Return the name of class ``index``."""
        return self.store.label(index)

    def set_corrections(self, corrections: Corrections) -> None:
        """Show the stored ``corrections`` (of this run; rows still to come are marked as they arrive)."""
        self.store.set_corrections(corrections.labels, corrections.added)
        self._rows_changed(0, len(self.store) - 1)

    def corrections(self) -> Corrections:
        """Return the corrections and the added classes, to store them."""
        return Corrections(dict(self.store.corrections), self.store.added_classes())

    def set_class(self, rows: list[int] | np.ndarray, name: str | None) -> int:
        """Correct the rows ``rows`` (source indices) to class ``name`` (added when new; None or blank: back to
        the model's label); error rows are left alone. Return how many rows changed."""
        changed = self.store.correct(rows, name)
        if len(changed):
            self._rows_changed(int(changed.min()), int(changed.max()))
        if len(changed) or (name and name.strip()):
            self.corrections_changed.emit()
        return len(changed)

    def add_class(self, name: str) -> None:
        """Offer class ``name`` in the class choices (stored with the corrections)."""
        name = name.strip()
        if name and name not in self.store.classes:
            self.store.add_class(name)
            self.corrections_changed.emit()

    def _rows_changed(self, first: int, last: int) -> None:
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() == COL_CORRECTED and self.store.rows[index.row()].error is None:
            return _ITEM_FLAGS | Qt.ItemFlag.ItemIsEditable
        return _ITEM_FLAGS

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != COL_CORRECTED or role != Qt.ItemDataRole.EditRole:
            return False
        self.set_class([index.row()], str(value) if value is not None else None)
        return True

    def absolute_path(self, row: Row) -> str:
        """Return the file's absolute path."""
        return self.store.absolute_path(row)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.store)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section]) if COLUMNS[section] else ""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.tr(_HEADER_TIPS[section]) if section in _HEADER_TIPS else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        return self.cell(index.row(), index.column(), role) if index.isValid() else None

    def cell(self, row_index: int, col: int, role: int):
        """Return what ``data()`` returns for row ``row_index``, column ``col`` and ``role``."""
        row = self.store.rows[row_index]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_PATH:
                return row.shown
            if col == COL_LABEL:
                return self.tr("error") if row.error else self.store.label(row.top1)
            if col == COL_CORRECTED:
                return self.store.corrected_name(row_index) or ""
            if col == COL_PROB:
                return "" if row.error else percent(row.confidence)
            if col == COL_MARGIN:
                return "" if row.error else f"{row.margin * 100:.1f}"
            if col == COL_ERROR:
                return row.error or ""
            if col == COL_MAP:
                return row.map_text
        elif role == Qt.ItemDataRole.EditRole and col == COL_CORRECTED:
            return self.store.corrected_name(row_index) or self.store.label(row.top1)
        elif role == Qt.ItemDataRole.ToolTipRole:
            return row.map_tip if col == COL_MAP and row.deletion is not None else self.store.top_k_text(row)
        elif role == Qt.ItemDataRole.ForegroundRole and row.error:
            return QBrush(text_colour(ERROR_COLOUR, None, QPalette.ColorRole.Base))
        elif role == Qt.ItemDataRole.ForegroundRole and col == COL_MAP and row.verdict in VERDICT_COLOURS:
            return QBrush(text_colour(VERDICT_COLOURS[row.verdict], None, QPalette.ColorRole.Base))
        elif role == Qt.ItemDataRole.BackgroundRole and self.store.corrected[row_index] >= 0:
            return QBrush(tint(CORRECTED_COLOUR))
        elif role == Qt.ItemDataRole.FontRole and col == COL_CORRECTED and self.store.corrected[row_index] >= 0:
            font = QFont()
            font.setBold(True)
            return font
        elif role == Qt.ItemDataRole.DecorationRole and col == COL_THUMB:
            return self.thumbnails.get(self.store.absolute_path(row))
        elif role == Qt.ItemDataRole.DecorationRole and col == COL_MAP and row.overlay:
            return self.thumbnails.get(row.overlay)
        return None

    def _thumb_ready(self, path: str) -> None:
        for rows, col in ((self._row_of, COL_THUMB), (self._map_row_of, COL_MAP)):
            row = rows.get(path)
            if row is not None:
                cell = self.index(row, col)
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def wait_for_thumbnails(self, msecs: int = -1) -> bool:
        """Wait until queued thumbnails are decoded (tests, shutdown); return True when none is left."""
        return self.thumbnails.wait(msecs)


class BatchFilter(QAbstractProxyModel):
    """The shown rows of a :class:`BatchTableModel`: those of one class (or :data:`ALL`, or :data:`FAILED`) whose
    confidence is within a range, sorted by a column (stable: equal keys keep the order of arrival; no sort
    column: the order of arrival). Holds the shown source rows as one index array, so sorting and filtering
    cost a few numpy passes instead of a Python call per row or comparison."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.class_index = ALL
        self.min_conf, self.max_conf = 0.0, 1.0
        self.corrected: bool | None = None  # only the corrected rows (True), only the others (False), or both
        self.sort_column, self.sort_order = -1, Qt.SortOrder.AscendingOrder
        self._all = np.empty(0, np.int64)  # every source row, in the sort order
        self._order = np.empty(0, np.int64)  # the shown source rows, in the sort order: proxy row -> source row
        self._inverse: np.ndarray | None = None  # source row -> proxy row (-1 when hidden), built when needed

    def setSourceModel(self, model: BatchTableModel) -> None:
        self.beginResetModel()
        super().setSourceModel(model)
        model.modelAboutToBeReset.connect(self.beginResetModel)
        model.modelReset.connect(self._source_reset)
        model.rowsInserted.connect(self._source_rows_inserted)
        model.dataChanged.connect(self._source_data_changed)
        model.corrections_changed.connect(self._corrections_changed)
        self._source_reset()

    def set_filter(self, class_index: int, min_conf: float, max_conf: float, corrected: bool | None = None) -> None:
        """Show class ``class_index`` (or ALL / FAILED) with top-1 confidence in ``[min_conf, max_conf]``;
        ``corrected``: only the corrected rows (True), only the others (False), or both (None)."""
        self.class_index, self.min_conf, self.max_conf = class_index, min_conf, max_conf
        self.corrected = corrected
        self._relayout(self._shown(self._all))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self._all = self._full_order()
        self._relayout(self._shown(self._all))

    def source_rows(self) -> np.ndarray:
        """Return the source rows shown, in the shown order (a copy, shape ``(rowCount(),)``)."""
        return self._order.copy()

    # --- QAbstractProxyModel ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if parent.isValid() or not (0 <= row < len(self._order) and 0 <= column < len(COLUMNS)):
            return QModelIndex()
        return self.createIndex(row, column)

    def parent(self, child: Index | None = None):
        if child is None:  # QObject.parent()
            return super().parent()
        return QModelIndex()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and len(self._order) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if index.column() != COL_CORRECTED:  # called per cell when rows are selected: kept cheap
            return _ITEM_FLAGS
        return self.sourceModel().flags(self.mapToSource(index))

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        return self.sourceModel().setData(self.mapToSource(index), value, role)

    def mapToSource(self, proxy_index: Index) -> QModelIndex:
        if not proxy_index.isValid() or proxy_index.row() >= len(self._order):
            return QModelIndex()
        return self.sourceModel().index(int(self._order[proxy_index.row()]), proxy_index.column())

    def mapFromSource(self, source_index: Index) -> QModelIndex:
        if not source_index.isValid():
            return QModelIndex()
        inverse = self._inverse_map()
        row = inverse[source_index.row()] if source_index.row() < len(inverse) else -1
        return self.index(int(row), source_index.column()) if row >= 0 else QModelIndex()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self._order):
            return None
        return self.sourceModel().cell(int(self._order[index.row()]), index.column(), role)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return self.sourceModel().headerData(section, orientation, role)

    # --- the order ----------------------------------------------------------------------------------------

    def _shown(self, order: np.ndarray) -> np.ndarray:
        store = self.sourceModel().store
        return order[filter_mask(store, self.class_index, self.min_conf, self.max_conf, self.corrected)[order]]

    def _descending(self) -> bool:
        return self.sort_order == Qt.SortOrder.DescendingOrder

    def _full_order(self) -> np.ndarray:
        return sort_order(self.sourceModel().store, self.sort_column, self._descending())

    def _inverse_map(self) -> np.ndarray:
        if self._inverse is None:
            inverse = np.full(len(self._all), -1, np.int64)
            inverse[self._order] = np.arange(len(self._order))
            self._inverse = inverse
        return self._inverse

    def _relayout(self, order: np.ndarray) -> None:
        """Show ``order``: rows appended at the end are one insertion; any other change is one layout change
        that keeps the selection and the current row on their images."""
        old = self._order
        if len(order) >= len(old) and np.array_equal(order[: len(old)], old):
            if len(order) > len(old):
                self.beginInsertRows(QModelIndex(), len(old), len(order) - 1)
                self._order, self._inverse = order, None
                self.endInsertRows()
            return
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        self._order, self._inverse = order, None
        if persistent:
            inverse = self._inverse_map()
            moved = []
            for index in persistent:
                row = inverse[old[index.row()]] if 0 <= index.row() < len(old) else -1
                moved.append(self.index(int(row), index.column()) if row >= 0 else QModelIndex())
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def _source_reset(self) -> None:
        self._all = self._full_order()
        self._order, self._inverse = self._shown(self._all), None
        self.endResetModel()

    def _source_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        store = self.sourceModel().store
        self._all = merge_order(store, self._all, first, last, self.sort_column, self._descending())
        self._inverse = None
        self._relayout(self._shown(self._all))

    def _corrections_changed(self) -> None:
        if self.sort_column == COL_CORRECTED:  # the changed rows move
            self.sort(self.sort_column, self.sort_order)
        elif self.corrected is not None:  # the changed rows come or go
            self._relayout(self._shown(self._all))

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]) -> None:
        shown = self._inverse_map()[top_left.row() : bottom_right.row() + 1]
        shown = shown[shown >= 0]
        if len(shown):  # one signal for the span of shown rows (a correction of thousands of rows is one repaint)
            first, last = int(shown.min()), int(shown.max())
            self.dataChanged.emit(self.index(first, top_left.column()), self.index(last, bottom_right.column()), roles)
