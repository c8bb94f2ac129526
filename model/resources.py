"""Where the app's own data lives, from a source checkout, an installed package or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    """Return the ``assets/`` folder: inside the bundle when frozen, else beside the ``model`` package."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def asset_path(*parts: str) -> Path:
    """Return the path of ``assets/<parts...>`` (it may not exist; callers report that)."""
    return assets_dir().joinpath(*parts)


BUNDLED_MODEL_DIR = ("models", "coatnet_fmnist_96")
SAMPLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


def sample_images() -> list[Path]:
    """Return the sample images shipped in ``assets/samples``, sorted by name (empty when there are none)."""
    folder = asset_path("samples")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SAMPLE_SUFFIXES) if folder.is_dir() else []
