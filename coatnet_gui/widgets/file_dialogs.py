"""File dialogs that start where the user last was for the same kind of file.

Each kind (``image``, ``folder``, ``checkpoint`` to open; ``export``, ``view``, ``map``, ``sheet``, ``chart`` to
save) remembers its own folder in the app's QSettings, under ``dialogs/<kind>``. A save dialog that has no folder of
its own yet starts in the folder of the last save of any kind, else in the user's Documents folder (the home folder
when there is none): never in the folder of the images, so exports do not land among the images by accident.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

OPEN_KINDS = ("image", "folder", "checkpoint")
SAVE_KINDS = ("export", "view", "map", "sheet", "chart")
_LAST_SAVE = "dialogs/last_save"


def default_folder() -> str:
    """Return the user's Documents folder when it exists, else the home folder."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


class FileDialogs:
    """Open and save dialogs on ``parent`` that remember their folder per kind in ``store`` (the app's
    QSettings; None keeps the folders for this session only, for a tab used on its own)."""

    def __init__(self, parent: QWidget | None, store: QSettings | None = None):
        self.parent = parent
        self.store = store
        self._memory: dict[str, str] = {}

    def _get(self, key: str) -> str:
        value = self.store.value(key, "") if self.store is not None else self._memory.get(key, "")
        return value if isinstance(value, str) and value and Path(value).is_dir() else ""

    def _set(self, key: str, folder: str) -> None:
        if self.store is not None:
            self.store.setValue(key, folder)
        else:
            self._memory[key] = folder

    def folder(self, kind: str) -> str:
        """Return the folder a dialog of ``kind`` starts in: its own last folder, else (for a save) the last save
        folder of any kind, else Documents or home. A remembered folder that is gone counts as none."""
        if kind not in OPEN_KINDS + SAVE_KINDS:
            raise ValueError(f"unknown dialog kind {kind!r}")
        last_save = self._get(_LAST_SAVE) if kind in SAVE_KINDS else ""
        return self._get(f"dialogs/{kind}") or last_save or default_folder()

    def remember(self, kind: str, path: str) -> None:
        """Remember the folder of ``path`` (a file; for the ``folder`` kind, the folder itself) for ``kind``."""
        folder = path if kind == "folder" else str(Path(path).parent)
        self._set(f"dialogs/{kind}", folder)
        if kind in SAVE_KINDS:
            self._set(_LAST_SAVE, folder)

    def open_files(self, kind: str, title: str, filters: str) -> list[str]:
        """Ask for existing files of ``kind``; return their paths ([] when cancelled)."""
        paths, _ = QFileDialog.getOpenFileNames(self.parent, title, self.folder(kind), filters)
        if paths:
            self.remember(kind, paths[0])
        return list(paths)

    def open_file(self, kind: str, title: str, filters: str) -> str:
        """Ask for one existing file of ``kind``; return its path ("" when cancelled)."""
        path, _ = QFileDialog.getOpenFileName(self.parent, title, self.folder(kind), filters)
        if path:
            self.remember(kind, path)
        return path

    def open_folder(self, title: str) -> str:
        """Ask for a folder (kind ``folder``); return it ("" when cancelled)."""
        folder = QFileDialog.getExistingDirectory(self.parent, title, self.folder("folder"))
        if folder:
            self.remember("folder", folder)
        return folder

    def save_file(self, kind: str, title: str, name: str, filters: str) -> str:
        """Ask where to save a file of ``kind``, suggesting ``name`` in the kind's folder; return the chosen path
        ("" when cancelled)."""
        path, _ = QFileDialog.getSaveFileName(self.parent, title, str(Path(self.folder(kind)) / name), filters)
        if path:
            self.remember(kind, path)
        return path
