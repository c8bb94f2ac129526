"""The model's life as the window's chrome shows it: loading (the download bar), ready (the model menu, the status
bar, the remembered model, the placement's note) and failed (a fallback to the bundled model). What a new model means
for the Image and Batch tabs is the window's part."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

from coatnet_gui.app.feedback import Feedback
from coatnet_gui.app.settings import Settings
from coatnet_gui.image.session import Session
from coatnet_gui.widgets.download_bar import DownloadBar
from coatnet_gui.widgets.model_menu import ModelMenu
from model.runtime.inference import Classifier

translate = QCoreApplication.translate


class ModelStatus:
    """Loads the models asked for on ``session`` and follows their loading in ``download_bar``, ``model_menu`` and
    ``status_label``; remembers the active model in ``settings``."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        download_bar: DownloadBar,
        model_menu: ModelMenu,
        status_label: QLabel,
        feedback: Feedback,
    ):
        self.session, self.settings, self.feedback = session, settings, feedback
        self.download_bar, self.model_menu, self.status_label = download_bar, model_menu, status_label
        self.requested = ""  # the source asked for last
        session.model_loading.connect(self.on_loading)
        session.download_progress.connect(download_bar.progress)
        session.model_ready.connect(self.on_ready)
        session.model_failed.connect(self.on_failed)
        download_bar.cancel_clicked.connect(session.cancel_download)
        model_menu.cancel_action.triggered.connect(session.cancel_download)
        model_menu.model_chosen.connect(self.load)
        model_menu.device_chosen.connect(self.set_device)
        model_menu.set_recent(settings.recent_models)

    def load(self, source: str) -> None:
        """Load the model ``source`` ("bundled", a public tag or a checkpoint path) on the chosen device."""
        self.requested = source
        self.session.load_model(source, self.settings.device)

    def set_device(self, device: str) -> None:
        """Run the model on ``device`` (auto, cuda, mps, cpu) from now on."""
        self.settings.device = device
        self.session.set_device(device)

    def on_loading(self, source: str) -> None:
        """Show that ``source`` (a tag or a checkpoint path) is being loaded or downloaded."""
        self.download_bar.start(Path(source).name if Path(source).exists() else source)
        self.model_menu.set_downloading(True)

    def on_ready(self, classifier: Classifier) -> None:
        """Show ``classifier`` as the active model in the menu and the status bar, and remember it."""
        self.download_bar.finish()
        self.model_menu.set_downloading(False)
        self.model_menu.set_active(self.session.model_source)
        self.model_menu.set_device(self.settings.device, classifier.placement)
        self.settings.model = self.session.model_source
        self.settings.add_recent_model(self.session.model_source)
        self.model_menu.set_recent(self.settings.recent_models)
        info, placement = classifier.info, classifier.placement
        self.status_label.setText(f"{info.name} · {info.label_set} · {placement.device} {placement.precision}")
        self.feedback.clear_error()
        if placement.note:
            self.feedback.note(placement.note)

    def on_failed(self, message: str) -> None:
        """Say why the model did not load; with no model at all, fall back to the bundled one."""
        self.download_bar.finish()
        self.model_menu.set_downloading(False)
        self.model_menu.set_active(self.session.model_source)
        if self.session.classifier is None and self.requested != "bundled":
            self.feedback.note(message + " " + translate("ModelStatus", "Using the bundled model instead."))
            self.load("bundled")
