"""The main window: the Image, Batch and Audit tabs, drag and drop, and the wiring between the widgets (which render
state and emit intents) and the :class:`~coatnet_gui.image.session.Session` (which runs the model off the GUI
thread). Its parts are components that own their state and get what they use, never the window:
:class:`~coatnet_gui.app.opening.Opener` (opening images and folders), :class:`~coatnet_gui.app.view_export.ViewExport`
(saving and copying the view), :class:`~coatnet_gui.app.model_events.ModelStatus` (loading models),
:class:`~coatnet_gui.app.checks.Checks` (the checks panel); :func:`~coatnet_gui.app.menus.build_menus` builds the
menus on the window's intents."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from coatnet_gui.app.about import about_lines, show_about
from coatnet_gui.app.audit_link import AuditLink
from coatnet_gui.app.checks import Checks
from coatnet_gui.app.feedback import Feedback
from coatnet_gui.app.menus import build_menus
from coatnet_gui.app.model_events import ModelStatus
from coatnet_gui.app.opening import Opener
from coatnet_gui.app.settings import Settings
from coatnet_gui.app.similar_link import SimilarLink
from coatnet_gui.app.view_export import ViewExport
from coatnet_gui.audit.map_page import MapPage
from coatnet_gui.audit.tab import AuditTab
from coatnet_gui.batch.view import BatchView
from coatnet_gui.image.session import Session
from coatnet_gui.image.sources import ImageSource, LoadedImage
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.live.tab import LiveTab
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.paint import ViewState, colorize
from coatnet_gui.widgets.accessibility import AccessibleNames, name_controls
from coatnet_gui.widgets.banner import MessageBanner
from coatnet_gui.widgets.download_bar import DownloadBar
from coatnet_gui.widgets.file_dialogs import FileDialogs
from coatnet_gui.widgets.help_dialog import show_shortcuts
from coatnet_gui.widgets.model_menu import ModelMenu
from coatnet_gui.workers import Workers
from model.explain.capture import list_blocks
from model.explain.maps import OverlayResult, OverlaySpec
from model.runtime.inference import Classifier, Explanation
from model.runtime.predictor import Prediction

APP_NAME = "CoAtNet Lens"


class MainWindow(QMainWindow):
    """The app's window. It loads ``settings.model`` on ``settings.device`` as soon as it is created."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.workers = Workers(self)  # the app's one worker facility: every tab's jobs run on it
        self.session = Session(self.workers, self)
        self.result: OverlayResult | None = None  # the overlay on screen
        self.shown_model = ""  # the source of the model whose classes the controls offer
        self.failed_source: ImageSource | None = None  # the image that could not be opened, while it is shown
        self.setAcceptDrops(True)
        self.setMinimumSize(760, 520)

        self.banner = MessageBanner()
        self.feedback = Feedback(self.banner, self.statusBar())
        self.dialogs = FileDialogs(self, settings.store)
        self.image_tab = ImageTab()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.image_tab, self.tr("&Image"))
        self.batch = self._make_batch_view()
        self.tabs.addTab(self.batch, self.tr("&Batch"))
        self.audit = self._make_audit_tab()
        self.tabs.addTab(self.audit, self.tr("Audit"))  # no Alt letter: the Image tab uses a and u; Ctrl+U
        self.live = self._make_live_tab()
        self.tabs.addTab(self.live, self.tr("Live"))  # no Alt letter: the Image tab uses l; Ctrl+L
        self.tabs.tabBar().setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the focus starts in a tab, where its keys work
        self.tabs.currentChanged.connect(self._focus_tab)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.download_bar = DownloadBar()
        self.working_label = QLabel("")
        self.model_status = QLabel(self.tr("No model"))
        self.statusBar().addPermanentWidget(self.working_label)
        self.statusBar().addPermanentWidget(self.download_bar)
        self.statusBar().addPermanentWidget(self.model_status)

        self.model_menu = ModelMenu(self)
        self.models = ModelStatus(
            self.session, settings, self.download_bar, self.model_menu, self.model_status, self.feedback
        )
        self.opener = Opener(
            self.session,
            self.tabs,
            self.image_tab,
            self.batch,
            self.dialogs,
            self.feedback,
            self.models.load,
            self.play_video,
        )
        self.exporter = ViewExport(self.session, self.image_tab, self.dialogs, self.feedback, lambda: self.result)
        self.checks = Checks(self.session, self.image_tab.checks, self.dialogs, self.feedback, lambda: self.result)
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
        AccessibleNames.install()  # controls shown later (dialogs, bars, pages) are named as they show
        name_controls(self)
        self.update_title()
        self.load_model(settings.model)

    # --- construction --------------------------------------------------------------------------------------

    def _make_batch_view(self) -> BatchView:
        """Return the Batch tab, opening a double-clicked row in the Image tab."""
        view = BatchView(lambda: self.session.classifier, self, dialogs=self.dialogs, workers=self.workers)
        view.open_image_requested.connect(self.open_path)
        view.model_requested.connect(self.load_model)
        view.model_taught.connect(self.load_model)  # a taught model becomes the active one, as Model ▸ Open does
        view.close_approved.connect(self.close)
        view.session.offers.connect(self._on_batch_offers)
        return view

    def _make_audit_tab(self) -> AuditTab:
        """Return the Audit tab on the active model, linked to the Batch tab's run and the Image tab."""
        link = AuditLink(
            self.batch, self.image_tab.controls, lambda: self.session.classifier, self.open_path, self.statusBar()
        )
        tab = AuditTab(
            self.workers,
            lambda: self.session.classifier,
            lambda: self.session.model_source,
            link.batch_rows,
            link.batch_corrections,
            self.dialogs,
        )
        tab.open_versus_requested.connect(link.open_versus)
        tab.batch_corrections_requested.connect(link.apply_batch_corrections)
        self.audit_map = MapPage(tab, self.workers)
        self.audit_link = link
        self.similar = SimilarLink(self.session, tab, self.tabs, self.open_path, self.feedback)
        self.image_tab.view.similar_requested.connect(self.similar.find_region)
        return tab

    def _make_live_tab(self) -> LiveTab:
        """Return the Live tab on the active model: a snapshot opens in the Image tab (with the Live tab's overlay
        choice), a model taught from captures becomes the active one."""
        tab = LiveTab(
            self.workers,
            lambda: self.session.classifier,
            lambda: self.session.model_source or self.models.requested,
            lambda: self.settings.device,
        )
        tab.snapshot_saved.connect(self._open_snapshot)
        tab.model_taught.connect(self.load_model)
        tab.failed.connect(self.show_error)
        return tab

    def _open_snapshot(self, path: str) -> None:
        """Show the Live tab's snapshot at ``path`` in the Image tab, with the overlay the Live tab showed."""
        self.image_tab.controls.choose(self.live.controls.spec())
        self.tabs.setCurrentWidget(self.image_tab)
        self.open_path(path)

    def _on_batch_offers(self, states: list) -> None:
        if states:
            message = (
                self.tr("A batch run with unexported results can be resumed in the Batch tab (Ctrl+B).")
                if len(states) == 1
                else self.tr("{n} batch runs with unexported results can be resumed in the Batch tab (Ctrl+B).")
            ).format(n=len(states))
            self.statusBar().showMessage(message, 30_000)  # not the banner: that one is for errors and notes

    def _connect(self) -> None:
        s, tab = self.session, self.image_tab
        s.model_ready.connect(self._on_model_ready)
        s.image_ready.connect(self._on_image_ready)
        s.image_failed.connect(self._on_image_failed)
        s.prediction_ready.connect(self._on_prediction)
        s.explanation_ready.connect(self._on_explanation)
        s.overlay_ready.connect(self._on_overlay)
        s.failed.connect(self.show_error)
        s.working.connect(self.working_label.setText)
        self.model_menu.open_checkpoint.connect(self.opener.choose_checkpoint)
        tab.welcome.sample_chosen.connect(self.open_path)
        tab.filmstrip.chosen.connect(s.open_image)
        tab.view.query_picked.connect(tab.controls.set_query)
        tab.view.hovered.connect(tab.show_hover)
        tab.prediction.class_clicked.connect(tab.controls.set_class)
        tab.controls.spec_changed.connect(self._on_spec_changed)
        tab.controls.appearance_changed.connect(self._apply_appearance)

    def _focus_tab(self, _index: int = 0) -> None:
        """Put the focus in the tab shown, unless it is there already: the Image tab's shortcuts work only while
        the focus is inside it, and the Batch table's keys only while the table has it."""
        page = self.tabs.currentWidget()
        focused = QApplication.focusWidget()
        if focused is not None and page.isAncestorOf(focused):
            return
        if page is self.image_tab:
            self.image_tab.stack.currentWidget().setFocus()
        elif page is self.live:
            self.live.view.setFocus()
        else:
            page.table.setFocus()

    # --- intents -------------------------------------------------------------------------------------------

    def load_model(self, source: str) -> None:
        """Load the model ``source`` ("bundled", a public tag or a checkpoint path) on the chosen device."""
        self.models.load(source)

    def set_device(self, device: str) -> None:
        """Run the model on ``device`` (auto, cuda, mps, cpu) from now on."""
        self.models.set_device(device)

    def open_sources(self, sources: list[ImageSource]) -> None:
        """Add ``sources`` to the filmstrip and show the first; the rest get thumbnails in the background."""
        self.opener.open_sources(sources)

    def open_path(self, path: str) -> None:
        """Open the image file at ``path``."""
        self.opener.open_sources([ImageSource.file(path)])

    def play_video(self, path: str) -> None:
        """Play the video file at ``path`` in the Live tab, which shows."""
        self.tabs.setCurrentWidget(self.live)
        self.live.open_file(path)

    def open_folder(self, folder: str) -> None:
        """Hand ``folder`` to the batch labeller and show its tab; see :meth:`Opener.open_folder`."""
        self.opener.open_folder(folder)

    def open_mime(self, mime: QMimeData) -> None:
        """Open what a drop or the clipboard carries: image files, folders, browser images, URLs."""
        self.opener.open_mime(mime)

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
        return self.exporter.current_view()

    def save_view(self, path: str) -> None:
        """Write the view to ``path`` as PNG, off the GUI thread; see :meth:`ViewExport.save_view`."""
        self.exporter.save_view(path)

    def save_map(self, path: str) -> None:
        """Write the raw overlay map to ``path`` (.npy) with its JSON description; see :meth:`ViewExport.save_map`."""
        self.exporter.save_map(path)

    def suggested_name(self, suffix: str) -> str:
        """Return a file name, ending in ``suffix``, that says what the view or map on screen shows."""
        return self.exporter.name_for(suffix)

    def copy_view(self) -> None:
        """Put the view (image with overlay) on the clipboard."""
        self.exporter.copy_view()

    def show_error(self, message: str) -> None:
        """Show ``message`` in the banner and the status bar; the window stays usable."""
        self.feedback.error(message)

    def show_shortcuts(self) -> None:
        """List every menu action with its shortcut."""
        show_shortcuts(self, self.menuBar())

    def about_lines(self) -> list[str]:
        """Return what Help ▸ About says, a fact a line: versions, device, the active model and its source, the
        data folder."""
        s = self.session
        return about_lines(s.classifier, s.model_source or self.models.requested, self.settings.device)

    def show_about(self) -> QMessageBox:
        """Show Help ▸ About (not modal); return its box."""
        return show_about(self, self.about_lines())

    # --- model and session events --------------------------------------------------------------------------

    def _on_model_ready(self, classifier: Classifier) -> None:
        """Show ``classifier`` in the Image tab (the class choice is dropped when the model changed) and let the
        Batch tab label, and offer runs back; the chrome follows in :class:`ModelStatus`."""
        info, placement = classifier.info, classifier.placement
        tab, source = self.image_tab, self.session.model_source
        tab.prediction.set_model(info, placement)
        if source != self.shown_model:  # another model's class numbers mean other classes
            self.shown_model = source
            tab.controls.set_spec(replace(tab.controls.spec(), class_index=None))
        tab.controls.set_model(list_blocks(classifier.net) if classifier.net is not None else [], info.label_names)
        tab.set_maps_unavailable(classifier.maps_unavailable)
        box = self.session.view_box()
        if box is not None:
            tab.view.set_view_box(box)
        self.result = None
        self.update_title()
        self.batch.model_ready(source)  # offers unexported runs back once
        self.live.model_ready(classifier)
        folder = self.opener.take_pending_folder()
        if folder is not None:
            self.batch.set_folder(folder)

    # --- session events ------------------------------------------------------------------------------------

    def _on_image_ready(self, loaded: LoadedImage) -> None:
        tab = self.image_tab
        box = self.session.view_box() or Box(0, 0, loaded.qimage.width(), loaded.qimage.height())
        tab.view.set_image(loaded.qimage, box)
        tab.show_image_page(True)
        self._focus_tab()  # the welcome page's sample button that had the focus is gone
        tab.filmstrip.set_thumbnail(loaded.source, loaded.thumbnail)
        shown = tab.prediction.prediction
        if shown is None or loaded.source.path is None or shown.path != str(loaded.source.path):
            tab.prediction.clear_prediction()  # the previous image's; a top-5 read from this very file stays
        self.result = None
        self.failed_source = None
        if loaded.source.path is not None:
            self.settings.add_recent(loaded.source.path)
        self.feedback.clear_error()
        self.update_title()

    def _on_image_failed(self, source: ImageSource, message: str) -> None:
        """Show why ``source`` could not be opened in place of the previous image, and mark it in the strip."""
        tab = self.image_tab
        tab.view.set_error(self.tr("{name} could not be opened.").format(name=source.name) + f"\n\n{message}")
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
            parts.append(self.tr("{name} (could not be opened)").format(name=self.failed_source.name))
        if classifier is not None:
            parts.append(f"{classifier.info.name} · {classifier.info.label_set}")
        else:
            parts.append(self.tr("no model loaded"))
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
        self.live.shutdown()
        self.settings.geometry = self.saveGeometry()
        self.settings.sync()
        self.session.shutdown()
        super().closeEvent(event)
