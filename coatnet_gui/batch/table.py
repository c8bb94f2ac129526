"""The batch view's table: one compact row per labelled image, a lazily loaded thumbnail, the filter row.

Rows keep only what the table shows (path, top-k indices and probabilities, error); the full records stay in
the run's journal. Thumbnails are decoded off the GUI thread when a row becomes visible and kept in a small
LRU cache, so a 100,000-row table does not hold 100,000 images.

Sorting and filtering never call ``data()`` per row or per comparison: the model keeps the top-1 class, the
confidence and the error flag of every row in numpy arrays, and :class:`BatchFilter` holds the shown rows as
one index array, recomputed with numpy masks and ``argsort`` (one Python ``sorted`` for the text columns) and
merged with ``searchsorted`` when a run appends a chunk. A 50,000-row table re-sorts or re-filters in tens of
milliseconds; ``benchmarks/bench_event_loop.py`` measures the longest event-loop stall.
"""

from __future__ import annotations

import bisect
import os
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
from PIL import ImageOps
from PySide6.QtCore import (
    QAbstractProxyModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QWidget

from coatnet_gui.overlay.paint import pil_to_qimage
from model.batch.journal import decode_path
from model.data.decode import load_image

THUMB_PX = 48
THUMB_CACHE = 600
COLUMNS = ("", "Path", "Top-1", "Confidence", "Error")
COL_THUMB, COL_PATH, COL_LABEL, COL_PROB, COL_ERROR = range(5)
FAILED = -2  # class filter value: only error rows
ALL = -1  # class filter value: every row
_ERROR_BRUSH = QBrush(QColor(200, 40, 40))
_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

Index = QModelIndex | QPersistentModelIndex


class Row(NamedTuple):
    """One image of the table: ``rel`` (``os.fsdecode`` form, relative to the folder), its top-k ``indices``
    and ``probs``, ``shown`` (the path as displayed) and ``error`` (None when labelled). A tuple of strings
    and numbers, so the garbage collector stops tracking it: 50,000 rows add nothing to a collection's time."""

    rel: str
    shown: str
    indices: tuple[int, ...]
    probs: tuple[float, ...]
    error: str | None

    @classmethod
    def from_record(cls, record: dict) -> Row:
        """Return the row of a journal record."""
        return cls(
            decode_path(record), record["path"], tuple(record["indices"]), tuple(record["probs"]), record["error"]
        )

    @property
    def top1(self) -> int:
        """The top-1 class index, or -1 for an error row."""
        return self.indices[0] if self.indices else -1

    @property
    def confidence(self) -> float:
        """The top-1 probability (0 for an error row)."""
        return self.probs[0] if self.probs else 0.0


class _ThumbSignals(QObject):
    ready = Signal(str, QImage)


class _ThumbTask(QRunnable):
    """Decodes one image and emits a thumbnail of at most THUMB_PX a side (an empty QImage when it cannot be read)."""

    def __init__(self, path: str, signals: _ThumbSignals):
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        try:
            image = ImageOps.contain(load_image(self.path), (THUMB_PX, THUMB_PX))  # small images grow to fit
            thumb = pil_to_qimage(image)
        except Exception:  # a thumbnail is decoration: an unreadable file shows none (its row says why)
            thumb = QImage()
        self.signals.ready.emit(self.path, thumb)


class _Growing:
    """A 1-D numpy array that values are appended to (its storage doubles when full)."""

    def __init__(self, dtype: type):
        self._data = np.empty(1024, dtype)
        self.size = 0

    def extend(self, values: list) -> None:
        """Append ``values``."""
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.empty(max(end, 2 * len(self._data)), self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    def clear(self) -> None:
        """Drop every value."""
        self.size = 0

    @property
    def values(self) -> np.ndarray:
        """The values so far (a view, shape ``(size,)``)."""
        return self._data[: self.size]


class _Reversed:
    """Orders strings backwards, for a binary search in a descending list."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __lt__(self, other: _Reversed) -> bool:
        return other.text < self.text


class BatchTableModel(QAbstractTableModel):
    """The rows of one batch run, in the order they arrived. ``root`` is the folder (for thumbnails and
    absolute paths) and ``label_names`` the classifier's class names."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[Row] = []
        self.root = ""
        self.label_names: list[str] = []
        self._shown: list[str] = []
        self._errors: list[str] = []
        self._top1 = _Growing(np.int64)
        self._conf = _Growing(np.float64)
        self._failed = _Growing(np.bool_)
        self._thumbs: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: set[str] = set()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _ThumbSignals(self)
        self._signals.ready.connect(self._thumb_ready)
        self._row_of: dict[str, int] = {}

    def reset(self, root: str, label_names: list[str]) -> None:
        """Empty the table for a new run on ``root``."""
        self.beginResetModel()
        self.rows, self.root, self.label_names = [], root, list(label_names)
        self._shown, self._errors = [], []
        for column in (self._top1, self._conf, self._failed):
            column.clear()
        self._thumbs.clear()
        self._pending.clear()
        self._row_of.clear()
        self.endResetModel()

    def add_records(self, records: list[dict]) -> None:
        """Append one chunk of journal records as rows (one insertion for the whole chunk)."""
        if not records:
            return
        first = len(self.rows)
        new = [Row.from_record(record) for record in records]
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self.rows.extend(new)
        self._shown.extend(row.shown for row in new)
        self._errors.extend(row.error or "" for row in new)
        self._top1.extend([row.top1 for row in new])
        self._conf.extend([row.confidence for row in new])
        self._failed.extend([row.error is not None for row in new])
        for i, row in enumerate(new, first):
            self._row_of[self.absolute_path(row)] = i
        self.endInsertRows()

    @property
    def top1(self) -> np.ndarray:
        """The top-1 class of every row (-1 for an error row), shape ``(rows,)``."""
        return self._top1.values

    @property
    def confidence(self) -> np.ndarray:
        """The top-1 probability of every row (0 for an error row), shape ``(rows,)``."""
        return self._conf.values

    @property
    def failed(self) -> np.ndarray:
        """True for the error rows, shape ``(rows,)``."""
        return self._failed.values

    def class_counts(self) -> np.ndarray:
        """Return how many labelled rows have each class as top-1, shape ``(len(label_names),)``."""
        labelled = self.top1[~self.failed]
        return np.bincount(labelled, minlength=len(self.label_names))[: len(self.label_names)]

    def sort_keys(self, column: int) -> np.ndarray | list[str]:
        """Return the sort key of every row for ``column``: a numpy array of shape ``(rows,)``, or for the
        text columns (path, error) the list of texts. Error rows sort after every class in the Top-1 column."""
        if column == COL_PATH:
            return self._shown
        if column == COL_ERROR:
            return self._errors
        if column == COL_PROB:
            return self.confidence
        if column == COL_LABEL:
            top1 = self.top1
            classes = max(len(self.label_names), int(top1.max()) + 1 if len(top1) else 0)
            _, rank = np.unique(np.array([self.label(i) for i in range(classes)] or [""]), return_inverse=True)
            rank = np.append(rank.reshape(-1), rank.max() + 1)  # index -1: the error rows, last
            return rank[top1]
        return np.arange(len(self.rows))

    def absolute_path(self, row: Row) -> str:
        """Return the file's absolute path."""
        return os.path.join(self.root, row.rel)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def label(self, index: int) -> str:
        """Return the name of class ``index``."""
        return self.label_names[index] if 0 <= index < len(self.label_names) else f"class {index}"

    def top_k_text(self, row: Row) -> str:
        """Return the tooltip of a row: its top-k classes, one ``97.1%  label`` line each, or its error."""
        if row.error:
            return f"{row.shown}\nerror: {row.error}"
        lines = [f"{p * 100:5.1f}%  {self.label(i)}" for i, p in zip(row.indices, row.probs, strict=True)]
        return "\n".join([row.shown, *lines])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        return self.cell(index.row(), index.column(), role) if index.isValid() else None

    def cell(self, row_index: int, col: int, role: int):
        """Return what ``data()`` returns for row ``row_index``, column ``col`` and ``role``."""
        row = self.rows[row_index]
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_PATH:
                return row.shown
            if col == COL_LABEL:
                return "error" if row.error else self.label(row.top1)
            if col == COL_PROB:
                return "" if row.error else f"{row.confidence * 100:.1f}%"
            if col == COL_ERROR:
                return row.error or ""
        elif role == Qt.ItemDataRole.ToolTipRole:
            return self.top_k_text(row)
        elif role == Qt.ItemDataRole.ForegroundRole and row.error:
            return _ERROR_BRUSH
        elif role == Qt.ItemDataRole.DecorationRole and col == COL_THUMB:
            return self._thumbnail(self.absolute_path(row))
        return None

    def _thumbnail(self, path: str) -> QPixmap | None:
        """Return the cached thumbnail of ``path``, or None after queueing its decoding."""
        if path in self._thumbs:
            self._thumbs.move_to_end(path)
            return self._thumbs[path]
        if path not in self._pending:
            self._pending.add(path)
            self._pool.start(_ThumbTask(path, self._signals))
        return None

    def _thumb_ready(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        row = self._row_of.get(path)
        if row is None:
            return  # from an earlier run
        self._thumbs[path] = QPixmap.fromImage(image)
        while len(self._thumbs) > THUMB_CACHE:
            self._thumbs.popitem(last=False)
        cell = self.index(row, COL_THUMB)
        self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def wait_for_thumbnails(self, msecs: int = -1) -> bool:
        """Wait until queued thumbnails are decoded (tests, shutdown); return True when none is left."""
        return self._pool.waitForDone(msecs)


class BatchFilter(QAbstractProxyModel):
    """The shown rows of a :class:`BatchTableModel`: those of one class (or :data:`ALL`, or :data:`FAILED`) whose
    confidence is within a range, sorted by a column (stable: equal keys keep the order of arrival; no sort
    column: the order of arrival). Holds the shown source rows as one index array, so sorting and filtering
    cost a few numpy passes instead of a Python call per row or comparison."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.class_index = ALL
        self.min_conf, self.max_conf = 0.0, 1.0
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
        self._source_reset()

    def set_filter(self, class_index: int, min_conf: float, max_conf: float) -> None:
        """Show class ``class_index`` (or ALL / FAILED) with top-1 confidence in ``[min_conf, max_conf]``."""
        self.class_index, self.min_conf, self.max_conf = class_index, min_conf, max_conf
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
        return _ITEM_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

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

    def _mask(self) -> np.ndarray:
        """Return which source rows pass the filter, shape ``(source rows,)``."""
        model = self.sourceModel()
        failed = model.failed
        if self.class_index == FAILED:
            return failed.copy()
        conf = model.confidence
        keep = ~failed & (conf >= self.min_conf) & (conf <= self.max_conf)
        if self.class_index == ALL:
            return keep | failed
        return keep & (model.top1 == self.class_index)

    def _shown(self, order: np.ndarray) -> np.ndarray:
        return order[self._mask()[order]]

    def _descending(self) -> bool:
        return self.sort_order == Qt.SortOrder.DescendingOrder

    def _full_order(self) -> np.ndarray:
        """Return every source row in the sort order."""
        model = self.sourceModel()
        n = model.rowCount()
        if self.sort_column < 0:
            return np.arange(n)
        keys = model.sort_keys(self.sort_column)
        if isinstance(keys, np.ndarray):
            return np.argsort(-keys if self._descending() else keys, kind="stable")
        return np.array(sorted(range(n), key=keys.__getitem__, reverse=self._descending()), np.int64).reshape(n)

    def _merge(self, first: int, last: int) -> None:
        """Put the new source rows ``first..last`` into the sort order where they belong (after equal keys)."""
        new = np.arange(first, last + 1)
        if self.sort_column < 0:
            self._all = np.concatenate([self._all, new])
            return
        keys = self.sourceModel().sort_keys(self.sort_column)
        if isinstance(keys, np.ndarray):
            signed = -keys if self._descending() else keys
            new = new[np.argsort(signed[new], kind="stable")]
            at = np.searchsorted(signed[self._all], signed[new], side="right")
        else:
            new = np.array(sorted(new.tolist(), key=keys.__getitem__, reverse=self._descending()), np.int64)
            wrap = _Reversed if self._descending() else str
            at = [bisect.bisect_right(self._all, wrap(keys[i]), key=lambda j: wrap(keys[j])) for i in new]
        self._all = np.insert(self._all, at, new)

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
        self._merge(first, last)
        self._inverse = None
        self._relayout(self._shown(self._all))

    def _source_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: list[int]) -> None:
        inverse = self._inverse_map()
        for source_row in range(top_left.row(), min(bottom_right.row() + 1, len(inverse))):
            row = int(inverse[source_row])
            if row >= 0:
                self.dataChanged.emit(self.index(row, top_left.column()), self.index(row, bottom_right.column()), roles)


class FilterBar(QWidget):
    """The row above the table: the class filter (each entry with its count, "Coat (312)"), the confidence
    range, and "N of M shown". Drives ``proxy`` (a :class:`BatchFilter` on a :class:`BatchTableModel`)."""

    def __init__(self, proxy: BatchFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.proxy = proxy
        self.model: BatchTableModel = proxy.sourceModel()
        self.class_box = QComboBox()
        self.class_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.min_spin, self.max_spin = QDoubleSpinBox(), QDoubleSpinBox()
        for spin, value in ((self.min_spin, 0.0), (self.max_spin, 100.0)):
            spin.setRange(0.0, 100.0)
            spin.setSuffix(" %")
            spin.setValue(value)
            spin.valueChanged.connect(self.apply)
        self.class_box.currentIndexChanged.connect(self.apply)
        self.shown_label = QLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (QLabel("Show:"), self.class_box, QLabel("confidence from"), self.min_spin, QLabel("to")):
            layout.addWidget(w)
        layout.addWidget(self.max_spin)
        layout.addWidget(self.shown_label)
        layout.addStretch(1)
        for signal in (proxy.layoutChanged, proxy.rowsInserted, proxy.modelReset):
            signal.connect(self._update_shown)
        self.model.rowsInserted.connect(self.update_counts)
        self.model.modelReset.connect(self.update_counts)
        self._names: list[str] = []
        self.set_classes([])

    def set_classes(self, label_names: list[str]) -> None:
        """List "All classes", "Failed" and ``label_names`` (with their counts) and show every row."""
        self._names = list(label_names)
        self.class_box.blockSignals(True)
        self.class_box.clear()
        self.class_box.addItem("All classes", ALL)
        self.class_box.addItem("Failed", FAILED)
        for i, name in enumerate(label_names):
            self.class_box.addItem(name, i)
        self.class_box.blockSignals(False)
        self.update_counts()
        self.apply()

    def update_counts(self) -> None:
        """Write each class entry's row count into its text (only the entries whose count changed)."""
        counts = self.model.class_counts() if len(self._names) == len(self.model.label_names) else None
        failed = int(self.model.failed.sum())
        texts = [f"All classes ({self.model.rowCount():,})", f"Failed ({failed:,})"]
        texts += [f"{name} ({int(counts[i]) if counts is not None else 0:,})" for i, name in enumerate(self._names)]
        for i, text in enumerate(texts):
            if self.class_box.itemText(i) != text:
                self.class_box.setItemText(i, text)
        self._update_shown()

    def apply(self) -> None:
        """Filter the table by the class and confidence chosen."""
        index = self.class_box.currentData()
        self.proxy.set_filter(ALL if index is None else index, self.min_spin.value() / 100, self.max_spin.value() / 100)
        self._update_shown()

    def _update_shown(self) -> None:
        self.shown_label.setText(f"{self.proxy.rowCount():,} of {self.model.rowCount():,} shown")
