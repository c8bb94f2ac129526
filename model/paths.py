"""Where the app keeps its own files, without Qt: data (runs, taught models, the user key, logs), cache (image
features) and settings. Each follows the platform's convention and one environment variable overrides it:

| what | variable | Linux | macOS | Windows |
|---|---|---|---|---|
| data | ``COATNET_LENS_DATA`` | ``$XDG_DATA_HOME/CoAtNetLens/CoAtNet Lens`` | ``~/Library/Application Support/CoAtNetLens/CoAtNet Lens`` | ``%APPDATA%\\CoAtNetLens\\CoAtNet Lens`` |
| cache | ``COATNET_LENS_CACHE`` | ``$XDG_CACHE_HOME/coatnet-lens`` | ``~/Library/Caches/coatnet-lens`` | ``%LOCALAPPDATA%\\coatnet-lens`` |
| settings | ``COATNET_LENS_CONFIG`` (a folder: ``settings.ini`` in it) | ``$XDG_CONFIG_HOME/CoAtNetLens/CoAtNet Lens.conf`` | Qt's plist in ``~/Library/Preferences`` | registry ``HKCU\\Software\\CoAtNetLens\\CoAtNet Lens`` |

The data folder is the one Qt's ``AppDataLocation`` names and the settings are Qt's native ``QSettings`` for
organisation ``CoAtNetLens`` and application ``CoAtNet Lens``, so the window and the headless commands agree.
``$XDG_*_HOME`` default to ``~/.local/share``, ``~/.cache`` and ``~/.config``. Until this version the cache was
``~/.cache/coatnet-lens`` on macOS too: a cache already there keeps being used (nothing is lost or computed
again) until the new folder exists.
"""  # noqa: E501

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ENV = "COATNET_LENS_DATA"
CACHE_ENV = "COATNET_LENS_CACHE"
CONFIG_ENV = "COATNET_LENS_CONFIG"
ORGANIZATION, APPLICATION = "CoAtNetLens", "CoAtNet Lens"
CACHE_NAME = "coatnet-lens"
SETTINGS_FILE = "settings.ini"


def data_dir() -> Path:
    """Return the app's data folder (it may not exist yet): ``$COATNET_LENS_DATA``, else the platform's."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / ORGANIZATION / APPLICATION


def _platform_cache_dir() -> Path:
    """Return the platform's per-user cache folder for the app."""
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / CACHE_NAME
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / CACHE_NAME
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / CACHE_NAME


def _earlier_cache_dir() -> Path:
    """Return where earlier versions kept the cache on every platform (``%LOCALAPPDATA%``, ``$XDG_CACHE_HOME``
    or ``~/.cache``, then ``coatnet-lens``)."""
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / CACHE_NAME


def cache_dir() -> Path:
    """Return the app's cache folder (it may not exist yet): ``$COATNET_LENS_CACHE``, else the platform's, or the
    folder an earlier version used when that one exists and the platform's does not yet."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    current, earlier = _platform_cache_dir(), _earlier_cache_dir()
    return earlier if earlier != current and earlier.is_dir() and not current.exists() else current


def settings_file() -> Path | None:
    """Return the settings file ``$COATNET_LENS_CONFIG/settings.ini`` when the variable is set, else None: the
    platform's native settings (Qt's ``QSettings``, see the table above)."""
    override = os.environ.get(CONFIG_ENV)
    return Path(override) / SETTINGS_FILE if override else None


TAUGHT_MODELS = "taught-models"


def taught_models_dir() -> Path:
    """Return the folder where the window saves the models it taught: ``<data dir>/taught-models``."""
    return data_dir() / TAUGHT_MODELS
