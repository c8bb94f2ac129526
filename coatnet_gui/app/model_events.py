"""How the main window follows the model's life: loading (the download bar), ready (menus, status, the Image tab's
controls, the batch tab) and failed (a fallback to the bundled model)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from model.explain.capture import list_blocks
from model.runtime.inference import Classifier

if TYPE_CHECKING:
    from coatnet_gui.app.main_window import MainWindow


def on_model_loading(window: MainWindow, source: str) -> None:
    """Show that ``source`` (a tag or a checkpoint path) is being loaded or downloaded."""
    window.download_bar.start(Path(source).name if Path(source).exists() else source)
    window.model_menu.set_downloading(True)


def on_model_ready(window: MainWindow, classifier: Classifier) -> None:
    """Show ``classifier`` as the active model: menu, status bar, prediction panel, overlay controls (the class
    choice is dropped when the model changed), the view box; then the batch tab may label and offer runs back."""
    window.download_bar.finish()
    window.model_menu.set_downloading(False)
    window.model_menu.set_active(window.session.model_source)
    window.model_menu.set_device(window.settings.device, classifier.placement)
    window.settings.model = window.session.model_source
    info, placement = classifier.info, classifier.placement
    window.image_tab.prediction.set_model(info, placement)
    controls = window.image_tab.controls
    if window.session.model_source != window.shown_model:  # another model's class numbers mean other classes
        window.shown_model = window.session.model_source
        controls.set_spec(replace(controls.spec(), class_index=None))
    controls.set_model(list_blocks(classifier.net), info.label_names)
    window.model_status.setText(f"{info.name} · {info.label_set} · {placement.device} {placement.precision}")
    if window.banner.kind == "error":
        window.banner.dismiss()
    if placement.note:
        window.banner.show_message(placement.note, "info")
    box = window.session.view_box()
    if box is not None:
        window.image_tab.view.set_view_box(box)
    window.result = None
    window.update_title()
    window.batch.model_ready(window.session.model_source)  # offers unexported runs back once
    if window.pending_folder is not None:
        folder, window.pending_folder = window.pending_folder, None
        window.batch.set_folder(folder)


def on_model_failed(window: MainWindow, message: str) -> None:
    """Say why the model did not load; with no model at all, fall back to the bundled one."""
    window.download_bar.finish()
    window.model_menu.set_downloading(False)
    window.model_menu.set_active(window.session.model_source)
    if window.session.classifier is None and window.requested_model != "bundled":
        window.banner.show_message(f"{message} Using the bundled model instead.", "info")
        window.load_model("bundled")
