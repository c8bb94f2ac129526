"""The window's save and copy intents for what the Image tab shows: the view as PNG (written off the GUI thread),
the raw overlay map as .npy with its JSON description, the view on the clipboard, the explanation sheet (maps and
their faithfulness computed on the model pool, the PNG rendered and written on the io pool). What they write and how
files are named lives in :mod:`coatnet_gui.image.saving`, free of Qt."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from coatnet_gui.image.saving import map_description, safe_name, suggested_name, write_map
from coatnet_gui.image.session import write_view_png
from coatnet_gui.image.sheet import SheetContent, SheetMap, gather_maps, settings_lines, write_sheet_png
from coatnet_gui.overlay.paint import render_view
from model.explain.faithfulness import DEFAULT_STEPS
from model.explain.maps import OverlayResult

if TYPE_CHECKING:
    from coatnet_gui.app.main_window import MainWindow


def name_for(window: MainWindow, suffix: str) -> str:
    """Return a file name (ending in ``suffix``) for the view or map ``window`` shows; see
    :func:`~coatnet_gui.image.saving.suggested_name`."""
    image = window.session.image
    return suggested_name(image.source.name if image is not None else None, window.result, suffix)


def describe_map(window: MainWindow, result: OverlayResult) -> dict[str, Any]:
    """Return the JSON description of ``result``'s raw map, with ``window``'s model and image."""
    session = window.session
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


def save_view(window: MainWindow, path: str) -> None:
    """Write ``window``'s view (image with overlay, at the image's resolution) to ``path`` as PNG, off the GUI
    thread: the status bar says "Saving…", then where it went; a failure shows in the banner."""
    state = window.current_view()
    if state is None:
        window.show_error("Open an image first: there is no view to save.")
        return
    snapshot = replace(state, layers=list(state.layers))  # the view may change while the worker paints
    name = Path(path).name
    window.statusBar().showMessage(f"Saving {name}…")
    window.session.run(
        "io",
        f"Saving {name}…",
        lambda: write_view_png(snapshot, path),
        lambda _none: window.statusBar().showMessage(f"Saved the view to {path}", 10_000),
        window.show_error,
    )


def save_map(window: MainWindow, path: str) -> None:
    """Write ``window``'s raw overlay map (on the block's grid; stacked for small multiples) to ``path`` (.npy),
    with a JSON file beside it (``path`` + ".json") that says what the array holds."""
    result = window.result
    if result is None:
        window.show_error("There is no overlay map to save yet.")
        return
    array = result.raw()
    try:
        write_map(path, array, describe_map(window, result))
    except OSError as exc:
        window.show_error(f"Could not write {path}: {exc.strerror or exc}.")
        return
    window.statusBar().showMessage(f"Saved the map {array.shape} and its description to {path}", 10_000)


def _suggest(window: MainWindow, suffix: str) -> str:
    return str(Path(window.settings.last_folder or Path.home()) / name_for(window, suffix))


def choose_save_view(window: MainWindow) -> None:
    """Ask where to save ``window``'s view as PNG, then save it."""
    path, _ = QFileDialog.getSaveFileName(window, "Save view", _suggest(window, ".png"), "PNG image (*.png)")
    if path:
        save_view(window, path)


def choose_save_map(window: MainWindow) -> None:
    """Ask where to save ``window``'s raw map, then save it."""
    path, _ = QFileDialog.getSaveFileName(window, "Save raw map", _suggest(window, ".npy"), "NumPy array (*.npy)")
    if path:
        save_map(window, path)


def export_sheet(window: MainWindow, path: str) -> None:
    """Write the explanation sheet of the image on screen to ``path`` as PNG: the image, the top-5, the model, its
    label set, device and precision, the settings, and the maps side by side with their faithfulness numbers. The
    maps are computed and scored on the model pool, the sheet painted and written (atomically) on the io pool; the
    status bar says where it went, a failure shows in the banner."""
    session, controls = window.session, window.image_tab.controls
    classifier, explanation, loaded, box = session.classifier, session.explanation, session.image, session.view_box()
    if classifier is None or explanation is None or loaded is None or box is None:
        window.show_error("Open an image first (and let it be explained): there is nothing to put on a sheet.")
        return
    spec, colormap, opacity = controls.spec(), controls.colormap(), controls.opacity()
    caption = window.result.caption if window.result is not None else "none yet"
    info, placement = classifier.info, classifier.placement
    model_lines = [
        info.name,
        f"Label set: {info.label_set}",
        f"Runs on {placement.device}, {placement.precision}; maps in fp32",
        f"Config {info.config_name} · {info.source}: {info.location}",
    ]
    settings = settings_lines(caption, colormap, opacity, DEFAULT_STEPS)
    prediction, name = explanation.prediction, Path(path).name

    def gathered(maps: list[SheetMap]) -> None:
        content = SheetContent(
            loaded.qimage, box, loaded.source.name, prediction, model_lines, settings, maps, colormap, opacity
        )
        session.run(
            "io",
            f"Saving {name}…",
            lambda: write_sheet_png(content, path),
            lambda _none: window.statusBar().showMessage(f"Exported the explanation sheet to {path}", 10_000),
            window.show_error,
        )

    window.statusBar().showMessage(f"Preparing {name}…")
    session.run(
        "model",
        f"Scoring the maps for {name}…",
        lambda: gather_maps(classifier, explanation, spec, box),
        gathered,
        window.show_error,
    )


def choose_export_sheet(window: MainWindow) -> None:
    """Ask where to write the explanation sheet, then write it."""
    image = window.session.image
    stem = Path(image.source.name).stem if image is not None else "view"
    suggested = str(Path(window.settings.last_folder or Path.home()) / f"{safe_name(stem)}_sheet.png")
    path, _ = QFileDialog.getSaveFileName(window, "Export explanation sheet", suggested, "PNG image (*.png)")
    if path:
        export_sheet(window, path)


def copy_view(window: MainWindow) -> None:
    """Put ``window``'s view (image with overlay) on the clipboard."""
    state = window.current_view()
    if state is None:
        window.show_error("Open an image first: there is no view to copy.")
        return
    QGuiApplication.clipboard().setImage(render_view(state))
    window.statusBar().showMessage("Copied the view to the clipboard", 3000)
