"""The Batch tab's questions to the user: where to export, whether to undo a sort, what to do with
unexported results when the window closes, and which class to give rows
(:func:`~coatnet_gui.widgets.class_prompt.ask_class`, shared with the Audit tab)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

from coatnet_gui.widgets.class_prompt import ask_class
from coatnet_gui.widgets.file_dialogs import FileDialogs
from model.batch.manifest import read_manifest
from model.batch.undo import undo_question

translate = QCoreApplication.translate

__all__ = ["ask_class", "ask_close", "ask_export_path", "ask_new_class", "ask_undo"]


def ask_export_path(dialogs: FileDialogs, shown_only: bool) -> str:
    """Ask where to export (in the folder of the last export, never the images' folder by default); return the
    chosen path, or "" when cancelled."""
    name = "coatnet-labels-shown.csv" if shown_only else "coatnet-labels.csv"
    title = (
        translate("BatchPrompts", "Export the shown rows")
        if shown_only
        else translate("BatchPrompts", "Export results")
    )
    return dialogs.save_file("export", title, name, translate("BatchPrompts", "CSV (*.csv);;JSON Lines (*.jsonl)"))


def ask_undo(parent: QWidget, manifest: str | None) -> tuple[str, bool] | None:
    """Ask for a sort manifest when ``manifest`` is None, say what undoing it will do and ask; return
    ``(manifest, allow_foreign)`` to undo, or None when cancelled, declined or unreadable (a warning says why).
    A manifest this app did not sign for this user is shown in full, with a warning, and its default is Cancel."""
    if manifest is None:
        manifest, _ = QFileDialog.getOpenFileName(
            parent,
            translate("BatchPrompts", "Undo the sort of"),
            "",
            translate("BatchPrompts", "Sort manifest (*.jsonl)"),
        )
    if not manifest:
        return None
    try:
        read = read_manifest(manifest)
        question = undo_question(read)
    except (OSError, ValueError) as exc:
        QMessageBox.warning(
            parent,
            translate("BatchPrompts", "Undo sort"),
            translate("BatchPrompts", "Cannot undo: {error}").format(error=exc),
        )
        return None
    box = QMessageBox(
        QMessageBox.Icon.Question,
        translate("BatchPrompts", "Undo sort"),
        question,
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    undo = box.addButton(translate("BatchPrompts", "Undo"), QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    if not read.trusted:
        box.setIcon(QMessageBox.Icon.Warning)
        box.setText(
            translate(
                "BatchPrompts",
                "{name} was not written by CoAtNet Lens for you, or it was changed since. "
                "It lists {n:,} files; look at them under Show Details.",
            ).format(name=Path(manifest).name, n=read.files)
        )
        box.setInformativeText(
            translate(
                "BatchPrompts",
                "Undo would only remove copies inside {dest} that are identical to the file they list; "
                "nothing is moved out of that folder.",
            ).format(dest=read.dest)
        )
        box.setDetailedText(read.describe(limit=5000))
        undo.setText(translate("BatchPrompts", "Undo inside this folder only"))
    box.exec()
    return (manifest, not read.trusted) if box.clickedButton() is undo else None


def ask_close(parent: QWidget, done: int, root: str, answered: Callable[[bool], None]) -> None:
    """Ask, without blocking, what to do with the ``done`` unexported results of ``root`` (Export… / Quit
    anyway / Cancel); call ``answered(True)`` after "Export…", ``answered(False)`` after "Quit anyway"."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        translate("BatchPrompts", "Unexported results"),
        translate("BatchPrompts", "{n:,} labelled images of {root} are not exported yet.").format(n=done, root=root),
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    box.setInformativeText(
        translate("BatchPrompts", "They are kept and offered again at the next start if you quit anyway.")
    )
    export = box.addButton(translate("BatchPrompts", "Export…"), QMessageBox.ButtonRole.AcceptRole)
    quit_anyway = box.addButton(translate("BatchPrompts", "Quit anyway"), QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(export)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished() -> None:
        if box.clickedButton() in (export, quit_anyway):
            answered(box.clickedButton() is export)

    box.finished.connect(lambda _result: finished())
    box.open()


def ask_new_class(parent: QWidget, answered: Callable[[str], None]) -> QInputDialog:
    """Ask, without blocking, for the name of a new class; call ``answered(name)`` when it is not empty. Return
    the dialog."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(translate("BatchPrompts", "New class"))
    dialog.setLabelText(translate("BatchPrompts", "Name of the new class:"))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.textValueSelected.connect(lambda text: answered(text.strip()) if text.strip() else None)
    dialog.open()
    return dialog
