"""The main window: menus and shortcuts, drag and drop, the Image and Batch tabs, and the wiring between the
widgets (which render state and emit intents) and the :class:`~coatnet_gui.session.Session` (which runs the
model off the GUI thread)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QTabWidget, QVBoxLayout, QWidget

from coatnet_gui.app.gc_guard import collect_on_gui_thread
from coatnet_gui.app.settings import Settings
from coatnet_gui.batch.view import BatchView
from coatnet_gui.image.session import Session, write_map, write_view_png
from coatnet_gui.image.sources import ImageSource, LoadedImage, image_subfolders, sources_from_mime
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.overlay.geometry import Box
from coatnet_gui.overlay.maps import OverlayResult, OverlaySpec
from coatnet_gui.overlay.paint import ViewState, colorize, render_view
from coatnet_gui.widgets.banner import MessageBanner
from coatnet_gui.widgets.download_bar import DownloadBar
from coatnet_gui.widgets.help_dialog import show_shortcuts
from coatnet_gui.widgets.model_menu import ModelMenu
from coatnet_gui.widgets.welcome import sample_images
from model.data.decode import IMAGE_SUFFIXES
from model.explain.capture import list_blocks
from model.runtime.inference import Classifier, Explanation, Prediction

APP_NAME = "CoAtNet Lens"
CHECKPOINT_FILTER = "Checkpoints (*.safetensors *.pth *.pt *.bin);;All files (*)"
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(text: str) -> str:
    """Return ``text`` usable in a file name on every platform (runs of other characters become one "_")."""
    return _UNSAFE_NAME.sub("_", text).strip("._") or "view"


class MainWindow(QMainWindow):
    """The app's window. It loads ``settings.model`` on ``settings.device`` as soon as it is created."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        collect_on_gui_thread()  # before any worker thread starts (run_app did it; tests build windows directly)
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
        self._build_menus()
        self._connect()
        controls = self.image_tab.controls
        controls.set_spec(settings.overlay)
        controls.set_appearance(settings.colormap, settings.opacity, settings.overlay_visible)
        self._apply_appearance()
        if settings.geometry is not None:
            self.restoreGeometry(settings.geometry)
        else:
            self.resize(1366, 768)
        self._update_title()
        self.load_model(settings.model)

    # --- construction --------------------------------------------------------------------------------------

    def _make_batch_view(self) -> BatchView:
        """Return the Batch tab, opening a double-clicked row in the Image tab."""
        view = BatchView(lambda: self.session.classifier, self)
        view.open_image_requested.connect(self.open_path)
        view.model_requested.connect(self.load_model)
        view.close_approved.connect(self.close)
        view.session.offers.connect(self._on_batch_offers)
        return view

    def _on_batch_offers(self, states: list) -> None:
        if states:
            runs = "A batch run" if len(states) == 1 else f"{len(states)} batch runs"
            message = f"{runs} with unexported results can be resumed in the Batch tab (Ctrl+B)."
            self.statusBar().showMessage(message, 30_000)  # not the banner: that one is for errors and notes

    def _action(self, menu: QMenu, text: str, shortcut: str | QKeySequence.StandardKey | None, slot) -> QAction:
        action = menu.addAction(text)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work while the menu bar is hidden or another tab has focus
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&Open images…", QKeySequence.StandardKey.Open, self.choose_images)
        self._action(file, "Open &folder for batch labelling…", "Ctrl+Shift+O", self.choose_folder)
        self._action(file, "&Paste image", QKeySequence.StandardKey.Paste, self.paste)
        self.recent_menu = file.addMenu("&Recent files")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        samples = file.addMenu("&Samples")
        for path in sample_images():
            self._action(samples, path.name, None, lambda p=str(path): self.open_path(p))
        file.addSeparator()
        self._action(file, "&Save view as PNG…", QKeySequence.StandardKey.Save, self.choose_save_view)
        self._action(file, "Save raw &map as .npy…", "Ctrl+Shift+S", self.choose_save_map)
        self._action(file, "&Copy view", QKeySequence.StandardKey.Copy, self.copy_view)
        file.addSeparator()
        self._action(file, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        view = bar.addMenu("&View")
        self._action(view, "&Image tab", "Ctrl+I", lambda: self.tabs.setCurrentIndex(0))
        self._action(view, "&Batch tab", "Ctrl+B", lambda: self.tabs.setCurrentIndex(1))
        self._action(view, "&Next image", "Alt+Right", lambda: self.image_tab.filmstrip.step(1))
        self._action(view, "&Previous image", "Alt+Left", lambda: self.image_tab.filmstrip.step(-1))
        overlay = bar.addMenu("&Overlay")
        c = self.image_tab.controls
        self.toggle_action = self._action(overlay, "&Show overlay", "Ctrl+H", c.visible_box.toggle)
        self.toggle_action.setCheckable(True)
        self._action(overlay, "&Relative attention", "Ctrl+1", lambda: c.set_kind("attention"))
        self._action(overlay, "Conv &activations", "Ctrl+2", lambda: c.set_kind("activation"))
        self._action(overlay, "&Grad-CAM", "Ctrl+3", lambda: c.set_kind("gradcam"))
        overlay.addSeparator()
        self._action(overlay, "Next &block", "Ctrl+Down", lambda: c.step_block(1))
        self._action(overlay, "Previous b&lock", "Ctrl+Up", lambda: c.step_block(-1))
        self._action(overlay, "Next &head", "Ctrl+Right", lambda: c.step_head(1))
        self._action(overlay, "Previous h&ead", "Ctrl+Left", lambda: c.step_head(-1))
        self._action(overlay, "Next &mode", "Ctrl+Shift+Down", lambda: c.step_mode(1))
        self._action(overlay, "Previous m&ode", "Ctrl+Shift+Up", lambda: c.step_mode(-1))
        self._action(overlay, "More o&paque", "Ctrl+]", lambda: c.step_opacity(1))
        self._action(overlay, "More &transparent", "Ctrl+[", lambda: c.step_opacity(-1))
        self._action(overlay, "Next &colour map", "Ctrl+K", lambda: c.step_colormap(1))
        self._action(overlay, "&Query point to the centre", "Ctrl+Home", lambda: c.set_query(0.5, 0.5))
        overlay.addSeparator()
        for rank in range(1, 6):
            self._action(overlay, f"Grad-CAM of class #{rank}", f"Alt+{rank}", lambda r=rank: self.grad_cam_rank(r))
        bar.addMenu(self.model_menu)
        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", QKeySequence.StandardKey.HelpContents, self.show_shortcuts)

    def _connect(self) -> None:
        s, tab = self.session, self.image_tab
        s.model_loading.connect(self._on_model_loading)
        s.download_progress.connect(self.download_bar.progress)
        s.model_ready.connect(self._on_model_ready)
        s.model_failed.connect(self._on_model_failed)
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
        self.model_menu.open_checkpoint.connect(self.choose_checkpoint)
        self.model_menu.device_chosen.connect(self.set_device)
        tab.welcome.sample_chosen.connect(self.open_path)
        tab.filmstrip.chosen.connect(s.open_image)
        tab.view.query_picked.connect(tab.controls.set_query)
        tab.view.hovered.connect(tab.show_hover)
        tab.prediction.class_clicked.connect(tab.controls.set_class)
        tab.controls.spec_changed.connect(self._on_spec_changed)
        tab.controls.appearance_changed.connect(self._apply_appearance)

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
        """Hand ``folder`` to the batch labeller and show its tab; labelling starts once a model is ready. When
        sub-folders hold images but are not included, the status bar and the checkbox's tooltip say so."""
        set_folder = getattr(self.batch, "set_folder", None)
        if set_folder is None:
            self.show_error(f"Batch labelling is not available in this build, so {folder} cannot be labelled.")
            return
        set_folder(folder)
        self.pending_folder = folder if self.session.classifier is None else None
        self.tabs.setCurrentWidget(self.batch)
        recursive = getattr(self.batch, "recursive_box", None)
        if recursive is None or not recursive.isChecked():
            self.session.run(
                "io",
                "",
                lambda: image_subfolders(folder),
                lambda count: self._hint_subfolders(folder, count),
                lambda _message: None,  # an unreadable folder is the batch run's to report
            )

    def _hint_subfolders(self, folder: str, count: int) -> None:
        """Say that ``count`` sub-folders of ``folder`` with images are left out (nothing when there are none)."""
        recursive = getattr(self.batch, "recursive_box", None)
        if count == 0 or (recursive is not None and recursive.isChecked()):
            return
        folders = "1 sub-folder" if count == 1 else f"{count} sub-folders"
        if recursive is not None:
            hint = f"{folders} of {Path(folder).name} with images not included — tick Include sub-folders"
            recursive.setToolTip(hint)
        else:
            hint = f"{folders} of {Path(folder).name} with images are not labelled"
        self.statusBar().showMessage(hint, 60_000)

    def open_mime(self, mime: QMimeData) -> None:
        """Open what a drop or the clipboard carries: image files, folders, browser images, URLs."""
        images, folders = sources_from_mime(mime)
        if not images and not folders:
            self.show_error("Nothing to open there: drop or paste image files, a folder, or an image.")
            return
        if folders:
            self.open_folder(folders[0])
        if images:
            self.open_sources(images)

    def paste(self) -> None:
        """Open the image (or the files, or the address) on the clipboard."""
        self.open_mime(QGuiApplication.clipboard().mimeData())

    def choose_images(self) -> None:
        """Ask for image files and open them."""
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Open images", self.settings.last_folder, f"Images ({patterns});;All files (*)"
        )
        if paths:
            self.settings.last_folder = str(Path(paths[0]).parent)
            self.open_sources([ImageSource.file(p) for p in paths])

    def choose_folder(self) -> None:
        """Ask for a folder and hand it to the batch labeller."""
        folder = QFileDialog.getExistingDirectory(self, "Folder to label", self.settings.last_folder)
        if folder:
            self.settings.last_folder = folder
            self.open_folder(folder)

    def choose_checkpoint(self) -> None:
        """Ask for a checkpoint file and load it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open checkpoint", self.settings.last_folder, CHECKPOINT_FILTER)
        if path:
            self.settings.last_folder = str(Path(path).parent)
            self.load_model(path)

    def grad_cam_rank(self, rank: int) -> None:
        """Show Grad-CAM for the class ranked ``rank`` (1 = top) in the prediction."""
        prediction = self.image_tab.prediction.prediction
        if prediction is not None and rank <= len(prediction.indices):
            self.image_tab.controls.set_class(prediction.indices[rank - 1])

    def current_view(self) -> ViewState | None:
        """Return the view's state (image, model view, overlay), or None when no image is shown."""
        return self.image_tab.view.state

    def save_view(self, path: str) -> None:
        """Write the view (image with overlay, at the image's resolution) to ``path`` as PNG, off the GUI thread:
        the status bar says "Saving…", then where it went; a failure shows in the banner."""
        state = self.current_view()
        if state is None:
            self.show_error("Open an image first: there is no view to save.")
            return
        snapshot = replace(state, layers=list(state.layers))  # the view may change while the worker paints
        name = Path(path).name
        self.statusBar().showMessage(f"Saving {name}…")
        self.session.run(
            "io",
            f"Saving {name}…",
            lambda: write_view_png(snapshot, path),
            lambda _none: self.statusBar().showMessage(f"Saved the view to {path}", 10_000),
            self.show_error,
        )

    def save_map(self, path: str) -> None:
        """Write the raw overlay map (on the block's grid; stacked for small multiples) to ``path`` (.npy), with
        a JSON file beside it (``path`` + ".json") that says what the array holds."""
        if self.result is None:
            self.show_error("There is no overlay map to save yet.")
            return
        array = self.result.raw()
        try:
            write_map(path, array, self.map_metadata(self.result))
        except OSError as exc:
            self.show_error(f"Could not write {path}: {exc.strerror or exc}.")
            return
        self.statusBar().showMessage(f"Saved the map {array.shape} and its description to {path}", 10_000)

    def map_metadata(self, result: OverlayResult) -> dict[str, Any]:
        """Return what the raw map of ``result`` holds, for the JSON file saved beside it: model, image, kind,
        block, mode, head, class, query point, grid, value unit and range, dtype."""
        spec, classifier, image = result.spec, self.session.classifier, self.session.image
        array = result.raw()
        labels = classifier.label_names if classifier is not None else []
        class_index = spec.class_index
        if spec.kind == "gradcam" and class_index is None and self.session.explanation is not None:
            class_index = int(self.session.explanation.probs.argmax())
        gradcam = spec.kind == "gradcam"
        mode = None if gradcam else spec.attention_mode if spec.kind == "attention" else spec.activation_mode
        source = image.source if image is not None else None
        return {
            "model": classifier.info.name if classifier is not None else None,
            "model_source": self.session.model_source,
            "image": (source.path or source.url or source.name) if source is not None else None,
            "kind": spec.kind,
            "block": result.block.name,
            "block_label": result.block.label,
            "mode": mode,
            "head": spec.head if spec.uses_head else None,
            "channel": spec.channel if spec.kind == "activation" and spec.activation_mode == "channel" else None,
            "class_index": class_index if gradcam else None,
            "class_name": labels[class_index]
            if gradcam and class_index is not None and class_index < len(labels)
            else None,
            "query": list(spec.query) if spec.uses_query else None,
            "query_convention": "(fy, fx): fractions of the model's view, from the top left",
            "grid": list(result.block.grid),
            "shape": list(array.shape),
            "panels": [panel.title for panel in result.panels],
            "unit": result.unit,
            "range": [float(array.min()), float(array.max())] if array.size else None,
            "dtype": str(array.dtype),
        }

    def choose_save_view(self) -> None:
        """Ask where to save the view as PNG."""
        path, _ = QFileDialog.getSaveFileName(self, "Save view", self._suggest(".png"), "PNG image (*.png)")
        if path:
            self.save_view(path)

    def choose_save_map(self) -> None:
        """Ask where to save the raw map."""
        path, _ = QFileDialog.getSaveFileName(self, "Save raw map", self._suggest(".npy"), "NumPy array (*.npy)")
        if path:
            self.save_map(path)

    def suggested_name(self, suffix: str) -> str:
        """Return a file name for the view or map on screen that says what it shows: the image, then block,
        mode and head (attention), mode and channel (activations) or class (Grad-CAM), e.g.
        ``boot_stages.2.blocks.0_query_head1.png``."""
        image = self.session.image
        parts = [Path(image.source.name).stem if image is not None else "view"]
        result = self.result
        if result is not None:
            spec = result.spec
            parts.append(result.block.name)
            if spec.kind == "attention":
                parts.append(spec.attention_mode)
                if spec.uses_head:
                    parts.append(f"head{spec.head}" if isinstance(spec.head, int) else f"heads-{spec.head}")
            elif spec.kind == "activation":
                parts.append(spec.activation_mode)
                if spec.activation_mode == "channel":
                    parts.append(f"ch{spec.channel}")
            else:
                parts.append("gradcam")
                if spec.class_index is not None:
                    parts.append(f"class{spec.class_index}")
        return "_".join(_safe_name(part) for part in parts) + suffix

    def _suggest(self, suffix: str) -> str:
        return str(Path(self.settings.last_folder or Path.home()) / self.suggested_name(suffix))

    def copy_view(self) -> None:
        """Put the view (image with overlay) on the clipboard."""
        state = self.current_view()
        if state is None:
            self.show_error("Open an image first: there is no view to copy.")
            return
        QGuiApplication.clipboard().setImage(render_view(state))
        self.statusBar().showMessage("Copied the view to the clipboard", 3000)

    def show_error(self, message: str) -> None:
        """Show ``message`` in the banner and the status bar; the window stays usable."""
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message, 10_000)

    def show_shortcuts(self) -> None:
        """List every menu action with its shortcut."""
        show_shortcuts(self, self.menuBar())

    # --- session events ------------------------------------------------------------------------------------

    def _on_model_loading(self, source: str) -> None:
        self.download_bar.start(Path(source).name if Path(source).exists() else source)
        self.model_menu.set_downloading(True)

    def _on_model_ready(self, classifier: Classifier) -> None:
        self.download_bar.finish()
        self.model_menu.set_downloading(False)
        self.model_menu.set_active(self.session.model_source)
        self.model_menu.set_device(self.settings.device, classifier.placement)
        self.settings.model = self.session.model_source
        info, placement = classifier.info, classifier.placement
        self.image_tab.prediction.set_model(info, placement)
        controls = self.image_tab.controls
        if self.session.model_source != self.shown_model:  # another model's class numbers mean other classes
            self.shown_model = self.session.model_source
            controls.set_spec(replace(controls.spec(), class_index=None))
        controls.set_model(list_blocks(classifier.net), info.label_names)
        self.model_status.setText(f"{info.name} · {info.label_set} · {placement.device} {placement.precision}")
        if self.banner.kind == "error":
            self.banner.dismiss()
        if placement.note:
            self.banner.show_message(placement.note, "info")
        box = self.session.view_box()
        if box is not None:
            self.image_tab.view.set_view_box(box)
        self.result = None
        self._update_title()
        self.batch.model_ready(self.session.model_source)  # offers unexported runs back once
        if self.pending_folder is not None:
            folder, self.pending_folder = self.pending_folder, None
            self.batch.set_folder(folder)

    def _on_model_failed(self, message: str) -> None:
        self.download_bar.finish()
        self.model_menu.set_downloading(False)
        self.model_menu.set_active(self.session.model_source)
        if self.session.classifier is None and self.requested_model != "bundled":
            self.banner.show_message(f"{message} Using the bundled model instead.", "info")
            self.load_model("bundled")

    def _on_image_ready(self, loaded: LoadedImage) -> None:
        tab = self.image_tab
        box = self.session.view_box() or Box(0, 0, loaded.qimage.width(), loaded.qimage.height())
        tab.view.set_image(loaded.qimage, box)
        tab.show_image_page(True)
        tab.filmstrip.set_thumbnail(loaded.source, loaded.thumbnail)
        tab.prediction.clear_prediction()
        self.result = None
        self.failed_source = None
        if loaded.source.path is not None:
            self.settings.add_recent(loaded.source.path)
        if self.banner.kind == "error":
            self.banner.dismiss()
        self._update_title()

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
        self._update_title()

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
        self.settings.overlay = replace(spec, class_index=None)
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

    def _update_title(self) -> None:
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

    def _fill_recent(self) -> None:
        """List the recent files; those that are gone (or were stored relative to another folder) are disabled."""
        self.recent_menu.clear()
        for path in self.settings.recent:
            exists = Path(path).is_absolute() and Path(path).is_file()
            action = self.recent_menu.addAction(path if exists else f"{path} (not found)")
            action.setEnabled(exists)
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if self.settings.recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear recent files").triggered.connect(self.settings.clear_recent)
        else:
            self.recent_menu.addAction("No recent files").setEnabled(False)

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
