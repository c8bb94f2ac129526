"""The Model menu lists the models taught in the app (the data folder's taught-models/) and the models loaded
last; choosing one loads it through the normal model-loading path."""

from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from model import create_model
from model.paths import taught_models_dir
from tests.core.test_checkpoint_metadata import write_taught
from tests.gui.gui_helpers import TIMEOUT_MS, open_window


def entries(menu) -> dict[str, object]:
    menu.aboutToShow.emit()  # as opening the menu does
    return {a.text(): a for a in menu.actions()}


def test_taught_and_recent_models_are_in_the_model_menu_and_load(qtbot, settings, tmp_path: Path):
    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in create_model("coatnet_fmnist_96").state_dict().items()}
    folder = taught_models_dir()
    folder.mkdir(parents=True)
    older = write_taught(tmp_path / "a", state).rename(folder / "shoes-1.safetensors")
    write_taught(tmp_path / "b", state).rename(folder / "bags & belts.safetensors")
    os.utime(older, (time.time() - 60, time.time() - 60))
    (folder / "notes.txt").write_text("not a model")
    first = settings.model

    window = open_window(qtbot, settings)
    menu = window.model_menu
    taught = entries(menu.taught_menu)
    assert list(taught) == ["bags && belts.safetensors", "shoes-1.safetensors"]  # newest first, "&" kept as text
    assert taught["shoes-1.safetensors"].toolTip() == str(older)

    taught["shoes-1.safetensors"].trigger()
    qtbot.waitUntil(lambda: window.session.classifier.info.location == str(older), timeout=TIMEOUT_MS)
    assert taught["shoes-1.safetensors"].isChecked()
    recent = entries(menu.recent_menu)
    assert [a.data() for a in recent.values()] == [str(older), first]

    recent[next(t for t, a in recent.items() if a.data() == first)].trigger()  # back to the model before
    qtbot.waitUntil(lambda: window.session.model_source == first, timeout=TIMEOUT_MS)
    assert [a.data() for a in entries(menu.recent_menu).values()] == [first, str(older)]
    assert settings.recent_models == [first, str(older)]  # remembered for the next start
