"""The editor of the Batch table's Corrected cells: an editable combo of the known classes that completes what is
typed. It opens with its text selected (typing replaces it), the first Enter commits (also while the completion
list is open), and a class that does not exist yet is added only once the user confirms it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QMessageBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

Index = QModelIndex | QPersistentModelIndex
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class _EnterCommits(QObject):
    """Event filter on a completer's popup: Enter takes the highlighted completion (or the typed text) and
    commits the editor at once, instead of only closing the list."""

    def __init__(self, delegate: ClassDelegate, editor: QComboBox):
        super().__init__(editor)
        self.delegate, self.editor = delegate, editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or event.key() not in _ENTER:
            return False
        popup = self.editor.completer().popup()
        current = popup.currentIndex()
        if current.isValid():
            self.editor.setEditText(str(current.data()))
        popup.hide()
        self.delegate.commitData.emit(self.editor)
        self.delegate.closeEditor.emit(self.editor, QStyledItemDelegate.EndEditHint.NoHint)
        return True


class ClassDelegate(QStyledItemDelegate):
    """Edits a Corrected cell with an editable combo of ``classes()`` (the model's and the added ones) that
    completes what is typed; an empty name drops the correction, a new name is asked about first ("Add the new
    class 'X'?", default No) and set only on Yes."""

    def __init__(self, classes: Callable[[], list[str]], parent: QObject | None = None):
        super().__init__(parent)
        self.classes = classes
        self.asking: QMessageBox | None = None  # the open question about a new class

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QComboBox(parent)
        editor.setEditable(True)
        editor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        editor.addItems(self.classes())
        completer = QCompleter(self.classes(), editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        editor.setCompleter(completer)
        completer.popup().installEventFilter(_EnterCommits(self, editor))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        editor.lineEdit().selectAll()  # typing replaces the shown class rather than appending to it

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        name = editor.currentText().strip()
        if not name or name in self.classes():
            model.setData(index, name, Qt.ItemDataRole.EditRole)
        elif self.asking is None:  # asked once the editor is closed (a dialog now would end the editing midway)
            target = QPersistentModelIndex(index)
            QTimer.singleShot(0, lambda: self._confirm_new_class(model, target, name))

    def _confirm_new_class(self, model, index: QPersistentModelIndex, name: str) -> None:
        """Ask, without blocking, "Add the new class 'name'?" (default No); on Yes set the cell to it."""
        view = self.parent()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("New class"),
            self.tr("Add the new class '{name}'?").format(name=name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            view if isinstance(view, QWidget) else None,
        )
        box.setInformativeText(self.tr("It is not one of the classes yet; check its spelling."))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.asking = box

        def answered(_result: int) -> None:
            self.asking = None
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes and index.isValid():
                model.setData(QModelIndex(index), name, Qt.ItemDataRole.EditRole)
            if isinstance(view, QAbstractItemView):
                view.setFocus()

        box.finished.connect(answered)
        box.open()
