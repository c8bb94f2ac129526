"""Settings ▸ Language: System / English / 简体中文, remembered in the settings; the choice applies at the next
start (the window's texts are made once, translated as they are made)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from coatnet_gui import i18n
from coatnet_gui.app.settings import Settings


def language_names() -> dict[str, str]:
    """Return each choice of :data:`coatnet_gui.i18n.CHOICES` with its menu text: "System" translated, the
    languages in their own names."""
    return {
        i18n.SYSTEM: QCoreApplication.translate("LanguageMenu", "&System language"),
        i18n.ENGLISH: "English",
        **i18n.LANGUAGES,
    }


def add_language_menu(parent: QMenu, settings: Settings, note: Callable[[str], None]) -> QMenu:
    """Add the Language submenu to ``parent``: one checkable action per choice, the saved one checked; picking
    one saves it and calls ``note`` with the restart notice. Return the submenu."""
    menu = parent.addMenu(QCoreApplication.translate("LanguageMenu", "&Language"))
    group = QActionGroup(menu)
    for choice, text in language_names().items():
        action = QAction(text, menu, checkable=True)
        action.setData(choice)
        action.setChecked(choice == settings.language)
        action.triggered.connect(lambda _checked=False, c=choice: _choose(settings, c, note))
        group.addAction(action)
        menu.addAction(action)
    return menu


def _choose(settings: Settings, choice: str, note: Callable[[str], None]) -> None:
    """Save ``choice`` and say that it applies at the next start."""
    if choice == settings.language:
        return
    settings.language = choice
    settings.sync()
    note(QCoreApplication.translate("LanguageMenu", "The language changes when CoAtNet Lens starts again."))
