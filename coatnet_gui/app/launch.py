"""Starting the window: ``run_app(["photo.jpg", "folder/"])`` opens the images and hands the folder to the batch tab."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from coatnet_gui import i18n
from coatnet_gui.app.appearance import apply_appearance
from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.app.main_window import MainWindow
from coatnet_gui.app.none_guard import guard_none_refcount
from coatnet_gui.app.settings import APPLICATION, ORGANIZATION, Settings
from coatnet_gui.desktop import APP_ID
from coatnet_gui.image.sources import ImageSource
from coatnet_gui.logs import setup_logging
from model.resources import asset_path

ICON_SIZES = (16, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """Return the app's icon (PNG renderings of ``assets/icons/coatnet-lens.svg`` at several sizes)."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = asset_path("icons", f"coatnet-lens-{size}.png")
        if path.is_file():
            icon.addFile(str(path))
    return icon


def open_arguments(window: MainWindow, paths: list[str]) -> None:
    """Open ``paths`` in ``window``: image files in the Image tab, the first folder in the Batch tab, the first video
    file in the Live tab."""
    folders = [p for p in paths if Path(p).is_dir()]
    files = [p for p in paths if not Path(p).is_dir()]
    if folders:
        window.open_folder(folders[0])
    if files:
        window.open_sources([ImageSource.file(p) for p in files])


def run_app(argv: list[str]) -> int:
    """Show the main window with the images or folders in ``argv`` (options starting with "-" go to Qt);
    return the exit status when the window closes."""
    binding_warning = guard_none_refcount()  # first: a leaking binding must not get to abort the app
    app = QApplication.instance() or QApplication([sys.argv[0], *[a for a in argv if a.startswith("-")]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)  # Wayland: the window belongs to the installed desktop entry (its icon, name)
    collect_on_gui_thread()  # once, before any worker thread starts
    setup_logging()  # warnings and tracebacks to <data folder>/logs/, one line each to stderr
    settings = Settings()
    i18n.install(app, i18n.resolve(settings.language))  # before any widget: texts are translated as they are made
    apply_appearance(app, settings.appearance)  # before the window: its widgets start with the palette
    window = MainWindow(settings)
    window.show()
    if binding_warning is not None:
        window.banner.show_message(binding_warning.removeprefix("coatnet-gui: "), "info")
    open_arguments(window, [a for a in argv if not a.startswith("-")])
    return app.exec()
