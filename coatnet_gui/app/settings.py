"""What the app remembers between runs (QSettings): model, device, overlay choices, window geometry, recent files
(the file dialogs' folders, per kind, are kept by :class:`~coatnet_gui.widgets.file_dialogs.FileDialogs`).

Values are validated on the way in, so a settings file from another version or edited by hand never breaks
the start-up: anything unreadable falls back to its default.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, fields

from PySide6.QtCore import QByteArray, QSettings

from coatnet_gui.i18n import CHOICES, SYSTEM
from model.explain.colormaps import COLORMAPS
from model.explain.maps import OverlaySpec
from model.paths import APPLICATION, ORGANIZATION, settings_file
from model.runtime.device import DEVICE_CHOICES

RECENT_LIMIT = 10


class Settings:
    """Typed access to the app's QSettings. ``path`` (an .ini file) is for tests and portable setups; without it,
    ``$COATNET_LENS_CONFIG/settings.ini`` when that is set, else the platform's native settings
    (:mod:`model.paths` says where each lives)."""

    def __init__(self, path: str | None = None):
        path = path if path is not None else settings_file()
        if path is None:
            self.store = QSettings(ORGANIZATION, APPLICATION)
        else:
            self.store = QSettings(str(path), QSettings.Format.IniFormat)

    def _text(self, key: str, default: str) -> str:
        value = self.store.value(key, default)
        return value if isinstance(value, str) and value else default

    @property
    def model(self) -> str:
        """The model source last used: "bundled", a public tag or a checkpoint path."""
        return self._text("model/source", "bundled")

    @model.setter
    def model(self, source: str) -> None:
        self.store.setValue("model/source", source)

    @property
    def device(self) -> str:
        """The device asked for: auto, cuda, mps or cpu."""
        value = self._text("model/device", "auto")
        return value if value in DEVICE_CHOICES else "auto"

    @device.setter
    def device(self, device: str) -> None:
        self.store.setValue("model/device", device)

    @property
    def overlay(self) -> OverlaySpec:
        """The overlay choices (kind, block, mode, head, query point, channel; not the Grad-CAM class)."""
        try:
            data = json.loads(self._text("overlay/spec", "{}"))
            known = {f.name for f in fields(OverlaySpec)} - {"class_index"}
            values = {k: v for k, v in data.items() if k in known}
            if "query" in values:
                values["query"] = (float(values["query"][0]), float(values["query"][1]))
            return OverlaySpec(**values)
        except (TypeError, ValueError, IndexError, AttributeError):
            return OverlaySpec()

    @overlay.setter
    def overlay(self, spec: OverlaySpec) -> None:
        self.store.setValue("overlay/spec", json.dumps(asdict(spec)))

    @property
    def colormap(self) -> str:
        """The overlay's colour map."""
        value = self._text("overlay/colormap", COLORMAPS[0])
        return value if value in COLORMAPS else COLORMAPS[0]

    @colormap.setter
    def colormap(self, name: str) -> None:
        self.store.setValue("overlay/colormap", name)

    @property
    def opacity(self) -> float:
        """The overlay's opacity, 0-1."""
        try:
            return min(1.0, max(0.0, float(self.store.value("overlay/opacity", 0.6))))
        except (TypeError, ValueError):
            return 0.6

    @opacity.setter
    def opacity(self, value: float) -> None:
        self.store.setValue("overlay/opacity", float(value))

    @property
    def overlay_visible(self) -> bool:
        """Whether the overlay is drawn."""
        return str(self.store.value("overlay/visible", "true")).lower() in ("true", "1")

    @overlay_visible.setter
    def overlay_visible(self, visible: bool) -> None:
        self.store.setValue("overlay/visible", "true" if visible else "false")

    # --- appearance (View ▸ Appearance) ---
    @property
    def appearance(self) -> str:
        """How the window looks: "system" (the platform's style and colour scheme), "light" or "dark"."""
        value = self._text("view/appearance", "system")
        return value if value in ("system", "light", "dark") else "system"

    @appearance.setter
    def appearance(self, mode: str) -> None:
        self.store.setValue("view/appearance", mode)

    @property
    def language(self) -> str:
        """The UI language chosen: "system" (the system locale's), "en" or a shipped translation ("zh_CN")."""
        value = self._text("ui/language", SYSTEM)
        return value if value in CHOICES else SYSTEM

    @language.setter
    def language(self, value: str) -> None:
        self.store.setValue("ui/language", value)

    @property
    def geometry(self) -> QByteArray | None:
        """The main window's saved geometry, or None."""
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self.store.setValue("window/geometry", value)

    def _list(self, key: str) -> list[str]:
        value = self.store.value(key, [])
        if isinstance(value, str):
            value = [value]
        return [v for v in value if isinstance(v, str)][:RECENT_LIMIT] if isinstance(value, list) else []

    @property
    def recent(self) -> list[str]:
        """Recently opened image files, newest first."""
        return self._list("files/recent")

    def add_recent(self, path: str) -> None:
        """Put ``path`` first in the recent files, as an absolute path (so it opens from any working folder)."""
        path = os.path.abspath(path)
        self.store.setValue("files/recent", [path, *[p for p in self.recent if p != path]][:RECENT_LIMIT])

    @property
    def recent_models(self) -> list[str]:
        """The model sources loaded last ("bundled", public tags, checkpoint paths), newest first."""
        return self._list("model/recent")

    def add_recent_model(self, source: str) -> None:
        """Put model ``source`` first in the recent models."""
        self.store.setValue("model/recent", [source, *[s for s in self.recent_models if s != source]][:RECENT_LIMIT])

    def clear_recent(self) -> None:
        """Forget the recent files."""
        self.store.setValue("files/recent", [])

    def sync(self) -> None:
        """Write pending changes to disk."""
        self.store.sync()
