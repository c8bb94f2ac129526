"""The window's save and copy intents for what the Image tab shows: the view as PNG (written off the GUI thread),
the raw overlay map as .npy with its JSON description, the view on the clipboard, the explanation sheet (maps and
their faithfulness computed on the model pool, the PNG rendered and written on the io pool). What they write and how
files are named lives in :mod:`coatnet_gui.image.saving`, free of Qt. :class:`ViewExport` gets the parts it uses (the
session, the Image tab, the file dialogs, the feedback) rather than the window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication

from coatnet_gui.app.feedback import Feedback
from coatnet_gui.image.saving import map_description, suggested_name, write_map
from coatnet_gui.image.session import Session, write_view_png
from coatnet_gui.image.sheet import SheetContent, SheetMap, gather_maps, sanity_line, settings_lines, write_sheet_png
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.overlay.paint import ViewState, render_view
from coatnet_gui.widgets.file_dialogs import FileDialogs
from model.explain.faithfulness import DEFAULT_STEPS
from model.explain.maps import OverlayResult
from model.names import file_stem

translate = QCoreApplication.translate


class ViewExport:
    """Saving, exporting and copying what the Image tab shows: ``session`` runs the jobs, ``tab`` has the view and
    the controls, ``result()`` is the overlay on screen (None when there is none)."""

    def __init__(
        self,
        session: Session,
        tab: ImageTab,
        dialogs: FileDialogs,
        feedback: Feedback,
        result: Callable[[], OverlayResult | None],
    ):
        self.session, self.tab, self.dialogs, self.feedback, self.result = session, tab, dialogs, feedback, result

    def current_view(self) -> ViewState | None:
        """Return the view's state (image, model view, overlay), or None when no image is shown."""
        return self.tab.view.state

    def name_for(self, suffix: str) -> str:
        """Return a file name (ending in ``suffix``) for the view or map the tab shows; see
        :func:`~coatnet_gui.image.saving.suggested_name`."""
        image = self.session.image
        return suggested_name(image.source.name if image is not None else None, self.result(), suffix)

    def describe_map(self, result: OverlayResult) -> dict[str, Any]:
        """Return the JSON description of ``result``'s raw map, with the tab's model and image."""
        session = self.session
        classifier, image, explanation = session.classifier, session.image, session.explanation
        source = image.source if image is not None else None
        return map_description(
            result,
            model_name=classifier.info.name if classifier is not None else None,
            model_source=session.model_source,
            label_names=classifier.label_names if classifier is not None else [],
            image=(source.path or source.url or source.name) if source is not None else None,
            top_class=int(explanation.probs.argmax()) if explanation is not None else None,
        )

    def save_view(self, path: str) -> None:
        """Write the tab's view (image with overlay, at the image's resolution) to ``path`` as PNG, off the GUI
        thread: the status bar says "Saving…", then where it went; a failure shows in the banner."""
        state = self.current_view()
        if state is None:
            self.feedback.error(translate("ViewExport", "Open an image first: there is no view to save."))
            return
        snapshot = replace(state, layers=list(state.layers))  # the view may change while the worker paints
        name = Path(path).name
        saving = translate("ViewExport", "Saving {name}…").format(name=name)
        self.feedback.status(saving)
        self.session.run(
            "io",
            saving,
            lambda: write_view_png(snapshot, path),
            lambda _none: self.feedback.status(
                translate("ViewExport", "Saved the view to {path}").format(path=path), 10_000
            ),
            self.feedback.error,
        )

    def save_map(self, path: str) -> None:
        """Write the tab's raw overlay map (on the block's grid; stacked for small multiples) to ``path`` (.npy),
        with a JSON file beside it (``path`` + ".json") that says what the array holds."""
        result = self.result()
        if result is None:
            self.feedback.error(translate("ViewExport", "There is no overlay map to save yet."))
            return
        array = result.raw()
        try:
            write_map(path, array, self.describe_map(result))
        except OSError as exc:
            self.feedback.error(
                translate("ViewExport", "Could not write {path}: {error}.").format(path=path, error=exc.strerror or exc)
            )
            return
        saved = translate("ViewExport", "Saved the map {shape} and its description to {path}")
        self.feedback.status(saved.format(shape=array.shape, path=path), 10_000)

    def choose_save_view(self) -> None:
        """Ask where to save the tab's view as PNG, then save it."""
        path = self.dialogs.save_file(
            "view",
            translate("ViewExport", "Save view"),
            self.name_for(".png"),
            translate("ViewExport", "PNG image (*.png)"),
        )
        if path:
            self.save_view(path)

    def choose_save_map(self) -> None:
        """Ask where to save the tab's raw map, then save it."""
        path = self.dialogs.save_file(
            "map",
            translate("ViewExport", "Save raw map"),
            self.name_for(".npy"),
            translate("ViewExport", "NumPy array (*.npy)"),
        )
        if path:
            self.save_map(path)

    def export_sheet(self, path: str) -> None:
        """Write the explanation sheet of the image on screen to ``path`` as PNG: the image, the top-5, the model, its
        label set, device and precision, the settings, and the maps side by side with their faithfulness numbers. The
        maps are computed and scored on the model pool, the sheet painted and written (atomically) on the io pool; the
        status bar says where it went, a failure shows in the banner."""
        session, controls = self.session, self.tab.controls
        classifier, explanation, loaded = session.classifier, session.explanation, session.image
        box = session.view_box()
        if classifier is None or explanation is None or loaded is None or box is None:
            self.feedback.error(
                translate(
                    "ViewExport", "Open an image first (and let it be explained): there is nothing to put on a sheet."
                )
            )
            return
        spec, colormap, opacity = controls.spec(), controls.colormap(), controls.opacity()
        result = self.result()
        caption = result.caption if result is not None else "none yet"
        info, placement = classifier.info, classifier.placement
        model_lines = [
            info.name,
            f"Label set: {info.label_set}",
            f"Runs on {placement.device}, {placement.precision}; maps in fp32",
            f"Config {info.config_name} · {info.source}: {info.location}",
        ]
        fill = self.session.fill
        settings = settings_lines(caption, colormap, opacity, DEFAULT_STEPS, fill)
        report = self.tab.checks.sanity.report  # the Sanity tab's run on this image, if any (cleared with the image)
        settings += [sanity_line(report)] if report is not None else []
        # one prediction per image: the panel's (in the placement's precision), else the explanation pass's (fp32)
        prediction = self.tab.prediction.prediction or explanation.prediction
        name = Path(path).name

        def gathered(maps: list[SheetMap]) -> None:
            content = SheetContent(
                loaded.qimage, box, loaded.source.name, prediction, model_lines, settings, maps, colormap, opacity
            )
            exported = translate("ViewExport", "Exported the explanation sheet to {path}").format(path=path)
            session.run(
                "io",
                translate("ViewExport", "Saving {name}…").format(name=name),
                lambda: write_sheet_png(content, path),
                lambda _none: self.feedback.status(exported, 10_000),
                self.feedback.error,
            )

        self.feedback.status(translate("ViewExport", "Preparing {name}…").format(name=name))
        session.run(
            "model",
            translate("ViewExport", "Scoring the maps for {name}…").format(name=name),
            lambda: gather_maps(classifier, explanation, spec, box, fill),
            gathered,
            self.feedback.error,
        )

    def choose_export_sheet(self) -> None:
        """Ask where to write the explanation sheet, then write it."""
        image = self.session.image
        stem = Path(image.source.name).stem if image is not None else "view"
        name = f"{file_stem(stem)}_sheet.png"
        path = self.dialogs.save_file(
            "sheet",
            translate("ViewExport", "Export explanation sheet"),
            name,
            translate("ViewExport", "PNG image (*.png)"),
        )
        if path:
            self.export_sheet(path)

    def copy_view(self) -> None:
        """Put the tab's view (image with overlay) on the clipboard."""
        state = self.current_view()
        if state is None:
            self.feedback.error(translate("ViewExport", "Open an image first: there is no view to copy."))
            return
        QGuiApplication.clipboard().setImage(render_view(state))
        self.feedback.status(translate("ViewExport", "Copied the view to the clipboard"), 3000)
