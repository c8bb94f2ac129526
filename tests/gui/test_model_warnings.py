"""The window's model header says what of a checkpoint's metadata was unreadable and what is used instead, and
shows a crafted file name as text."""

from __future__ import annotations

from pathlib import Path

import torch
from PySide6.QtCore import Qt

from model import create_model
from tests.core.test_checkpoint_metadata import write_taught
from tests.gui.gui_helpers import TIMEOUT_MS, open_window


def test_the_model_header_shows_what_was_replaced(qtbot, settings, tmp_path: Path):
    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in create_model("coatnet_fmnist_96").state_dict().items()}
    taught = write_taught(tmp_path / "crafted", state, label_names='["cat", "dog"]')
    crafted = taught.rename(taught.with_name("<img src=x>taught.safetensors"))
    window = open_window(qtbot, settings)
    header = window.image_tab.prediction.labels_label
    assert "unreadable" not in header.text()  # the small model's metadata is fine

    window.load_model(str(crafted))
    qtbot.waitUntil(lambda: window.session.classifier.info.location == str(crafted), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "unreadable" in header.text(), timeout=TIMEOUT_MS)
    assert "class names (label_names) are unreadable (2 names for 10 outputs)" in header.text()
    assert "&#x27;class 0&#x27; … &#x27;class 9&#x27;" in header.text()  # escaped: a name cannot inject markup
    name = window.image_tab.prediction.model_label
    assert name.text() == crafted.name and name.textFormat() == Qt.TextFormat.PlainText  # a file name is not markup
    assert "&lt;img src=x&gt;taught.safetensors" in name.toolTip()
