"""Where the app's own data lives (the bundled model, class names, icons, samples): the package
``coatnet_lens_assets`` of a wheel, sdist or editable install, or the PyInstaller bundle.

pyproject.toml installs the repository's top-level ``assets/`` folder as that package, so an installed app finds
it with :mod:`importlib.resources`, wherever site-packages is. Two other cases: a frozen bundle carries the
folder as ``assets/`` beside its executable (build.spec), and a source checkout run without installing it
(``python -m coatnet_gui`` from the repository root, with only the dependencies installed) uses the checkout's own
``assets/``, the one folder the package would be made from.
"""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path

ASSETS_PACKAGE = "coatnet_lens_assets"


def _installed_assets() -> Path | None:
    """Return the installed ``coatnet_lens_assets`` package's folder, or None when it is not installed."""
    try:
        root = importlib.resources.files(ASSETS_PACKAGE)
    except ModuleNotFoundError:
        return None
    # A wheel, sdist or editable install puts the files on disk (never in a zip), so the resource is a real folder.
    return Path(str(root)) if root.is_dir() else None


def assets_dir() -> Path:
    """Return the folder of the app's data: inside the bundle when frozen, else the installed
    ``coatnet_lens_assets`` package, else (an uninstalled checkout) ``assets/`` beside the ``model`` package."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "assets"
    installed = _installed_assets()
    if installed is not None:
        return installed
    return Path(__file__).resolve().parent.parent / "assets"


def asset_path(*parts: str) -> Path:
    """Return the path of ``<assets>/<parts...>`` (it may not exist; callers report that). A file that the
    installed assets lack but the checkout beside the ``model`` package has (an editable install made from another
    checkout of the repository, e.g. a git worktree) is taken from the checkout."""
    path = assets_dir().joinpath(*parts)
    if not path.exists():
        checkout = Path(__file__).resolve().parent.parent.joinpath("assets", *parts)
        if checkout.exists():
            return checkout
    return path


BUNDLED_MODEL_DIR = ("models", "coatnet_fmnist_96")
SAMPLE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


def bundled_model_dir() -> Path:
    """Return the folder of the model shipped with the app (it may not exist yet)."""
    return asset_path(*BUNDLED_MODEL_DIR)


def sample_images() -> list[Path]:
    """Return the sample images shipped in ``assets/samples``, sorted by name (empty when there are none)."""
    folder = asset_path("samples")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SAMPLE_SUFFIXES) if folder.is_dir() else []
