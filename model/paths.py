"""Where the app keeps its own files, without Qt: the data folder (runs, taught models, the user key).

The folder is ``$COATNET_LENS_DATA`` when set (tests, portable use), else the platform's per-user application
data folder, the same one Qt's ``AppDataLocation`` names for organisation ``CoAtNetLens`` and application
``CoAtNet Lens``, so the window and the headless commands agree:

- Linux: ``$XDG_DATA_HOME/CoAtNetLens/CoAtNet Lens`` (``~/.local/share/...`` when unset);
- macOS: ``~/Library/Application Support/CoAtNetLens/CoAtNet Lens``;
- Windows: ``%APPDATA%/CoAtNetLens/CoAtNet Lens``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DATA_ENV = "COATNET_LENS_DATA"
ORGANIZATION, APPLICATION = "CoAtNetLens", "CoAtNet Lens"


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


TAUGHT_MODELS = "taught-models"


def taught_models_dir() -> Path:
    """Return the folder where the window saves the models it taught: ``<data dir>/taught-models``."""
    return data_dir() / TAUGHT_MODELS
