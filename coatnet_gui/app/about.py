"""Help ▸ About: what is running, for a bug report: the app's version, Python, torch and Qt, the device, the active
model and where it came from, and the data folder (kept runs, taught models)."""

from __future__ import annotations

import platform
from importlib import metadata

import PySide6
import torch
from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from model.paths import cache_dir, data_dir
from model.runtime.inference import Classifier

translate = QCoreApplication.translate

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
        lines += [
            translate("About", "Device: {device} (no model loaded)").format(device=device_choice),
            translate("About", "Model: none loaded"),
        ]
    else:
        info, placement = classifier.info, classifier.placement
        lines += [
            translate("About", "Device: {device}, {precision} (asked for: {choice})").format(
                device=placement.device, precision=placement.precision, choice=device_choice
            ),
            translate("About", "Model: {name} · {labels}").format(name=info.name, labels=info.label_set),
            translate("About", "Model source: {source}: {location}").format(
                source=info.source, location=info.location or model_source
            ),
        ]
    lines += [
        translate("About", "Data folder: {path}").format(path=data_dir()),
        translate("About", "Cache folder: {path}").format(path=cache_dir()),
    ]
    return lines


def show_about(parent: QWidget, lines: list[str]) -> QMessageBox:
    """Show ``lines`` in a non-blocking About box (its text selectable, to paste into a bug report); return it."""
    close = QMessageBox.StandardButton.Close
    box = QMessageBox(
        QMessageBox.Icon.Information, translate("About", "About {name}").format(name=APP_NAME), lines[0], close, parent
    )
    box.setInformativeText("\n".join(lines[1:]))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setModal(False)
    box.show()
    return box
