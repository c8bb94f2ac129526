"""The main window: the Image and Batch tabs, drag and drop, and the wiring between the widgets (which render
state and emit intents) and the :class:`~coatnet_gui.image.session.Session` (which runs the model off the GUI
thread). Its menus are built by :mod:`~coatnet_gui.app.menus`; opening, saving and model events live in
:mod:`~coatnet_gui.app.opening`, :mod:`~coatnet_gui.app.view_export` and :mod:`~coatnet_gui.app.model_events`."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from coatnet_gui.app import model_events, opening, view_export
from coatnet_gui.app.menus import build_menus
from coatnet_gui.app.settings import Settings
from coatnet_gui.batch.view import BatchView
from coatnet_gui.image.checks import connect_checks
from coatnet_gui.image.session import Session
from coatnet_gui.image.sources import ImageSource, LoadedImage
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import ViewState, colorize
from coatnet_gui.widgets.banner import MessageBanner
from coatnet_gui.widgets.download_bar import DownloadBar
from coatnet_gui.widgets.help_dialog import show_shortcuts
from coatnet_gui.widgets.model_menu import ModelMenu
from model.explain.maps import OverlayResult, OverlaySpec
from model.runtime.inference import Explanation, Prediction

APP_NAME = "CoAtNet Lens"


class MainWindow(QMainWindow):
    """The app's window. It loads ``settings.model`` on ``settings.device`` as soon as it is created."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.session = Session(self)
        self.result: OverlayResult | None = None
        self.requested_model = ""
        self.shown_model = ""  # the source of the model whose classes the controls offer
        self.pending_folder: str | None = None  # a folder to label once the model is ready
        self.failed_source: ImageSource | None = None  # the image that could not be opened, while it is shown
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 520)

        self.image_tab = ImageTab()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.image_tab, "&Image")
        self.batch = self._make_batch_view()
        self.tabs.addTab(self.batch, "&Batch")
        self.banner = MessageBanner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.download_bar = DownloadBar()
        self.working_label = QLabel("")
        self.model_status = QLabel("No model")
        self.statusBar().addPermanentWidget(self.working_label)
        self.statusBar().addPermanentWidget(self.download_bar)
        self.statusBar().addPermanentWidget(self.model_status)

        self.model_menu = ModelMenu(self)
        menus = build_menus(self)
        self.toggle_action, self.recent_menu = menus.toggle_action, menus.recent_menu
        self._connect()
        controls = self.image_tab.controls
        controls.set_spec(settings.overlay)
        controls.set_appearance(settings.colormap, settings.opacity, settings.overlay_visible)
        self._apply_appearance()
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(1366, 768)
        self.update_title()
        self.load_model(settings.model)

    # --- construction --------------------------------------------------------------------------------------

    def _make_batch_view(self) -> BatchView:
        """Return the Batch tab, opening a double-clicked row in the Image tab."""
        view = BatchView(lambda: self.session.classifier, self)
        view.open_image_requested.connect(self.open_path)
        view.model_requested.connect(self.load_model)
        view.model_taught.connect(self.load_model)  # a taught model becomes the active one, as Model ▸ Open does
        view.close_approved.connect(self.close)
        view.session.offers.connect(self._on_batch_offers)
        return view

    def _on_batch_offers(self, states: list) -> None:
        if states:
            runs = "A batch run" if len(states) == 1 else f"{len(states)} batch runs"
            message = f"{runs} with unexported results can be resumed in the Batch tab (Ctrl+B)."
            self.statusBar().showMessage(message, 30_000)  # not the banner: that one is for errors and notes

    def _connect(self) -> None:
        s, tab = self.session, self.image_tab
        s.model_loading.connect(lambda source: model_events.on_model_loading(self, source))
        s.download_progress.connect(self.download_bar.progress)
        s.model_ready.connect(lambda classifier: model_events.on_model_ready(self, classifier))
        s.model_failed.connect(lambda message: model_events.on_model_failed(self, message))
        s.image_ready.connect(self._on_image_ready)
        s.image_failed.connect(self._on_image_failed)
        s.prediction_ready.connect(self._on_prediction)
        s.explanation_ready.connect(self._on_explanation)
        s.overlay_ready.connect(self._on_overlay)
        s.failed.connect(self.show_error)
        s.working.connect(self.working_label.setText)
        self.download_bar.cancel_clicked.connect(s.cancel_download)
        self.model_menu.cancel_action.triggered.connect(s.cancel_download)
        self.model_menu.model_chosen.connect(self.load_model)
        self.model_menu.open_checkpoint.connect(lambda: opening.choose_checkpoint(self))
        self.model_menu.device_chosen.connect(self.set_device)
        tab.welcome.sample_chosen.connect(self.open_path)
        tab.filmstrip.chosen.connect(s.open_image)
        tab.view.query_picked.connect(tab.controls.set_query)
        tab.view.hovered.connect(tab.show_hover)
        tab.prediction.class_clicked.connect(tab.controls.set_class)
        tab.controls.spec_changed.connect(self._on_spec_changed)
        tab.controls.appearance_changed.connect(self._apply_appearance)
        connect_checks(self)

    # --- intents -------------------------------------------------------------------------------------------

    def load_model(self, source: str) -> None:
        """Load the model ``source`` ("bundled", a public tag or a checkpoint path) on the chosen device."""
        self.requested_model = source
        self.session.load_model(source, self.settings.device)

    def set_device(self, device: str) -> None:
        """Run the model on ``device`` (auto, cuda, mps, cpu) from now on."""
        self.settings.device = device
        self.session.set_device(device)

    def open_sources(self, sources: list[ImageSource]) -> None:
        """Add ``sources`` to the filmstrip and show the first; the rest get thumbnails in the background."""
        if not sources:
            return
        self.tabs.setCurrentWidget(self.image_tab)
        strip = self.image_tab.filmstrip
        strip.add(sources)
        self.session.open_image(sources[0])
        for source in sources[1:]:
            self.session.read_thumbnail(
                source,
                lambda loaded: strip.set_thumbnail(loaded.source, loaded.thumbnail),
                lambda message, src=source: strip.mark_failed(src, message),
            )

    def open_path(self, path: str) -> None:
        """Open the image file at ``path``."""
        self.open_sources([ImageSource.file(path)])

    def open_folder(self, folder: str) -> None:
        """Hand ``folder`` to the batch labeller and show its tab; see :func:`opening.open_folder`."""
        opening.open_folder(self, folder)

    def open_mime(self, mime: QMimeData) -> None:
        """Open what a drop or the clipboard carries: image files, folders, browser images, URLs."""
        opening.open_mime(self, mime)

    def paste(self) -> None:
        """Open the image (or the files, or the address) on the clipboard."""
        self.open_mime(QGuiApplication.clipboard().mimeData())

    def grad_cam_rank(self, rank: int) -> None:
        """Show Grad-CAM for the class ranked ``rank`` (1 = top) in the prediction."""
        prediction = self.image_tab.prediction.prediction
        if prediction is not None and rank <= len(prediction.indices):
            self.image_tab.controls.set_class(prediction.indices[rank - 1])

    def current_view(self) -> ViewState | None:
        """Return the view's state (image, model view, overlay), or None when no image is shown."""
        return self.image_tab.view.state

    def save_view(self, path: str) -> None:
        """Write the view to ``path`` as PNG, off the GUI thread; see :func:`view_export.save_view`."""
        view_export.save_view(self, path)

    def save_map(self, path: str) -> None:
        """Write the raw overlay map to ``path`` (.npy) with its JSON description; see
        :func:`view_export.save_map`."""
        view_export.save_map(self, path)

    def suggested_name(self, suffix: str) -> str:
        """Return a file name, ending in ``suffix``, that says what the view or map on screen shows."""
        return view_export.name_for(self, suffix)

    def copy_view(self) -> None:
        """Put the view (image with overlay) on the clipboard."""
        view_export.copy_view(self)

    def show_error(self, message: str) -> None:
        """Show ``message`` in the banner and the status bar; the window stays usable."""
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message, 10_000)

    def show_shortcuts(self) -> None:
        """List every menu action with its shortcut."""
        show_shortcuts(self, self.menuBar())

    # --- session events ------------------------------------------------------------------------------------

    def _on_image_ready(self, loaded: LoadedImage) -> None:
        tab = self.image_tab
        box = self.session.view_box() or Box(0, 0, loaded.qimage.width(), loaded.qimage.height())
        tab.view.set_image(loaded.qimage, box)
        tab.show_image_page(True)
        tab.filmstrip.set_thumbnail(loaded.source, loaded.thumbnail)
        shown = tab.prediction.prediction
        if shown is None or loaded.source.path is None or shown.path != str(loaded.source.path):
            tab.prediction.clear_prediction()  # the previous image's; a top-5 read from this very file stays
        self.result = None
        self.failed_source = None
        if loaded.source.path is not None:
            self.settings.add_recent(loaded.source.path)
        if self.banner.kind == "error":
            self.banner.dismiss()
        self.update_title()

    def _on_image_failed(self, source: ImageSource, message: str) -> None:
        """Show why ``source`` could not be opened in place of the previous image, and mark it in the strip."""
        tab = self.image_tab
        tab.view.set_error(f"{source.name} could not be opened.\n\n{message}")
        tab.show_image_page(True)
        tab.filmstrip.mark_failed(source, message)
        tab.prediction.clear_prediction()
        self.result = None
        self.failed_source = source
        self.show_error(message if source.name in message else f"{source.name}: {message}")
        self.update_title()

    def _on_prediction(self, prediction: Prediction) -> None:
        self.image_tab.prediction.set_prediction(prediction)
        spec = self.image_tab.controls.spec()
        self.image_tab.prediction.set_selected_class(spec.class_index if spec.kind == "gradcam" else None)

    def _on_explanation(self, explanation: Explanation) -> None:
        classifier = self.session.classifier
        labels = classifier.label_names if classifier is not None else []
        self.image_tab.controls.set_model(explanation.blocks, labels)
        self.image_tab.prediction.set_explain_time(explanation.seconds)
        self.session.set_overlay(self.image_tab.controls.spec())

    def _on_overlay(self, result: OverlayResult) -> None:
        self.result = result
        tab = self.image_tab
        tab.view.set_overlay(result, colorize(result, tab.controls.colormap()))
        tab.controls.show_result(result)
        if result.spec.kind == "gradcam":
            explanation = self.session.explanation
            top = int(explanation.probs.argmax()) if explanation is not None else None
            tab.prediction.set_selected_class(result.spec.class_index if result.spec.class_index is not None else top)
        else:
            tab.prediction.set_selected_class(None)

    def _on_spec_changed(self, spec: OverlaySpec) -> None:
        self.settings.overlay = replace(spec, class_index=None, versus=None)
        self.session.set_overlay(spec)

    def _apply_appearance(self) -> None:
        c, view = self.image_tab.controls, self.image_tab.view
        self.settings.colormap, self.settings.opacity = c.colormap(), c.opacity()
        self.settings.overlay_visible = c.overlay_visible()
        self.toggle_action.setChecked(c.overlay_visible())
        view.set_opacity(c.opacity())
        view.set_overlay_visible(c.overlay_visible())
        if self.result is not None:
            view.set_overlay(self.result, colorize(self.result, c.colormap()))

    def update_title(self) -> None:
        """Name the image and the model in the window title."""
        classifier, image = self.session.classifier, self.session.image
        parts = [APP_NAME]
        if image is not None:
            parts.append(image.source.name)
        elif self.failed_source is not None:
            parts.append(f"{self.failed_source.name} (could not be opened)")
        if classifier is not None:
            parts.append(f"{classifier.info.name} · {classifier.info.label_set}")
        else:
            parts.append("no model loaded")
        self.setWindowTitle(" — ".join(parts))

    # --- Qt events -----------------------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        """Accept files, folders, images and addresses."""
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        """Open what was dropped."""
        event.acceptProposedAction()
        self.open_mime(event.mimeData())

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        """Ask first when batch results are unexported; remember the window geometry, stop downloads and wait
        for background work."""
        if not self.batch.confirm_close():
            event.ignore()
            return
        self.batch.stop()
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.session.shutdown()
        super().closeEvent(event)
