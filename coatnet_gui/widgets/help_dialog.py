"""The keyboard-shortcut list, generated from the menus so it is never out of date."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtGui import QAction, QKeySequence, QShortcut
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


def widget_shortcut_rows(root: QWidget, menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """Return ``(where, action, shortcut)`` for every shortcut under ``root`` outside ``menu_bar``'s menus: actions
    added to widgets (context menus, tool buttons) and ``QShortcut`` objects, where being the widget they belong
    to (its accessible name, else its class)."""
    in_menus: set[int] = set()

    def collect(menu: QMenu) -> None:
        for action in menu.actions():
            in_menus.add(id(action))
            if action.menu() is not None:
                collect(action.menu())

    for action in menu_bar.actions():
        if action.menu() is not None:
            collect(action.menu())
    rows, seen = [], set()
    native = QKeySequence.SequenceFormat.NativeText
    for action in root.findChildren(QAction):
        key = (action.text(), action.shortcut().toString())
        if action.shortcut().isEmpty() or id(action) in in_menus or key in seen:
            continue
        seen.add(key)
        owner = action.parent()
        where = owner.accessibleName() if isinstance(owner, QWidget) and owner.accessibleName() else "Window"
        rows.append((where, action.text().replace("&", ""), action.shortcut().toString(native)))
    for shortcut in root.findChildren(QShortcut):
        owner = shortcut.parent()
        where = owner.accessibleName() if isinstance(owner, QWidget) and owner.accessibleName() else "Window"
        text = shortcut.whatsThis() or shortcut.objectName() or "Shortcut"
        rows.append((where, text, shortcut.key().toString(native)))
    return rows


KEY_ROWS = [  # keys that widgets handle themselves (not actions): the image view, tables, lists
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Image"),
        QT_TRANSLATE_NOOP("Shortcuts", "Move the query point by one token"),
        QT_TRANSLATE_NOOP("Shortcuts", "Arrow keys (image focused)"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Image"),
        QT_TRANSLATE_NOOP("Shortcuts", "Query point to the centre"),
        QT_TRANSLATE_NOOP("Shortcuts", "Home (image focused)"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Prediction"),
        QT_TRANSLATE_NOOP("Shortcuts", "Grad-CAM of a class; Ctrl: why the Grad-CAM class and not this one"),
        QT_TRANSLATE_NOOP("Shortcuts", "Space, Ctrl+Space"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Batch table"),
        QT_TRANSLATE_NOOP("Shortcuts", "Open the image of the current row"),
        QT_TRANSLATE_NOOP("Shortcuts", "Enter"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Batch table"),
        QT_TRANSLATE_NOOP("Shortcuts", "Edit the Corrected class of the current row"),
        QT_TRANSLATE_NOOP("Shortcuts", "F2 (or Enter on the Corrected cell)"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Everywhere"),
        QT_TRANSLATE_NOOP("Shortcuts", "Next / previous control"),
        QT_TRANSLATE_NOOP("Shortcuts", "Tab, Shift+Tab"),
    ),
    (
        QT_TRANSLATE_NOOP("Shortcuts", "Dialogs"),
        QT_TRANSLATE_NOOP("Shortcuts", "Close without acting"),
        QT_TRANSLATE_NOOP("Shortcuts", "Esc"),
    ),
]


def show_shortcuts(parent: QWidget, menu_bar: QMenuBar) -> None:
    """Show the shortcut table in a dialog: every menu action with a shortcut, every other action and QShortcut
    under ``parent``, and the keys widgets handle themselves (:data:`KEY_ROWS`)."""
    translate = QCoreApplication.translate
    keys = [tuple(translate("Shortcuts", text) for text in row) for row in KEY_ROWS]
    rows = shortcut_rows(menu_bar) + widget_shortcut_rows(parent, menu_bar) + keys
    dialog = QDialog(parent)
    dialog.setObjectName("shortcutsDialog")
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
    table.setAccessibleName("Keyboard shortcuts")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(table)
    layout.addWidget(buttons)
    dialog.resize(620, 560)
    dialog.exec()
