"""Appearance: System, Light or Dark (View ▸ Appearance, remembered in the settings).

Dark is Qt's Fusion style with a dark palette whose text reaches at least 7:1 against its backgrounds; Light is
Fusion's own light palette (light even on a dark desktop); System gives back the platform's style and palette,
and follows the platform's colour scheme (``QStyleHints.colorScheme``) when it is dark but the platform style
keeps a light palette. Widgets draw with the palette (:mod:`coatnet_gui.widgets.theme`), so charts, bars and tints
follow."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu, QStyleFactory

from coatnet_gui.app.settings import Settings
from coatnet_gui.widgets.theme import TEXT_RATIO, is_dark, legible

MODES = {  # translated where the menu is made
    "system": QT_TRANSLATE_NOOP("Appearance", "&System"),
    "light": QT_TRANSLATE_NOOP("Appearance", "&Light"),
    "dark": QT_TRANSLATE_NOOP("Appearance", "&Dark"),
}
_platform: dict[str, object] = {}  # the style name and palette the application started with


def dark_palette() -> QPalette:
    """Return the dark palette: grey-blue surfaces, near-white text, a blue highlight; disabled text dimmed but
    still readable (4.5:1)."""
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#26282b",
        QPalette.ColorRole.WindowText: "#e8e8e8",
        QPalette.ColorRole.Base: "#1e1f22",
        QPalette.ColorRole.AlternateBase: "#2b2d31",
        QPalette.ColorRole.ToolTipBase: "#3a3d42",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#9a9da3",
        QPalette.ColorRole.Text: "#e8e8e8",
        QPalette.ColorRole.Button: "#33363b",
        QPalette.ColorRole.ButtonText: "#e8e8e8",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Light: "#4a4d52",
        QPalette.ColorRole.Midlight: "#3d4045",
        QPalette.ColorRole.Mid: "#5a5d63",
        QPalette.ColorRole.Dark: "#17181a",
        QPalette.ColorRole.Shadow: "#0c0c0d",
        QPalette.ColorRole.Highlight: "#2f6bc4",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7fb2ff",
        QPalette.ColorRole.LinkVisited: "#c49bff",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#9a9da3"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Highlight, QColor("#4a4d52"))
    return p


def light_palette(standard: QPalette) -> QPalette:
    """Return Fusion's ``standard`` light palette with its selection colour darkened just enough for white text on
    it to reach 4.5:1 (Fusion's own blue gives 3.7) and disabled text dark enough to read (3:1, Fusion's 1.6)."""
    p = QPalette(standard)
    text = p.color(QPalette.ColorRole.HighlightedText)
    p.setColor(QPalette.ColorRole.Highlight, legible(p.color(QPalette.ColorRole.Highlight), text, TEXT_RATIO))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#767676"))  # dimmed, still 3:1 and more
    return p


def system_is_dark() -> bool:
    """Return True when the platform asks for a dark colour scheme (Qt 6.5+; False when it cannot say)."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def apply_appearance(app: QApplication, mode: str) -> str:
    """Give ``app`` the style and palette of ``mode`` ("system", "light" or "dark"; anything else is "system") and
    return what it looks like now: "light" or "dark"."""
    if not _platform:
        _platform.update(style=app.style().name(), palette=QPalette(app.palette()))
    if mode == "dark" or (mode not in ("light", "dark") and system_is_dark() and not is_dark(_platform["palette"])):
        app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette())
    elif mode == "light":
        style = QStyleFactory.create("Fusion")
        app.setStyle(style)
        app.setPalette(light_palette(style.standardPalette()))
    else:
        app.setStyle(QStyleFactory.create(str(_platform["style"])))
        app.setPalette(QPalette(_platform["palette"]))  # type: ignore[arg-type]
    return "dark" if is_dark(app.palette()) else "light"


def appearance_menu(menu: QMenu, settings: Settings) -> QActionGroup:
    """Add the Appearance submenu (System / Light / Dark, the current one checked) to ``menu``; a choice applies at
    once and is remembered. Return the action group."""
    sub = menu.addMenu(QCoreApplication.translate("Appearance", "&Appearance"))
    group = QActionGroup(sub)
    group.setExclusive(True)
    for mode, text in MODES.items():
        action = QAction(QCoreApplication.translate("Appearance", text), sub, checkable=True)
        action.setData(mode)
        action.setChecked(mode == settings.appearance)
        group.addAction(action)
        sub.addAction(action)
    group.triggered.connect(lambda action: _choose(settings, action.data()))
    changed = getattr(QGuiApplication.styleHints(), "colorSchemeChanged", None)
    if changed is not None:  # System follows the desktop switching between light and dark
        changed.connect(lambda _scheme: settings.appearance == "system" and _choose(settings, "system"))
    return group


def _choose(settings: Settings, mode: str) -> None:
    settings.appearance = mode
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_appearance(app, mode)
