"""Help ▸ About: what is running, for a bug report: the app's version, Python, torch and Qt, the device, the active
model and where it came from, and the data folder (kept runs, taught models)."""

from __future__ import annotations

import platform
from importlib import metadata

import PySide6
import torch
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from model.paths import cache_dir, data_dir
from model.runtime.inference import Classifier

APP_NAME = "CoAtNet Lens"
DISTRIBUTION = "coatnet-lens"


def app_version() -> str:
    """Return the installed version of the app ("unknown" when it runs from a source tree that is not installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def about_lines(classifier: Classifier | None, model_source: str, device_choice: str) -> list[str]:
    """Return the About text, one fact a line: versions, the device asked for (``device_choice``) and the one
    ``classifier`` runs on, the model and its source (``model_source``, what was asked to load), the data folder."""
    lines = [
        f"{APP_NAME} {app_version()}",
        f"Python {platform.python_version()} · torch {torch.__version__} · "
        f"Qt {qVersion()} (PySide6 {PySide6.__version__})",
    ]
    if classifier is None:
        lines += [f"Device: {device_choice} (no model loaded)", "Model: none loaded"]
    else:
        info, placement = classifier.info, classifier.placement
        lines += [
            f"Device: {placement.device}, {placement.precision} (asked for: {device_choice})",
            f"Model: {info.name} · {info.label_set}",
            f"Model source: {info.source}: {info.location or model_source}",
        ]
    lines += [f"Data folder: {data_dir()}", f"Cache folder: {cache_dir()}"]
    return lines


def show_about(parent: QWidget, lines: list[str]) -> QMessageBox:
    """Show ``lines`` in a non-blocking About box (its text selectable, to paste into a bug report); return it."""
    close = QMessageBox.StandardButton.Close
    box = QMessageBox(QMessageBox.Icon.Information, f"About {APP_NAME}", lines[0], close, parent)
    box.setInformativeText("\n".join(lines[1:]))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setModal(False)
    box.show()
    return box
