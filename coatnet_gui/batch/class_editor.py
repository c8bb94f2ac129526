"""The editor of the Batch table's Corrected cells: an editable combo of the known classes that completes what is
typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QStyledItemDelegate, QStyleOptionViewItem, QWidget

Index = QModelIndex | QPersistentModelIndex


class ClassDelegate(QStyledItemDelegate):
    """Edits a Corrected cell with an editable combo of ``classes()`` (the model's and the added ones) that
    completes what is typed; a new name adds a class, an empty one drops the correction."""

    def __init__(self, classes: Callable[[], list[str]], parent: QObject | None = None):
        super().__init__(parent)
        self.classes = classes

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QComboBox(parent)
        editor.setEditable(True)
        editor.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        editor.addItems(self.classes())
        completer = QCompleter(self.classes(), editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        editor.setCompleter(completer)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        model.setData(index, editor.currentText().strip(), Qt.ItemDataRole.EditRole)
