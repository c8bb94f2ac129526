"""The batch view's table: one compact row per labelled image, a lazily loaded thumbnail, and the filter.

Rows keep only what the table shows (path, top-k indices and probabilities, error); the full records stay in
the run's journal. Thumbnails are decoded off the GUI thread when a row becomes visible and kept in a small
LRU cache, so a 100,000-row table does not hold 100,000 images.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

from PIL import ImageOps
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap

from coatnet_gui.overlay.paint import pil_to_qimage
from model.batch.journal import decode_path
from model.data.decode import load_image

THUMB_PX = 48
THUMB_CACHE = 600
COLUMNS = ("", "Path", "Top-1", "Confidence")
COL_THUMB, COL_PATH, COL_LABEL, COL_PROB = range(4)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FAILED = -2  # class filter value: only error rows
ALL = -1  # class filter value: every row
_ERROR_BRUSH = QBrush(QColor(200, 40, 40))

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Row:
    """One image of the table: ``rel`` (``os.fsdecode`` form, relative to the folder), its top-k ``indices``
    and ``probs``, ``shown`` (the path as displayed) and ``error`` (None when labelled)."""

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


class BatchTableModel(QAbstractTableModel):
    """The rows of one batch run. ``root`` is the folder (for thumbnails and absolute paths) and
    ``label_names`` the classifier's class names."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[Row] = []
        self.root = ""
        self.label_names: list[str] = []
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
        self._thumbs.clear()
        self._pending.clear()
        self._row_of.clear()
        self.endResetModel()

    def add_records(self, records: list[dict]) -> None:
        """Append one chunk of journal records as rows."""
        if not records:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(records) - 1)
        for i, record in enumerate(records, first):
            row = Row.from_record(record)
            self.rows.append(row)
            self._row_of[self.absolute_path(row)] = i
        self.endInsertRows()

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
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_PATH:
                return row.shown
            if col == COL_LABEL:
                return "error" if row.error else self.label(row.top1)
            if col == COL_PROB:
                return "" if row.error else f"{row.confidence * 100:.1f}%"
        elif role == SORT_ROLE:
            return (None, row.shown, "\uffff" if row.error else self.label(row.top1), row.confidence)[col]
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


class BatchFilter(QSortFilterProxyModel):
    """Shows the rows of one class (or :data:`ALL`, or :data:`FAILED`) whose confidence is within a range;
    sorts by :data:`SORT_ROLE`."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.class_index = ALL
        self.min_conf, self.max_conf = 0.0, 1.0
        self.setSortRole(SORT_ROLE)

    def set_filter(self, class_index: int, min_conf: float, max_conf: float) -> None:
        """Show class ``class_index`` (or ALL / FAILED) with top-1 confidence in ``[min_conf, max_conf]``."""
        self.beginFilterChange()
        self.class_index, self.min_conf, self.max_conf = class_index, min_conf, max_conf
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        row = self.sourceModel().rows[source_row]
        if self.class_index == FAILED:
            return row.error is not None
        if row.error is not None:
            return self.class_index == ALL
        if self.class_index != ALL and row.top1 != self.class_index:
            return False
        return self.min_conf <= row.confidence <= self.max_conf
