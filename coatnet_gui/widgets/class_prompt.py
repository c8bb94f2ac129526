"""Asking which class to give images: an editable combo of the known classes that starts empty (an immediate
Enter gives nothing), used by the Batch tab's and the Audit tab's "Set class…"."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QInputDialog, QWidget


def ask_class(parent: QWidget, classes: list[str], count: int, answered: Callable[[str], None]) -> QInputDialog:
    """Ask, without blocking, which class to give ``count`` rows: one of ``classes`` (typing completes it) or a
    new name; call ``answered(name)`` with the stripped name. The field starts empty and OK (or Enter) does
    nothing while it is: an immediate Enter never gives every selected row the first class. Return the dialog."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(QCoreApplication.translate("ClassPrompt", "Set class"))
    label = QCoreApplication.translate(
        "ClassPrompt", "Class of the {n:,} selected images (choose, or type a new class):"
    )
    dialog.setLabelText(label.format(n=count))
    dialog.setComboBoxItems(classes)
    dialog.setComboBoxEditable(True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(lambda text: answered(text.strip()) if text.strip() else None)
    dialog.open()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    combo = dialog.findChild(QComboBox)
    combo.lineEdit().textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
    combo.setCurrentIndex(-1)  # after open(): the dialog fills in the first class when it shows
    combo.setEditText("")
    combo.lineEdit().setPlaceholderText(QCoreApplication.translate("ClassPrompt", "Type or choose a class"))
    ok.setEnabled(False)
    return dialog
