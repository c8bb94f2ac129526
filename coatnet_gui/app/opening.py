"""The window's intents that open things: file and folder dialogs, what a drop or the clipboard carries, and
folders handed to the batch labeller (with a hint when sub-folders holding images are left out). A video file,
wherever an image is accepted (a drop, a paste, the command line, the image dialog), plays in the Live tab."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QMimeData
from PySide6.QtWidgets import QTabWidget

from coatnet_gui.app.feedback import Feedback
from coatnet_gui.batch.view import BatchView
from coatnet_gui.image.session import Session
from coatnet_gui.image.sources import ImageSource, image_subfolders, sources_from_mime
from coatnet_gui.image.tab import ImageTab
from coatnet_gui.widgets.file_dialogs import FileDialogs
from model.data.decode import IMAGE_SUFFIXES
from model.video.files import is_video

translate = QCoreApplication.translate

CHECKPOINT_FILTER = QT_TRANSLATE_NOOP(
    "Opener", "Models (*.safetensors *.pth *.pt *.bin *.onnx);;ONNX, predictions only (*.onnx);;All files (*)"
)


class Opener:
    """Opens images in the Image tab, folders in the Batch tab and a video file in the Live tab (``open_video(path)``).
    It owns the folder waiting for a model (:meth:`take_pending_folder`); ``load_model(source)`` loads a chosen
    checkpoint."""

    def __init__(
        self,
        session: Session,
        tabs: QTabWidget,
        image_tab: ImageTab,
        batch: BatchView,
        dialogs: FileDialogs,
        feedback: Feedback,
        load_model: Callable[[str], None],
        open_video: Callable[[str], None],
    ):
        self.session, self.tabs, self.image_tab, self.batch = session, tabs, image_tab, batch
        self.dialogs, self.feedback, self.load_model, self.open_video = dialogs, feedback, load_model, open_video
        self.pending_folder: str | None = None  # a folder to label once the model is ready

    def open_sources(self, sources: list[ImageSource]) -> None:
        """Add ``sources`` to the filmstrip and show the first; the rest get thumbnails in the background. A video
        file among them plays in the Live tab instead, which then shows (one file at a time: the first; the status
        bar says how many more were left out)."""
        videos = [s.path for s in sources if s.path is not None and is_video(s.path)]
        sources = [s for s in sources if s.path not in videos]
        if sources:
            self._open_images(sources)
        if videos:
            self.open_video(videos[0])
            if len(videos) > 1:
                self.feedback.status(
                    translate(
                        "Opener", "Playing {name}; the Live tab plays one video at a time ({n} more left out)"
                    ).format(name=Path(videos[0]).name, n=len(videos) - 1),
                    30_000,
                )

    def _open_images(self, sources: list[ImageSource]) -> None:
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

    def open_folder(self, folder: str) -> None:
        """Hand ``folder`` to the batch labeller and show its tab; labelling starts once a model is ready. When
        sub-folders hold images but are not included, the status bar and the checkbox's tooltip say so."""
        self.batch.set_folder(folder)
        self.pending_folder = folder if self.session.classifier is None else None
        self.tabs.setCurrentWidget(self.batch)
        if not self.batch.recursive_box.isChecked():
            self.session.run(
                "io",
                "",
                lambda: image_subfolders(folder),
                lambda count: self._hint_subfolders(folder, count),
                lambda _message: None,  # an unreadable folder is the batch run's to report
            )

    def take_pending_folder(self) -> str | None:
        """Return the folder that waited for a model (None when none did) and forget it."""
        folder, self.pending_folder = self.pending_folder, None
        return folder

    def _hint_subfolders(self, folder: str, count: int) -> None:
        """Say that ``count`` sub-folders of ``folder`` with images are left out (nothing when there are none)."""
        recursive = self.batch.recursive_box
        if count == 0 or recursive.isChecked():
            return
        hint = (
            translate("Opener", "1 sub-folder of {name} with images not included — tick Include sub-folders")
            if count == 1
            else translate("Opener", "{n} sub-folders of {name} with images not included — tick Include sub-folders")
        ).format(n=count, name=Path(folder).name)
        recursive.setToolTip(hint)
        self.feedback.status(hint, 60_000)

    def open_mime(self, mime: QMimeData) -> None:
        """Open what a drop or the clipboard carries: image files, folders, browser images, URLs."""
        images, folders = sources_from_mime(mime)
        if not images and not folders:
            self.feedback.error(
                translate("Opener", "Nothing to open there: drop or paste image files, a folder, or an image.")
            )
            return
        if folders:
            self.open_folder(folders[0])
        if images:
            self.open_sources(images)

    def choose_images(self) -> None:
        """Ask for image files and open them."""
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES))
        paths = self.dialogs.open_files(
            "image",
            translate("Opener", "Open images"),
            translate("Opener", "Images ({patterns});;All files (*)").format(patterns=patterns),
        )
        if paths:
            self.open_sources([ImageSource.file(p) for p in paths])

    def choose_folder(self) -> None:
        """Ask for a folder and hand it to the batch labeller."""
        folder = self.dialogs.open_folder(translate("Opener", "Folder to label"))
        if folder:
            self.open_folder(folder)

    def choose_checkpoint(self) -> None:
        """Ask for a checkpoint file and load it."""
        path = self.dialogs.open_file(
            "checkpoint", translate("Opener", "Open checkpoint"), translate("Opener", CHECKPOINT_FILTER)
        )
        if path:
            self.load_model(path)
