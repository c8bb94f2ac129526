"""The Teach dialog of the Batch tab: teach a model the user's classes from the shown run's rows or from a labelled
folder, watch the loss and held-out accuracy per epoch, cancel; at the end the new model becomes the active one
and "Relabel" labels the folder again with it.

The dialog is not modal: the window stays usable while teaching runs off the GUI thread
(:class:`~coatnet_gui.teach.controller.TeachController`), and closing the dialog leaves the teaching running
("Teach…" shows it again).

Teaching from the run's rows learns from every row, not only the corrected ones
(:func:`~model.teach.dataset.labelled_from_rows`): a corrected row is ground truth, an uncorrected one carries the
model's label as the user accepted it by leaving it, when its probability is at or above the dialog's floor (0 %:
every row). So the classes the user never touched stay, and correcting a few rows can only add to what the model
knew (taught from the corrected rows alone, a model forgets every class nobody corrected)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from coatnet_gui.teach.chart import TrainingChart
from coatnet_gui.teach.controller import TeachController
from coatnet_gui.teach.rows_source import describe_rows
from coatnet_gui.widgets.theme import text_colour
from coatnet_gui.workers import Workers
from model.paths import taught_models_dir
from model.teach import TeachProgress, TeachResult, TeachSettings
from model.teach.dataset import TableRow

MODES = (  # the texts are translated where they are shown (context "TeachDialog")
    ("head", QT_TRANSLATE_NOOP("TeachDialog", "Head only: the base frozen, its features cached (fast, also on a CPU)")),
    ("finetune", QT_TRANSLATE_NOOP("TeachDialog", "Fine-tune the last stage and the head (slow without a GPU)")),
)
_PHASES = {
    "features": QT_TRANSLATE_NOOP("TeachDialog", "Reading features"),
    "train": QT_TRANSLATE_NOOP("TeachDialog", "Training"),
    "evaluate": QT_TRANSLATE_NOOP("TeachDialog", "Checking on held-out images"),
}
# the share of the bar each phase fills, in order: reading features is the long part on a CPU
_BAR_SHARES = {"features": (0, 400), "train": (400, 950), "evaluate": (950, 1000)}
_BAR_MAX = 1000
FLOOR_TIP = QT_TRANSLATE_NOOP(
    "TeachDialog",
    "Teaching learns from every row of the run: a row you corrected counts with your class, a row you left counts "
    "with the model's label, as you accepted it. Raise this to use only the model's labels it is at least this "
    "sure of (the corrected rows always count). 0 %: every row, which measured best on Fashion-MNIST.",
)


def default_output(name: str) -> Path:
    """Return a new checkpoint path for a model taught on ``name`` (a folder's name) in the app's data folder:
    ``<data>/taught-models/<name>-<date>-<time>.safetensors``, numbered when that exists."""
    stem = f"{name or 'model'}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder = taught_models_dir()
    path, n = folder / f"{stem}.safetensors", 2
    while path.exists():
        path, n = folder / f"{stem}-{n}.safetensors", n + 1
    return path


class TeachDialog(QDialog):
    """See the module docstring; its teaching runs on ``workers`` (the app's worker facility). :meth:`prepare` hands
    it the run's rows, the base model and the device before it is shown. Signals: ``taught(checkpoint)`` when a
    model is written (the owner makes it the active model), ``relabel_requested()`` from "Relabel"."""

    taught = Signal(str)
    relabel_requested = Signal()

    def __init__(self, workers: Workers, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Teach your classes"))
        self.controller = TeachController(workers, self)
        self.rows: list[TableRow] = []
        self._suggested = ("", "")  # (the run's folder name, the output suggested for it)
        self.base = ""
        self.device = "auto"
        self.result: TeachResult | None = None
        self.active_source = ""  # the active model's source, as the window last reported it
        self._build()
        c = self.controller
        c.progress.connect(self._on_progress)
        c.finished.connect(self._on_finished)
        c.failed.connect(self._on_failed)
        c.cancelled.connect(self._on_cancelled)
        c.running_changed.connect(self._set_running)
        self._set_running(False)

    def _build(self) -> None:
        self.rows_button = QRadioButton(self.tr("This run's rows"))
        self.rows_button.setChecked(True)
        self.floor_spin = QSpinBox()
        self.floor_spin.setRange(0, 99)
        self.floor_spin.setSuffix(" %")
        self.floor_spin.setPrefix(self.tr("accept the model's label at or above "))
        self.floor_spin.setToolTip(self.tr(FLOOR_TIP))
        self.floor_spin.setAccessibleName("Accept the model's label at or above this confidence")
        self.floor_spin.valueChanged.connect(lambda _value: self._describe_rows())
        rows_row = QHBoxLayout()
        rows_row.addWidget(self.rows_button)
        rows_row.addWidget(self.floor_spin)
        rows_row.addStretch(1)
        self.folder_button = QRadioButton(self.tr("Labelled folder (one sub-folder per class):"))
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName("Labelled folder")
        self.folder_edit.setPlaceholderText(self.tr("A folder with one sub-folder of images per class"))
        self.folder_edit.textEdited.connect(lambda _text: self.folder_button.setChecked(True))
        choose_folder = QPushButton(self.tr("Choose…"))
        choose_folder.setAccessibleName("Choose the labelled folder")
        choose_folder.clicked.connect(self._choose_folder)
        folder_row = QHBoxLayout()
        for w, stretch in ((self.folder_button, 0), (self.folder_edit, 1), (choose_folder, 0)):
            folder_row.addWidget(w, stretch)

        self.base_label = QLabel()
        self.mode_box = QComboBox()
        for mode, text in MODES:
            self.mode_box.addItem(self.tr(text), mode)
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(0, 1000)
        self.epochs_spin.setSpecialValueText(self.tr("the mode's default"))
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName("Save the model as")
        choose_out = QPushButton(self.tr("Save as…"))
        choose_out.clicked.connect(self._choose_output)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(choose_out)
        form = QFormLayout()
        form.addRow(self.tr("Base model:"), self.base_label)
        form.addRow(self.tr("Mode:"), self.mode_box)
        form.addRow(self.tr("Epochs:"), self.epochs_spin)
        form.addRow(self.tr("Save the model as:"), out_row)

        self.chart = TrainingChart()
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, _BAR_MAX)
        self.progress_bar.reset()  # no percentage before teaching starts
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the path, to copy
        # the layout does not grow a shown dialog for a longer wrapped text: room for the result's four lines
        self.status.setMinimumHeight(4 * self.status.fontMetrics().lineSpacing())
        self.error_label = QLabel("")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {text_colour('#c02020', self.palette()).name()};")
        self.error_label.hide()

        self.teach_button = QPushButton(self.tr("Teach"))
        self.teach_button.setDefault(True)
        self.teach_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel teaching"))
        self.cancel_button.clicked.connect(self.controller.cancel)
        self.relabel_button = QPushButton(self.tr("Relabel the folder with it"))
        self.relabel_button.clicked.connect(self.relabel_requested)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.hide)
        buttons = QHBoxLayout()
        for w in (self.teach_button, self.cancel_button, self.relabel_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Teach from:")))
        layout.addLayout(rows_row)
        layout.addLayout(folder_row)
        layout.addLayout(form)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

    # --- intents -------------------------------------------------------------------------------------------

    def prepare(self, rows: list[TableRow], base: str, device: str, name: str) -> None:
        """Offer the shown run's ``rows`` as the data, teaching on the base model ``base`` on ``device``; suggest a
        new output named after ``name``, the run's folder (ignored while teaching runs). A suggestion the user did
        not edit follows the run's folder; one the user typed stays until a model is written."""
        if self.controller.running:
            return
        self.rows, self.base, self.device = list(rows), base, device
        self._describe_rows()
        if not self.rows:
            self.folder_button.setChecked(True)
        self.base_label.setText(base or self.tr("no model loaded"))
        last_name, last_out = self._suggested
        follows = name != last_name and self.out_edit.text() == last_out  # the user did not edit the suggestion
        if not self.out_edit.text() or self.result is not None or follows:
            out = str(default_output(name))
            self.out_edit.setText(out)
            self._suggested = (name, out)
        self._set_running(False)

    def _describe_rows(self) -> None:
        if not self.rows:
            self.rows_button.setText(self.tr("This run's rows: no run is shown yet"))
            return
        images, corrected, classes = describe_rows(self.rows, self.floor_spin.value() / 100)
        line = self.tr("This run's rows: {images}, {corrected:,} corrected, {classes}")
        text = line.format(images=self._images(images), corrected=corrected, classes=self._classes(classes))
        if not corrected and classes >= 2:
            # taught from its own labels alone a model cannot get them more right (measured: 94.17 % -> 94.07 % of
            # 3,000 Fashion-MNIST labels, benchmarks/bench_relabel.py); corrections are what it learns from
            text += self.tr(" (none corrected yet: the new model would only learn the labels this one gave)")
        self.rows_button.setText(text)

    def _images(self, count: int) -> str:
        """Return "1 image" or "{count} images", translated."""
        return (self.tr("{n:,} image") if count == 1 else self.tr("{n:,} images")).format(n=count)

    def _classes(self, count: int) -> str:
        """Return "1 class" or "{count} classes", translated."""
        return (self.tr("{n:,} class") if count == 1 else self.tr("{n:,} classes")).format(n=count)

    def settings(self) -> TeachSettings:
        """Return the settings chosen in the dialog."""
        epochs = self.epochs_spin.value()
        return TeachSettings(mode=self.mode_box.currentData(), epochs=epochs or None, device=self.device)

    def start(self) -> None:
        """Teach with the chosen data, mode and output; a problem found before starting is shown in the dialog."""
        out = self.out_edit.text().strip()
        if self.rows_button.isChecked():
            source: list[TableRow] | str = self.rows
            images, _, classes = describe_rows(self.rows, self.floor_spin.value() / 100)
            if classes < 2:
                self._show_error(self._rows_advice(images, classes))
                return
        else:
            source = self.folder_edit.text().strip()
            if not os.path.isdir(source):
                self._show_error(self.tr("{path} is not a folder.").format(path=source or self.tr("Nothing")))
                return
        if not self.base:
            self._show_error(self.tr("No model is loaded to teach on yet."))
            return
        if not out:
            self._show_error(self.tr("Say where to save the model."))
            return
        if not out.endswith(".safetensors"):
            out += ".safetensors"
            self.out_edit.setText(out)
        if os.path.exists(out):
            self._show_error(
                self.tr("{path} exists already: choose another name (nothing is overwritten).").format(path=out)
            )
            return
        self.error_label.hide()
        self.result = None
        settings = self.settings()
        self.chart.clear(settings.epochs or 0)
        self.status.setText(self.tr("Starting…"))
        self.progress_bar.setValue(0)
        self.controller.start(self.base, source, out, settings, min_prob=self.floor_spin.value() / 100)

    def _rows_advice(self, images: int, classes: int) -> str:
        """Return what to do when the run's rows give fewer than two classes."""
        if images == 0:
            return self.tr("This run has no labelled rows to teach from (lower the floor, or label a folder first).")
        return self.tr(
            "Teaching needs at least two classes, and the run's rows give {classes}: give some "
            "rows another class in the table (Set class…), or lower the floor so that more of the model's labels count."
        ).format(classes=self._classes(classes))

    def model_active(self, source: str) -> None:
        """Note that the window's active model is now ``source``; "Relabel" is offered once that is the taught
        model."""
        self.active_source = source
        active = self.tr(" It is the active model now.")
        if self.result is not None and source == str(self.result.checkpoint) and active not in self.status.text():
            self.status.setText(self.status.text() + active)
        self._set_running(self.controller.running)

    # --- controller events -----------------------------------------------------------------------------------

    def _set_running(self, running: bool) -> None:
        self.teach_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.folder_button, self.folder_edit, self.mode_box, self.epochs_spin):
            w.setEnabled(not running)
        self.rows_button.setEnabled(not running and bool(self.rows))
        self.floor_spin.setEnabled(not running and bool(self.rows))
        self.out_edit.setEnabled(not running)
        taught_active = self.result is not None and self.active_source == str(self.result.checkpoint)
        self.relabel_button.setEnabled(not running and taught_active)

    def _on_progress(self, p: TeachProgress) -> None:
        low, high = _BAR_SHARES.get(p.phase, (0, _BAR_MAX))
        self.progress_bar.setValue(low + (high - low) * min(p.done, p.total) // max(1, p.total))
        what = self.tr(_PHASES[p.phase]) if p.phase in _PHASES else p.phase
        units = {
            "features": self.tr("{what}: {done:,} of {total:,} images"),
            "train": self.tr("{what}: {done:,} of {total:,} epochs"),
        }
        line = units[p.phase] if p.phase in units else self.tr("{what}…")
        line = line.format(what=what, done=p.done, total=p.total)
        if p.phase == "train" and p.loss is not None:
            if self.chart.total_epochs < p.total:
                self.chart.total_epochs = p.total
            self.chart.add(p.done, p.loss, p.val_accuracy)
            held_out = self.tr(", held-out accuracy {accuracy:.1%}")
            accuracy = held_out.format(accuracy=p.val_accuracy) if p.val_accuracy is not None else ""
            line += self.tr(" · loss {loss:.4f}").format(loss=p.loss) + accuracy
        self.status.setText(line)

    def _on_finished(self, result: TeachResult) -> None:
        self.result = result
        skipped = self.tr(" {n} files were skipped.").format(n=len(result.skipped)) if result.skipped else ""
        line = self.tr(
            "Taught {classes} ({names}): held-out accuracy {accuracy:.1%}, features: {features}. "
            "Saved {path} (model card beside it)."
        )
        names = ", ".join(result.classes)
        self.status.setText(
            line.format(
                classes=self._classes(len(result.classes)),
                names=names,
                accuracy=result.val_accuracy,
                features=result.features,
                path=result.checkpoint,
            )
            + skipped
        )
        self.progress_bar.setValue(_BAR_MAX)
        self._set_running(False)
        self.taught.emit(str(result.checkpoint))

    def _on_failed(self, message: str) -> None:
        if self.rows_button.isChecked() and "at least two classes" in message:  # the core's advice is for folders
            images, _, classes = describe_rows(self.rows, self.floor_spin.value() / 100)
            message = self._rows_advice(images, min(classes, 1))
        self._show_error(self.tr("Teaching failed: {message}").format(message=message))
        self.status.setText("")
        self.progress_bar.reset()

    def _on_cancelled(self) -> None:
        self.progress_bar.reset()
        self.status.setText(self.tr("Teaching cancelled; nothing was saved."))

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Teach from the labelled folder"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)
            self.folder_button.setChecked(True)

    def _choose_output(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the taught model as"),
            self.out_edit.text(),
            self.tr("Checkpoints (*.safetensors)"),
            options=QFileDialog.Option.DontConfirmOverwrite,  # an existing file is refused, never overwritten
        )
        if path:
            self.out_edit.setText(path)

    def shutdown(self) -> None:
        """Stop any teaching and wait for it (before the window closes)."""
        self.controller.shutdown()
