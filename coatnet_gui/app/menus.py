"""The main window's menu bar: every action with its shortcut, and the Recent files menu, filled when it opens."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from coatnet_gui.app import opening
from coatnet_gui.app.settings import Settings
from coatnet_gui.app.view_export import choose_export_sheet, choose_save_map, choose_save_view
from model.resources import sample_images

if TYPE_CHECKING:
    from coatnet_gui.app.main_window import MainWindow


@dataclass
class Menus:
    """The menu parts the window updates after construction."""

    toggle_action: QAction  # "Show overlay": checked while the overlay shows
    recent_menu: QMenu


def _action(
    window: MainWindow, menu: QMenu, text: str, shortcut: str | QKeySequence.StandardKey | None, slot: Callable
) -> QAction:
    """Return a new action of ``menu`` that calls ``slot()``, with ``shortcut`` working window-wide."""
    action = menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work while the menu bar is hidden or another tab has focus
    return action


def build_menus(window: MainWindow) -> Menus:
    """Fill ``window``'s menu bar (File, View, Overlay, the model menu, Help) and return the parts it updates."""
    bar = window.menuBar()
    file = bar.addMenu("&File")
    _action(window, file, "&Open images…", QKeySequence.StandardKey.Open, lambda: opening.choose_images(window))
    _action(window, file, "Open &folder for batch labelling…", "Ctrl+Shift+O", lambda: opening.choose_folder(window))
    _action(window, file, "&Paste image", QKeySequence.StandardKey.Paste, window.paste)
    recent_menu = file.addMenu("&Recent files")
    recent_menu.aboutToShow.connect(lambda: fill_recent(recent_menu, window.settings, window.open_path))
    samples = file.addMenu("&Samples")
    for path in sample_images():
        _action(window, samples, path.name, None, lambda p=str(path): window.open_path(p))
    file.addSeparator()
    _action(window, file, "&Save view as PNG…", QKeySequence.StandardKey.Save, lambda: choose_save_view(window))
    _action(window, file, "Save raw &map as .npy…", "Ctrl+Shift+S", lambda: choose_save_map(window))
    _action(window, file, "&Export sheet…", "Ctrl+E", lambda: choose_export_sheet(window))
    _action(window, file, "&Copy view", QKeySequence.StandardKey.Copy, window.copy_view)
    file.addSeparator()
    _action(window, file, "&Quit", QKeySequence.StandardKey.Quit, window.close)

    view = bar.addMenu("&View")
    _action(window, view, "&Image tab", "Ctrl+I", lambda: window.tabs.setCurrentIndex(0))
    _action(window, view, "&Batch tab", "Ctrl+B", lambda: window.tabs.setCurrentIndex(1))
    _action(window, view, "&Next image", "Alt+Right", lambda: window.image_tab.filmstrip.step(1))
    _action(window, view, "&Previous image", "Alt+Left", lambda: window.image_tab.filmstrip.step(-1))
    overlay = bar.addMenu("&Overlay")
    c = window.image_tab.controls
    toggle_action = _action(window, overlay, "&Show overlay", "Ctrl+H", c.visible_box.toggle)
    toggle_action.setCheckable(True)
    _action(window, overlay, "&Relative attention", "Ctrl+1", lambda: c.set_kind("attention"))
    _action(window, overlay, "Conv &activations", "Ctrl+2", lambda: c.set_kind("activation"))
    _action(window, overlay, "&Grad-CAM", "Ctrl+3", lambda: c.set_kind("gradcam"))
    overlay.addSeparator()
    _action(window, overlay, "Next &block", "Ctrl+Down", lambda: c.step_block(1))
    _action(window, overlay, "Previous b&lock", "Ctrl+Up", lambda: c.step_block(-1))
    _action(window, overlay, "Next &head", "Ctrl+Right", lambda: c.step_head(1))
    _action(window, overlay, "Previous h&ead", "Ctrl+Left", lambda: c.step_head(-1))
    _action(window, overlay, "Next &mode", "Ctrl+Shift+Down", lambda: c.step_mode(1))
    _action(window, overlay, "Previous m&ode", "Ctrl+Shift+Up", lambda: c.step_mode(-1))
    _action(window, overlay, "More o&paque", "Ctrl+]", lambda: c.step_opacity(1))
    _action(window, overlay, "More &transparent", "Ctrl+[", lambda: c.step_opacity(-1))
    _action(window, overlay, "Next &colour map", "Ctrl+K", lambda: c.step_colormap(1))
    _action(window, overlay, "&Query point to the centre", "Ctrl+Home", lambda: c.set_query(0.5, 0.5))
    overlay.addSeparator()
    for rank in range(1, 6):
        _action(window, overlay, f"Grad-CAM of class #{rank}", f"Alt+{rank}", lambda r=rank: window.grad_cam_rank(r))
    bar.addMenu(window.model_menu)
    window.model_menu.addSeparator()
    _action(window, window.model_menu, "&Teach your classes…", "Ctrl+T", lambda: show_teach(window))
    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "&Keyboard shortcuts", QKeySequence.StandardKey.HelpContents, window.show_shortcuts)
    return Menus(toggle_action, recent_menu)


def show_teach(window: MainWindow) -> None:
    """Show the Batch tab and its Teach dialog (from the corrected rows or a labelled folder)."""
    window.tabs.setCurrentWidget(window.batch)
    window.batch.show_teach()


def fill_recent(menu: QMenu, settings: Settings, open_path: Callable[[str], None]) -> None:
    """List ``settings``' recent files in ``menu``, each opened with ``open_path``; those that are gone (or were
    stored relative to another folder) are disabled."""
    menu.clear()
    for path in settings.recent:
        exists = Path(path).is_absolute() and Path(path).is_file()
        action = menu.addAction(path if exists else f"{path} (not found)")
        action.setEnabled(exists)
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    if settings.recent:
        menu.addSeparator()
        menu.addAction("Clear recent files").triggered.connect(settings.clear_recent)
    else:
        menu.addAction("No recent files").setEnabled(False)
