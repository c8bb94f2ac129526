"""The Audit tab's "Map" page: the embedding map of the audit's features (computed when the page is opened after
an audit, or with "Show map"), linked to the table. A lasso shows only those rows in the table ("Showing N
lassoed rows — Show all"), where the user selects them and uses Set class (or "Set class for these…" here); a
click on a point selects its row. Changed labels recolour the map; a new audit maps again when shown.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from coatnet_gui.audit.tab import AuditTab
from coatnet_gui.widgets.embedding_map import EmbeddingMap
from coatnet_gui.widgets.map_points import map_rows
from coatnet_gui.workers import Workers
from model.audit import AuditResult


class MapPage(QWidget):
    """The "Map" page, added to ``tab.extras``; see the module docstring. ``lassoed_rows`` holds the audit rows the
    table is narrowed to (None: not narrowed by the map); :attr:`lassoed` their paths now (a class-folder fix
    moves files, so a path is read when needed)."""

    def __init__(self, tab: AuditTab, workers: Workers):
        super().__init__()
        self.tab = tab
        self.lassoed_rows: list[int] | None = None
        self._mapped: AuditResult | None = None  # the audit the map shows
        self.map = EmbeddingMap(workers)
        self.show_button = QPushButton(self.tr("Show map"))
        self.show_button.setToolTip(self.tr("Map the audited images by their features (PCA at once, then refined)"))
        self.hint = QLabel(self.tr("Audit first: the map places similar images together."))
        self.lasso_label = QLabel()
        self.set_class_button = QPushButton(self.tr("Set class for these…"))
        self.show_all_button = QPushButton(self.tr("Show all"))
        bar = QHBoxLayout()
        for w in (self.show_button, self.hint):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (self.lasso_label, self.set_class_button, self.show_all_button):
            bar.addWidget(w)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addLayout(bar)
        box.addWidget(self.map, 1)
        self._show_lasso_bar(False)
        self.show_button.clicked.connect(self.show_map)
        self.map.rows_selected.connect(self._on_lasso)
        self.map.point_activated.connect(self.select_row)
        self.set_class_button.clicked.connect(lambda: self.tab.set_class_for(self.lassoed or []))
        self.show_all_button.clicked.connect(self.show_all)
        tab.session.finished.connect(self._new_audit)
        tab.fixer.rows_changed.connect(self._labels_changed)
        tab.extras.currentChanged.connect(self._page_changed)
        tab.extras.addTab(self, self.tr("Map"))

    @property
    def lassoed(self) -> list[str] | None:
        """The absolute paths of the lassoed rows now (None: no lasso narrows the table)."""
        result = self.tab.result
        if self.lassoed_rows is None or result is None:
            return None
        return [result.rows[i].path for i in self.lassoed_rows]

    def show_map(self) -> None:
        """Map the tab's audit (said in the hint when there is none)."""
        result = self.tab.result
        if result is None:
            self.hint.setText(self.tr("Audit first: the map places similar images together."))
            return
        self._mapped = result
        if self.map.show_result(result):
            self.hint.setText(
                self.tr("Drag to lasso points; wheel to zoom; right-drag to pan; click a point to select its row.")
            )
        else:
            self.hint.setText("")

    def show_all(self) -> None:
        """Show every row in the table again (the lasso's narrowing ends)."""
        self.lassoed_rows = None
        self.tab.show_only(None)
        self._show_lasso_bar(False)

    def select_row(self, row: int) -> None:
        """Select audit row ``row`` in the table and scroll to it (when the filters show it)."""
        shown = self.tab.proxy.source_rows()
        at = [int(i) for i in (shown == row).nonzero()[0]]
        if at:
            self.tab.table.selectRow(at[0])
            self.tab.table.scrollTo(self.tab.proxy.index(at[0], 0))

    def _on_lasso(self, rows: list[int]) -> None:
        result = self.tab.result
        if result is None or not rows:
            return
        self.lassoed_rows = list(rows)
        self.tab.show_only(self.lassoed)
        self.tab.table.clearSelection()
        self.lasso_label.setText(self.tr("Showing {n:,} lassoed rows —").format(n=len(rows)))
        self._show_lasso_bar(True)

    def _show_lasso_bar(self, shown: bool) -> None:
        for w in (self.lasso_label, self.set_class_button, self.show_all_button):
            w.setVisible(shown)

    def _new_audit(self, *_args) -> None:
        """A new audit: the lasso's narrowing is gone (the tab shows every row); map it now if the page shows."""
        self.lassoed_rows = None
        self._show_lasso_bar(False)
        self.map.cancel()
        if self.tab.extras.currentWidget() is self:
            self.show_map()

    def _page_changed(self, _index: int) -> None:
        if (
            self.tab.extras.currentWidget() is self
            and self.tab.result is not None
            and self._mapped is not self.tab.result
        ):
            self.show_map()

    def _labels_changed(self, _rows: list[int]) -> None:
        """Recolour the points after a label change (the layout stays: the features did not change); the table
        keeps showing the lassoed rows (their files may have moved into another class folder)."""
        if self.lassoed_rows is not None:
            self.tab.show_only(self.lassoed)
        result = self.tab.result
        if result is not None and result is self._mapped and result.vector_rows is not None:
            self.map.update_points(map_rows(result.rows, result.vector_rows, result.classes))
