"""A strip of the images opened together (several dropped files): click one to show it."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QStyle, QWidget

from coatnet_gui.qimage import device_pixmap


class FilmItem(Protocol):
    """What the strip shows of an image (the Image tab's ``FilmItem`` is one): ``key`` tells images apart,
    ``name`` is shown, ``path`` or ``url`` (None when it has none) says where it came from."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...


_SOURCE = Qt.ItemDataRole.UserRole
_FAILED = Qt.ItemDataRole.UserRole + 1  # why the image could not be opened


class Filmstrip(QListWidget):
    """Thumbnails (``thumbnail_side`` pixels) in one row; emits ``chosen(source)`` when the user picks another
    image. Hidden with < 2 images."""

    chosen = Signal(object)

    def __init__(self, thumbnail_side: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.side = thumbnail_side
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(self.side, self.side))
        self.setFixedHeight(self.side + 2 * self.fontMetrics().height() + 16)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setAccessibleName("Opened images")
        self.currentItemChanged.connect(self._current_changed)
        self.hide()

    def add(self, sources: list[FilmItem]) -> None:
        """Append ``sources`` (files already in the strip are not added twice) and select the first of them,
        without emitting ``chosen`` (the caller opens it)."""
        first = None
        for source in sources:
            item = self._find(source.key)
            if item is None:
                item = self._new_item(source)
            if first is None:
                first = item
        self.setVisible(self.count() > 1)
        if first is not None:
            self.blockSignals(True)
            self.setCurrentItem(first)
            self.blockSignals(False)

    def _new_item(self, source: FilmItem) -> QListWidgetItem:
        item = QListWidgetItem(source.name, self)
        item.setData(_SOURCE, source)
        item.setToolTip(self._where(source))
        item.setSizeHint(QSize(self.side + 24, self.side + 2 * self.fontMetrics().height() + 8))
        return item

    def _find(self, key: str) -> QListWidgetItem | None:
        for row in range(self.count()):
            if self.item(row).data(_SOURCE).key == key:
                return self.item(row)
        return None

    def set_thumbnail(self, source: FilmItem, thumbnail: QImage) -> None:
        """Show ``thumbnail`` for ``source``'s item."""
        item = self._find(source.key)
        if item is not None:
            item.setIcon(QIcon(device_pixmap(thumbnail, self.side, max(1.0, thumbnail.devicePixelRatio()))))
            item.setToolTip(self._where(source))
            item.setData(_FAILED, None)

    def mark_failed(self, source: FilmItem, reason: str) -> None:
        """Mark ``source``'s item as unreadable: an error icon, and ``reason`` in its tooltip."""
        item = self._find(source.key)
        if item is not None:
            item.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical))
            item.setToolTip(self._where(source) + "\n" + self.tr("Could not be opened: {reason}").format(reason=reason))
            item.setData(_FAILED, reason)

    def failed_reason(self, source: FilmItem) -> str:
        """Return why ``source`` could not be opened ("" when it could, or is not in the strip)."""
        item = self._find(source.key)
        return (item.data(_FAILED) or "") if item is not None else ""

    @staticmethod
    def _where(source: FilmItem) -> str:
        return source.path or source.url or source.name

    def step(self, step: int) -> None:
        """Show the next (``step`` 1) or previous (-1) image."""
        if self.count():
            self.setCurrentRow((self.currentRow() + step) % self.count())

    def _current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.chosen.emit(current.data(_SOURCE))
