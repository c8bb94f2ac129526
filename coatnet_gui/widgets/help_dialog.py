"""The keyboard-shortcut list, generated from the menus so it is never out of date."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def shortcut_rows(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """Return ``(menu, action, shortcut)`` for every menu action that has a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{path} ▸ {action.text().replace('&', '')}")
            elif not action.shortcut().isEmpty():
                text = action.text().replace("&", "")
                rows.append((path, text, action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))

    for action in menu_bar.actions():
        if action.menu() is not None:
            walk(action.menu(), action.text().replace("&", ""))
    return rows


def show_shortcuts(parent: QWidget, menu_bar: QMenuBar) -> None:
    """Show the shortcut table in a dialog."""
    rows = shortcut_rows(menu_bar)
    translate = QCoreApplication.translate
    image = translate("Shortcuts", "Image")
    rows.append(
        (
            image,
            translate("Shortcuts", "Move the query point by one token"),
            translate("Shortcuts", "Arrow keys (image focused)"),
        )
    )
    rows.append(
        (image, translate("Shortcuts", "Query point to the centre"), translate("Shortcuts", "Home (image focused)"))
    )
    dialog = QDialog(parent)
    dialog.setWindowTitle(translate("Shortcuts", "Keyboard shortcuts"))
    table = QTableWidget(len(rows), 3)
    table.setHorizontalHeaderLabels(
        [translate("Shortcuts", "Menu"), translate("Shortcuts", "Action"), translate("Shortcuts", "Shortcut")]
    )
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().hide()
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(620, 560)
    dialog.exec()
