"""The window's intents that open things: file and folder dialogs, what a drop or the clipboard carries, and
folders handed to the batch labeller (with a hint when sub-folders holding images are left out)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData
from PySide6.QtWidgets import QFileDialog

from coatnet_gui.image.sources import ImageSource, image_subfolders, sources_from_mime
from model.data.decode import IMAGE_SUFFIXES

if TYPE_CHECKING:
    from coatnet_gui.app.main_window import MainWindow

CHECKPOINT_FILTER = "Checkpoints (*.safetensors *.pth *.pt *.bin);;All files (*)"


def open_folder(window: MainWindow, folder: str) -> None:
    """Hand ``folder`` to ``window``'s batch labeller and show its tab; labelling starts once a model is ready.
    When sub-folders hold images but are not included, the status bar and the checkbox's tooltip say so."""
    batch = window.batch
    set_folder = getattr(batch, "set_folder", None)
    if set_folder is None:
        window.show_error(f"Batch labelling is not available in this build, so {folder} cannot be labelled.")
        return
    set_folder(folder)
    window.pending_folder = folder if window.session.classifier is None else None
    window.tabs.setCurrentWidget(batch)
    recursive = getattr(batch, "recursive_box", None)
    if recursive is None or not recursive.isChecked():
        window.session.run(
            "io",
            "",
            lambda: image_subfolders(folder),
            lambda count: _hint_subfolders(window, folder, count),
            lambda _message: None,  # an unreadable folder is the batch run's to report
        )


def _hint_subfolders(window: MainWindow, folder: str, count: int) -> None:
    """Say that ``count`` sub-folders of ``folder`` with images are left out (nothing when there are none)."""
    recursive = getattr(window.batch, "recursive_box", None)
    if count == 0 or (recursive is not None and recursive.isChecked()):
        return
    folders = "1 sub-folder" if count == 1 else f"{count} sub-folders"
    if recursive is not None:
        hint = f"{folders} of {Path(folder).name} with images not included — tick Include sub-folders"
        recursive.setToolTip(hint)
    else:
        hint = f"{folders} of {Path(folder).name} with images are not labelled"
    window.statusBar().showMessage(hint, 60_000)


def open_mime(window: MainWindow, mime: QMimeData) -> None:
    """Open in ``window`` what a drop or the clipboard carries: image files, folders, browser images, URLs."""
    images, folders = sources_from_mime(mime)
    if not images and not folders:
        window.show_error("Nothing to open there: drop or paste image files, a folder, or an image.")
        return
    if folders:
        window.open_folder(folders[0])
    if images:
        window.open_sources(images)


def choose_images(window: MainWindow) -> None:
    """Ask for image files and open them in ``window``."""
    patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
    paths, _ = QFileDialog.getOpenFileNames(
        window, "Open images", window.settings.last_folder, f"Images ({patterns});;All files (*)"
    )
    if paths:
        window.settings.last_folder = str(Path(paths[0]).parent)
        window.open_sources([ImageSource.file(p) for p in paths])


def choose_folder(window: MainWindow) -> None:
    """Ask for a folder and hand it to ``window``'s batch labeller."""
    folder = QFileDialog.getExistingDirectory(window, "Folder to label", window.settings.last_folder)
    if folder:
        window.settings.last_folder = folder
        window.open_folder(folder)


def choose_checkpoint(window: MainWindow) -> None:
    """Ask for a checkpoint file and load it in ``window``."""
    path, _ = QFileDialog.getOpenFileName(window, "Open checkpoint", window.settings.last_folder, CHECKPOINT_FILTER)
    if path:
        window.settings.last_folder = str(Path(path).parent)
        window.load_model(path)
