"""The Batch tab's table widget on a :class:`~coatnet_gui.batch.table.BatchFilter`: whole-row selection,
thumbnail-high rows, the Corrected cells editable, Enter to open a row, and the selection as source rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from coatnet_gui.batch.class_editor import ClassDelegate
from coatnet_gui.batch.rows import COL_CORRECTED, COL_ERROR, COL_MAP, COL_MARGIN, COL_PATH, COL_PROB, COL_THUMB
from coatnet_gui.batch.table import BatchFilter, BatchTableModel
from coatnet_gui.batch.thumbnails import THUMB_PX


class BatchTableView(QTableView):
    """The table of the Batch tab on ``proxy``: whole-row selection, a thumbnail-high row, the path column
    stretched, sorted by path until a header is clicked. Only the Corrected cells are editable (F2, a click on
    the selected cell, or a double-click there; a double-click elsewhere opens the image)."""

    def __init__(self, proxy: BatchFilter, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table (arrows move between cells): no keyboard trap
        self.setAccessibleName("Labelled images")
        self.setAccessibleDescription("Arrows move; Enter opens the image; F2 (Enter on Corrected) edits the class")
        self.sortByColumn(COL_PATH, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        triggers = QAbstractItemView.EditTrigger
        self.setEditTriggers(triggers.EditKeyPressed | triggers.SelectedClicked | triggers.DoubleClicked)
        model: BatchTableModel = proxy.sourceModel()
        self.class_delegate = ClassDelegate(lambda: list(model.store.classes), self)
        self.setItemDelegateForColumn(COL_CORRECTED, self.class_delegate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(THUMB_PX + 4)
        self.setIconSize(QSize(THUMB_PX, THUMB_PX))
        header = self.horizontalHeader()
        header.setSectionResizeMode(COL_PATH, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(COL_THUMB, THUMB_PX + 8)
        header.resizeSection(COL_CORRECTED, 130)
        header.resizeSection(COL_PROB, 90)
        header.resizeSection(COL_MARGIN, 70)
        header.resizeSection(COL_ERROR, 220)
        header.resizeSection(COL_MAP, THUMB_PX + 60)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter opens the current row's image, as a double-click does (on the Corrected cell it edits the class):
        the table is usable without a mouse."""
        current = self.currentIndex()
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers()
        if enter and current.isValid() and self.state() != QAbstractItemView.State.EditingState:
            if current.column() == COL_CORRECTED:
                self.edit(current)
            else:
                self.doubleClicked.emit(current)
            return
        super().keyPressEvent(event)

    def selected_source_rows(self) -> np.ndarray:
        """Return the source rows of the selected rows, in the shown order, shape ``(selected,)``. Reads the
        selection's ranges, not an index per row: selecting all of 50,000 rows is one range."""
        proxy: BatchFilter = self.model()
        ranges = [np.arange(r.top(), r.bottom() + 1) for r in self.selectionModel().selection()]
        shown = np.unique(np.concatenate(ranges)) if ranges else np.empty(0, np.int64)
        return proxy.source_rows()[shown]
