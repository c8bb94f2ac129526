"""The main window's menu bar: every action with its shortcut, and the Recent files menu, filled when it opens.

Shortcuts of what the Image tab shows (the Overlay menu, next/previous image, copying the view) work only while
the focus is in the Image tab (``Qt.WidgetWithChildrenShortcut``): in the Batch table Ctrl+arrows, Ctrl+Home and
Ctrl+C do what they do in any table. The others work window-wide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QTabWidget, QWidget

from coatnet_gui.app.appearance import appearance_menu
from coatnet_gui.app.feedback import Feedback
from coatnet_gui.app.language_menu import add_language_menu
from coatnet_gui.app.opening import Opener
from coatnet_gui.app.settings import Settings
from coatnet_gui.app.view_export import ViewExport
from coatnet_gui.audit.tab import AuditTab
from coatnet_gui.batch.view import BatchView
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.live.tab import LiveTab
from coatnet_gui.widgets.model_menu import ModelMenu
from model.resources import sample_images

translate = QCoreApplication.translate


class MenuHost(Protocol):
    """What the menus act on: the window's parts and intents (the main window provides them)."""

    settings: Settings
    tabs: QTabWidget
    image_tab: ImageTab
    batch: BatchView
    audit: AuditTab
    live: LiveTab
    model_menu: ModelMenu
    opener: Opener
    exporter: ViewExport
    feedback: Feedback

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt's name
    def addAction(self, action: QAction) -> None: ...  # noqa: N802 - Qt's name
    def paste(self) -> None: ...
    def open_path(self, path: str) -> None: ...
    def grad_cam_rank(self, rank: int) -> None: ...
    def show_shortcuts(self) -> None: ...
    def show_about(self) -> None: ...
    def close(self) -> bool: ...


@dataclass
class Menus:
    """The menu parts the window updates after construction."""

    toggle_action: QAction  # "Show overlay": checked while the overlay shows
    recent_menu: QMenu


def _action(
    owner: QWidget | MenuHost,
    menu: QMenu,
    text: str,
    shortcut: str | QKeySequence.StandardKey | None,
    slot: Callable,
    scoped: bool = False,
) -> QAction:
    """Return a new action of ``menu`` that calls ``slot()``. Its shortcut works wherever the focus is in
    ``owner``: the whole window, or (``scoped``) only the widget ``owner`` and its children."""
    action = menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if scoped:
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda _checked=False: slot())
    owner.addAction(action)  # shortcuts work while the menu bar is hidden
    return action


def build_menus(window: MenuHost) -> Menus:
    """Fill ``window``'s menu bar (File, View, Overlay, the model menu, Help) and return the parts it updates."""
    bar, opener, exporter, tab = window.menuBar(), window.opener, window.exporter, window.image_tab
    file = bar.addMenu(translate("Menus", "&File"))
    _action(window, file, translate("Menus", "&Open images…"), QKeySequence.StandardKey.Open, opener.choose_images)
    _action(window, file, translate("Menus", "Open &folder for batch labelling…"), "Ctrl+Shift+O", opener.choose_folder)
    _action(window, file, translate("Menus", "&Paste image"), QKeySequence.StandardKey.Paste, window.paste)
    recent_menu = file.addMenu(translate("Menus", "&Recent files"))
    recent_menu.aboutToShow.connect(lambda: fill_recent(recent_menu, window.settings, window.open_path))
    samples = file.addMenu(translate("Menus", "&Samples"))
    for path in sample_images():
        _action(window, samples, path.name, None, lambda p=str(path): window.open_path(p))
    file.addSeparator()
    _action(
        window,
        file,
        translate("Menus", "&Save view as PNG…"),
        QKeySequence.StandardKey.Save,
        exporter.choose_save_view,
    )
    _action(window, file, translate("Menus", "Save raw &map as .npy…"), "Ctrl+Shift+S", exporter.choose_save_map)
    _action(window, file, translate("Menus", "&Export sheet…"), "Ctrl+E", exporter.choose_export_sheet)
    _action(tab, file, translate("Menus", "&Copy view"), QKeySequence.StandardKey.Copy, exporter.copy_view, scoped=True)
    file.addSeparator()
    _action(window, file, translate("Menus", "&Quit"), QKeySequence.StandardKey.Quit, window.close)

    view = bar.addMenu(translate("Menus", "&View"))
    _action(window, view, translate("Menus", "&Image tab"), "Ctrl+I", lambda: window.tabs.setCurrentWidget(tab))
    _action(
        window,
        view,
        translate("Menus", "&Batch tab"),
        "Ctrl+B",
        lambda: window.tabs.setCurrentWidget(window.batch),
    )
    _action(
        window,
        view,
        translate("Menus", "A&udit tab"),
        "Ctrl+U",
        lambda: window.tabs.setCurrentWidget(window.audit),
    )
    _action(
        window,
        view,
        translate("Menus", "&Live tab (camera, video)"),
        "Ctrl+L",
        lambda: window.tabs.setCurrentWidget(window.live),
    )
    _action(tab, view, translate("Menus", "&Next image"), "Alt+Right", lambda: tab.filmstrip.step(1), scoped=True)
    _action(tab, view, translate("Menus", "&Previous image"), "Alt+Left", lambda: tab.filmstrip.step(-1), scoped=True)
    _live_entries(window.live, view)
    view.addSeparator()
    appearance_menu(view, window.settings)
    toggle_action = _overlay_menu(window, bar.addMenu(translate("Menus", "&Overlay")))
    bar.addMenu(window.model_menu)
    window.model_menu.addSeparator()
    _action(window, window.model_menu, translate("Menus", "&Teach your classes…"), "Ctrl+T", lambda: show_teach(window))
    add_language_menu(bar.addMenu(translate("Menus", "Setti&ngs")), window.settings, window.feedback.note)
    help_menu = bar.addMenu(translate("Menus", "&Help"))
    _action(
        window,
        help_menu,
        translate("Menus", "&Keyboard shortcuts"),
        QKeySequence.StandardKey.HelpContents,
        window.show_shortcuts,
    )
    _action(window, help_menu, translate("Menus", "&About CoAtNet Lens"), None, window.show_about)
    return Menus(toggle_action, recent_menu)


