"""The folders of model.paths agree with Qt's: the data folder is Qt's AppDataLocation for our names, and the
settings go where COATNET_LENS_CONFIG says."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QStandardPaths

from coatnet_gui.app.settings import Settings
from model.paths import APPLICATION, ORGANIZATION, data_dir


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is Linux's")
def test_the_data_folder_is_qts_app_data_location(qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("COATNET_LENS_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    before = qapp.organizationName(), qapp.applicationName()
    qapp.setOrganizationName(ORGANIZATION)
    qapp.setApplicationName(APPLICATION)
    try:
        qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    finally:
        qapp.setOrganizationName(before[0])
        qapp.setApplicationName(before[1])
    assert Path(qt) == data_dir() == tmp_path / "share" / "CoAtNetLens" / "CoAtNet Lens"


def test_settings_go_where_coatnet_lens_config_says(qapp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("COATNET_LENS_CONFIG", str(tmp_path / "config"))
    settings = Settings()
    settings.device = "cpu"
    settings.store.sync()
    assert Path(settings.store.fileName()) == tmp_path / "config" / "settings.ini"
    assert "cpu" in (tmp_path / "config" / "settings.ini").read_text()
    assert Settings().device == "cpu"
