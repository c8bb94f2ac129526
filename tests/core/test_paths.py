"""Where the app's files live (model.paths): each platform's convention, one variable overriding each, and a cache
an earlier version left in another folder kept in use rather than lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from model import paths
from model.features import default_cache_dir

VARIABLES = ("COATNET_LENS_DATA", "COATNET_LENS_CACHE", "COATNET_LENS_CONFIG", "XDG_DATA_HOME", "XDG_CACHE_HOME")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of its own and none of the variables set."""
    for name in (*VARIABLES, "APPDATA", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("platform", "data", "cache"),
    [
        ("linux", ".local/share/CoAtNetLens/CoAtNet Lens", ".cache/coatnet-lens"),
        ("darwin", "Library/Application Support/CoAtNetLens/CoAtNet Lens", "Library/Caches/coatnet-lens"),
        ("win32", "AppData/Roaming/CoAtNetLens/CoAtNet Lens", "AppData/Local/coatnet-lens"),
    ],
)
def test_platform_folders(home: Path, monkeypatch: pytest.MonkeyPatch, platform: str, data: str, cache: str):
    monkeypatch.setattr(sys, "platform", platform)
    assert paths.data_dir() == home / data
    assert paths.cache_dir() == home / cache
    assert default_cache_dir() == home / cache / "features"
    assert paths.settings_file() is None  # Qt's native settings


def test_the_platforms_own_variables(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg-cache"))
    assert paths.data_dir() == home / "xdg-data" / "CoAtNetLens" / "CoAtNet Lens"
    assert paths.cache_dir() == home / "xdg-cache" / "coatnet-lens"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(home / "roaming"))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "local"))
    assert paths.data_dir() == home / "roaming" / "CoAtNetLens" / "CoAtNet Lens"
    assert paths.cache_dir() == home / "local" / "coatnet-lens"


def test_one_variable_overrides_each(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COATNET_LENS_DATA", str(home / "d"))
    monkeypatch.setenv("COATNET_LENS_CACHE", str(home / "c"))
    monkeypatch.setenv("COATNET_LENS_CONFIG", str(home / "s"))
    for platform in ("linux", "darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert (paths.data_dir(), paths.cache_dir(), paths.settings_file()) == (
            home / "d",
            home / "c",
            home / "s" / "settings.ini",
        )
        assert default_cache_dir() == home / "c" / "features"  # as before: the feature cache inside it


def test_an_earlier_macos_cache_stays_in_use_until_the_new_folder_exists(home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    earlier = home / ".cache" / "coatnet-lens"
    (earlier / "features").mkdir(parents=True)
    assert paths.cache_dir() == earlier  # the features computed before are found, not computed again
    (home / "Library" / "Caches" / "coatnet-lens").mkdir(parents=True)
    assert paths.cache_dir() == home / "Library" / "Caches" / "coatnet-lens"