def _live_entries(live: LiveTab, view: QMenu) -> None:
    """Add the Live tab's keys to the View menu, scoped to that tab (holding C to capture is a key, not an
    action: it acts while held)."""
    view.addSeparator()
    _action(live, view, translate("Menus", "Live: play or pause"), "Space", live.toggle_play, scoped=True)
    _action(live, view, translate("Menus", "Live: step one frame"), ".", live.step, scoped=True)
    _action(live, view, translate("Menus", "Live: snapshot to the Image tab"), "S", live.capture.snapshot, scoped=True)


def _overlay_menu(window: MenuHost, overlay: QMenu) -> QAction:
    """Fill the Overlay menu, its shortcuts scoped to the Image tab; return the "Show overlay" action."""
    tab = window.image_tab
    c = tab.controls
    toggle_action = _action(
        tab,
        overlay,
        translate("Menus", "&Show overlay"),
        "Ctrl+H",
        c.visible_box.toggle,
        scoped=True,
    )
    toggle_action.setCheckable(True)
    entries: list[tuple[str, str, Callable[[], None]] | None] = [  # None: a separator
        (translate("Menus", "&Relative attention"), "Ctrl+1", lambda: c.set_kind("attention")),
        (translate("Menus", "Conv &activations"), "Ctrl+2", lambda: c.set_kind("activation")),
        (translate("Menus", "&Grad-CAM"), "Ctrl+3", lambda: c.set_kind("gradcam")),
        None,
        (translate("Menus", "Next &block"), "Ctrl+Down", lambda: c.step_block(1)),
        (translate("Menus", "Previous b&lock"), "Ctrl+Up", lambda: c.step_block(-1)),
        (translate("Menus", "Next &head"), "Ctrl+Right", lambda: c.step_head(1)),
        (translate("Menus", "Previous h&ead"), "Ctrl+Left", lambda: c.step_head(-1)),
        (translate("Menus", "Next &mode"), "Ctrl+Shift+Down", lambda: c.step_mode(1)),
        (translate("Menus", "Previous m&ode"), "Ctrl+Shift+Up", lambda: c.step_mode(-1)),
        (translate("Menus", "More o&paque"), "Ctrl+]", lambda: c.step_opacity(1)),
        (translate("Menus", "More &transparent"), "Ctrl+[", lambda: c.step_opacity(-1)),
        (translate("Menus", "Next &colour map"), "Ctrl+K", lambda: c.step_colormap(1)),
        (translate("Menus", "&Query point to the centre"), "Ctrl+Home", lambda: c.set_query(0.5, 0.5)),
        None,
    ]
    of_class = translate("Menus", "Grad-CAM of class #{rank}")
    entries += [
        (of_class.format(rank=rank), f"Alt+{rank}", lambda r=rank: window.grad_cam_rank(r)) for rank in range(1, 6)
    ]
    for entry in entries:
        if entry is None:
            overlay.addSeparator()
        else:
            _action(tab, overlay, *entry, scoped=True)
    return toggle_action


def show_teach(window: MenuHost) -> None:
    """Show the Batch tab and its Teach dialog (from the run's rows or a labelled folder)."""
    window.tabs.setCurrentWidget(window.batch)
    window.batch.show_teach()


def fill_recent(menu: QMenu, settings: Settings, open_path: Callable[[str], None]) -> None:
    """List ``settings``' recent files in ``menu``, each opened with ``open_path``; those that are gone (or were
    stored relative to another folder) are disabled."""
    menu.clear()
    for path in settings.recent:
        exists = Path(path).is_absolute() and Path(path).is_file()
        action = menu.addAction(path if exists else translate("Menus", "{path} (not found)").format(path=path))
        action.setEnabled(exists)
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
    if settings.recent:
        menu.addSeparator()
        menu.addAction(translate("Menus", "Clear recent files")).triggered.connect(settings.clear_recent)
    else:
        menu.addAction(translate("Menus", "No recent files")).setEnabled(False)
