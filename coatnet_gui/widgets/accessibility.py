"""Accessible names for screen readers: every control a user can reach gets a name (and its tooltip as the
description), whether or not the code that made it set one.

:func:`name_controls` names the unnamed controls under a widget; :class:`AccessibleNames`, installed once on the
application, names each control when it is first shown (dialogs, bars and pages made later included). A control's
name is, in order: the text of the label that is its buddy (or its form row's label), its own text (buttons,
check boxes), its placeholder, the first sentence of its tooltip, its object name. An explicit
``setAccessibleName`` always wins: it is never replaced."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenuBar,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollBar,
    QTabBar,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QAbstractSlider, QAbstractItemView)
# Qt's own dialogs name their controls themselves; reading their labels' buddies from Python crashes PySide6
QT_DIALOGS = (QFileDialog, QMessageBox, QInputDialog, QProgressDialog)
_INNER_OF = (QComboBox, QAbstractSpinBox, QAbstractItemView, QMenuBar, QTabBar)  # their own parts, named by Qt


def is_control(widget: QWidget) -> bool:
    """Return True when ``widget`` is a control a user reaches (button, combo, spin box, line edit, slider, list,
    table or view), not a part of another one (a combo's popup, a spin box's editor, a table's header or corner
    button, a scroll bar)."""
    if not isinstance(widget, INTERACTIVE) or isinstance(widget, QScrollBar | QHeaderView):
        return False
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, _INNER_OF) or parent.metaObject().className() == "QComboBoxPrivateContainer":
            return False  # a combo's popup list is a window of its own
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return True


def clean(text: str) -> str:
    """Return ``text`` as a name: mnemonics ("&"), a trailing colon or ellipsis and extra spaces removed."""
    text = re.sub(r"&(?!&)", "", text).replace("&&", "&")
    return " ".join(text.split()).rstrip(":…").strip()


def _label_for(widget: QWidget) -> str:
    window = widget.window()
    for label in window.findChildren(QLabel):
        if label.buddy() is widget and label.text():
            return clean(label.text())
    parent = widget.parentWidget()
    layout = parent.layout() if parent is not None else None
    if isinstance(layout, QFormLayout):
        label = layout.labelForField(widget)
        if isinstance(label, QLabel) and label.text():
            return clean(label.text())
    return ""


def derived_name(widget: QWidget) -> str:
    """Return the name a screen reader should read for ``widget`` (see the module docstring); "" when nothing
    names it."""
    candidates = [_label_for(widget)]
    if isinstance(widget, QAbstractButton):
        candidates.append(clean(widget.text()))
    if isinstance(widget, QLineEdit):
        candidates.append(clean(widget.placeholderText()))
    tip = re.sub(r"<[^>]+>", "", widget.toolTip())
    candidates.append(clean(re.split(r"(?<=[.;:—\n])\s|\n| — ", tip, maxsplit=1)[0]) if tip else "")
    candidates.append(widget.objectName().replace("_", " "))
    return next((c for c in candidates if c), "")


def name_control(widget: QWidget) -> bool:
    """Give control ``widget`` a derived accessible name (and its tooltip as the description) when it has none;
    return True when it has a name afterwards."""
    if not widget.accessibleName():
        widget.setAccessibleName(derived_name(widget))
    if not widget.accessibleDescription() and widget.toolTip():
        widget.setAccessibleDescription(re.sub(r"<[^>]+>", "", widget.toolTip()))
    return bool(widget.accessibleName())


def name_controls(root: QWidget) -> list[QWidget]:
    """Name every unnamed control in ``root`` (itself included); return those still without a name."""
    unnamed = []
    for widget in [root, *root.findChildren(QWidget)]:
        if is_control(widget) and not name_control(widget):
            unnamed.append(widget)
    return unnamed


class AccessibleNames(QObject):
    """An application-wide event filter that names each control (:func:`name_control`) when it is first shown.
    :meth:`install` puts one on the application."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Name a control as it shows; never consume the event."""
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and is_control(watched):
            if not isinstance(watched.window(), QT_DIALOGS):
                name_control(watched)
        return False

    @classmethod
    def install(cls) -> None:
        """Install the filter on the running application once (later calls do nothing)."""
        app = QApplication.instance()
        if app is not None and not any(isinstance(c, cls) for c in app.children()):
            app.installEventFilter(cls(app))


def named_button(text: str, name: str, tip: str) -> QPushButton:
    """Return a push button showing ``text``, read by screen readers as ``name``, with the tooltip ``tip``."""
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    return button
