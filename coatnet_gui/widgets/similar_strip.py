"""A strip of the images most similar to a query: thumbnails with their similarity and given class.

It renders what its owner found and emits intents: ``open_requested(path)`` (double-click or Enter on an image),
``set_class_requested(paths)`` ("Set class for these…": the selected images, else every one shown) and
``image_dropped(path)`` (an image file dropped from outside: the owner computes its features off the GUI thread
and queries). Thumbnails come from a :class:`ThumbnailSource`, which decodes them off the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

_PATH = Qt.ItemDataRole.UserRole
HINT = QT_TRANSLATE_NOOP(  # translated where shown
    "SimilarStrip",
    "Select a row, drop an image here, or right-click the image in the Image tab: Find similar images here.",
)


@dataclass(frozen=True)
class SimilarItem:
    """One image found: its absolute ``path``, cosine ``similarity`` to the query and ``given`` class ("" none)."""

    path: str
    similarity: float
    given: str = ""


class ThumbnailSource(Protocol):
    """Where the strip gets thumbnails: ``get(path)`` returns a cached one or None after queueing its decoding
    (off the GUI thread); ``ready(path)`` says that one is now cached."""

    ready: SignalInstance

    def get(self, path: str) -> QPixmap | None: ...


def caption(item: SimilarItem) -> str:
    """Return the text under a thumbnail: the given class (or "unlabelled") and the similarity."""
    given = item.given or QCoreApplication.translate("SimilarStrip", "unlabelled")
    return f"{given}\n{item.similarity:.2f}"


class ResultList(QListWidget):
    """The thumbnails in a wrapping row; Enter opens the current image (double-click too, via the owner)."""

    enter_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        """Enter or Return opens the current image."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)


class SimilarStrip(QWidget):
    """The strip; see the module docstring. ``thumbnails`` supplies the pictures at ``side`` pixels."""

    open_requested = Signal(str)
    set_class_requested = Signal(list)  # absolute paths
    image_dropped = Signal(str)

    def __init__(self, thumbnails: ThumbnailSource, side: int = 72, parent: QWidget | None = None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.side = side
        self.shown: list[SimilarItem] = []
        self.setAcceptDrops(True)
        self.title = QLabel(self.tr(HINT))
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.list = ResultList()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(QSize(side, side))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("Similar images")
        self.list.setToolTip(self.tr("Double-click or Enter opens an image; select several for Set class"))
        self.list.itemDoubleClicked.connect(lambda item: self.open_requested.emit(item.data(_PATH)))
        self.list.enter_pressed.connect(self._open_current)
        self.list.itemSelectionChanged.connect(self._update_button)
        self.set_class_button = QPushButton(self.tr("Set class for these…"))
        self.set_class_button.setToolTip(self.tr("Give one class to the selected images, or to every image shown"))
        self.set_class_button.clicked.connect(self._set_class)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.set_class_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.title)
        column.addWidget(self.list, 1)
        column.addLayout(buttons)
        thumbnails.ready.connect(self._thumbnail_ready)
        self._update_button()

    def show_results(self, query: str, items: list[SimilarItem]) -> None:
        """Show ``items`` (most similar first) under the title ``query`` (what was searched for, in words)."""
        self.shown = list(items)
        self.list.clear()
        self.title.setText(query if items else self.tr("{query}: nothing found.").format(query=query))
        placeholder = QPixmap(self.side, self.side)
        placeholder.fill(Qt.GlobalColor.transparent)
        for found in items:
            item = QListWidgetItem(caption(found), self.list)
            item.setData(_PATH, found.path)
            given = found.given or self.tr("none")
            item.setToolTip(
                found.path
                + "\n"
                + self.tr("given: {given}\nsimilarity {similarity:.3f}").format(
                    given=given, similarity=found.similarity
                )
            )
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setSizeHint(QSize(self.side + 24, self.side + 2 * self.fontMetrics().height() + 10))
            picture = self.thumbnails.get(found.path)
            item.setIcon(QIcon(picture if picture is not None else placeholder))
        self._update_button()

    def show_message(self, text: str) -> None:
        """Show ``text`` (what is being searched, or why a query failed) in place of the results."""
        self.shown = []
        self.list.clear()
        self.title.setText(text)
        self._update_button()

    def clear(self) -> None:
        """Show nothing but the hint."""
        self.show_message(self.tr(HINT))

    def selected_paths(self) -> list[str]:
        """Return the paths of the selected thumbnails, in the strip's order."""
        return [self.list.item(r).data(_PATH) for r in range(self.list.count()) if self.list.item(r).isSelected()]

    def paths_to_set(self) -> list[str]:
        """Return the images "Set class for these" acts on: the selected ones, else every one shown."""
        return self.selected_paths() or [item.path for item in self.shown]

    def _set_class(self) -> None:
        paths = self.paths_to_set()
        if paths:
            self.set_class_requested.emit(paths)

    def _update_button(self) -> None:
        selected = len(self.selected_paths())
        self.set_class_button.setEnabled(bool(self.shown))
        count = selected or len(self.shown)
        self.set_class_button.setText(
            self.tr("Set class for these {n}…").format(n=count) if self.shown else self.tr("Set class for these…")
        )

    def _open_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.open_requested.emit(item.data(_PATH))

    def _thumbnail_ready(self, path: str) -> None:
        picture = None
        for r in range(self.list.count()):
            item = self.list.item(r)
            if item.data(_PATH) == path:
                picture = picture or self.thumbnails.get(path)
                if picture is not None:
                    item.setIcon(QIcon(picture))

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
        """Return the first local file a drag carries, or None."""
        for url in event.mimeData().urls() if event.mimeData().hasUrls() else []:
            if url.isLocalFile() and Path(url.toLocalFile()).is_file():
                return url.toLocalFile()
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        """Accept a drag that carries a local file."""
        if self._dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """A dropped file becomes the query: ``image_dropped(path)``."""
        path = self._dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.image_dropped.emit(path)
