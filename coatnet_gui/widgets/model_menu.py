"""The Model menu: the bundled model, every public checkpoint (size, cached or not), the recent models, the models
taught in this app (the data folder's ``taught-models/``), a local checkpoint, device."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from model.paths import taught_models_dir
from model.runtime.device import DEVICE_CHOICES, mps_available
from model.runtime.placement import Placement
from model.weights.loading import cached_tags
from model.weights.pretrained import PRETRAINED

DEVICE_TEXT = {  # translated where shown (context "ModelMenu")
    "auto": QT_TRANSLATE_NOOP("ModelMenu", "&Automatic"),
    "cuda": QT_TRANSLATE_NOOP("ModelMenu", "&CUDA (NVIDIA GPU)"),
    "mps": QT_TRANSLATE_NOOP("ModelMenu", "&MPS (Apple GPU)"),
    "cpu": QT_TRANSLATE_NOOP("ModelMenu", "C&PU"),
}


def device_available(device: str) -> bool:
    """Return True when ``device`` can be chosen on this machine."""
    if device == "cuda":
        import torch

        return torch.cuda.is_available()
    return mps_available() if device == "mps" else True


def model_text(source: str) -> str:
    """Return the menu text of model ``source``: "Bundled: …", a public tag, or a checkpoint's file name."""
    if source == "bundled":
        return QCoreApplication.translate("ModelMenu", "Bundled: Fashion-MNIST CoAtNet")
    text = source if source in PRETRAINED else Path(source).name or source
    return text.replace("&", "&&")  # an ampersand in a file name is not a mnemonic


def taught_models(folder: Path | None = None) -> list[Path]:
    """Return the checkpoints under ``folder`` (the data folder's ``taught-models/`` by default), newest first."""
    folder = folder if folder is not None else taught_models_dir()
    try:
        found = [p for p in folder.glob("*.safetensors") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


class ModelMenu(QMenu):
    """Emits ``model_chosen(source)`` ("bundled", a public tag or a checkpoint path: a recent or taught model),
    ``open_checkpoint()`` and ``device_chosen(device)``. ``set_active`` marks the model in use, ``set_recent``
    gives the recent models; the public and taught lists are read again each time their menu opens."""

    model_chosen = Signal(str)
    open_checkpoint = Signal()
    device_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(QCoreApplication.translate("ModelMenu", "&Model"), parent)
        self._models = QActionGroup(self)
        self._models.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.bundled_action = self._model_action(self, self.tr("&Bundled: Fashion-MNIST CoAtNet (offline)"), "bundled")
        self.bundled_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.public_menu = self.addMenu(self.tr("&Public ImageNet checkpoints"))
        self.public_menu.setToolTipsVisible(True)
        self.public_menu.aboutToShow.connect(self.refresh_public)
        self.refresh_public()
        self.recent_menu = self.addMenu(self.tr("&Recent models"))
        self.recent_menu.setToolTipsVisible(True)
        self._recent: list[str] = []
        self.set_recent([])
        self.taught_menu = self.addMenu(self.tr("Ta&ught models"))
        self.taught_menu.setToolTipsVisible(True)
        self.taught_menu.aboutToShow.connect(self.refresh_taught)
        self.refresh_taught()
        self.open_action = self.addAction(self.tr("&Open checkpoint…"))
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.open_action.setToolTip(
            self.tr(
                "A .safetensors / .pth / .pt / .bin file, a hub folder's weights, "
                "or an exported .onnx (predictions only)"
            )
        )
        self.open_action.triggered.connect(self.open_checkpoint)
        self.cancel_action = self.addAction(self.tr("&Cancel download"))
        self.cancel_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Cancel))
        self.cancel_action.setEnabled(False)
        self.addSeparator()
        self.device_menu = self.addMenu(self.tr("&Device"))
        devices = QActionGroup(self)
        self.device_actions: dict[str, QAction] = {}
        for device in DEVICE_CHOICES:
            action = self.device_menu.addAction(self.tr(DEVICE_TEXT[device]))
            action.setCheckable(True)
            action.setEnabled(device_available(device))
            action.triggered.connect(lambda _checked=False, d=device: self.device_chosen.emit(d))
            devices.addAction(action)
            self.device_actions[device] = action
        self.device_menu.addSeparator()
        self.placement_action = self.device_menu.addAction(self.tr("Running on: —"))
        self.placement_action.setEnabled(False)
        self._active = ""

    def _model_action(self, menu: QMenu, text: str, source: str) -> QAction:
        action = menu.addAction(text)
        action.setCheckable(True)
        action.setData(source)
        action.setChecked(source == getattr(self, "_active", ""))
        action.triggered.connect(lambda _checked=False, s=source: self.model_chosen.emit(s))
        self._models.addAction(action)
        return action

    def _clear(self, menu: QMenu) -> None:
        for action in menu.actions():
            self._models.removeAction(action)
        menu.clear()

    def _path_actions(self, menu: QMenu, sources: list[str], empty: str) -> None:
        """List ``sources`` in ``menu`` (a checkpoint that is gone greyed out), or ``empty`` when there are none."""
        self._clear(menu)
        for source in sources:
            action = self._model_action(menu, model_text(source), source)
            is_path = source != "bundled" and source not in PRETRAINED
            action.setToolTip(source if is_path else "")
            action.setEnabled(not is_path or Path(source).exists())
        if not sources:
            menu.addAction(empty).setEnabled(False)

    def set_recent(self, sources: list[str]) -> None:
        """List ``sources`` (the models loaded last, first) under "Recent models"."""
        self._recent = list(sources)
        self._path_actions(self.recent_menu, self._recent, self.tr("No recent models"))

    def refresh_taught(self) -> None:
        """List the checkpoints of the data folder's ``taught-models/`` (newest first) under "Taught models"."""
        taught = [str(p) for p in taught_models()]
        self._path_actions(self.taught_menu, taught, self.tr("No taught models yet (Model ▸ Teach your classes…)"))

    def refresh_public(self) -> None:
        """Rebuild the public checkpoint list with sizes and "cached" marks (reads the cache, no network)."""
        self._clear(self.public_menu)
        cached = set(cached_tags())
        for tag, entry in PRETRAINED.items():
            where = self.tr("cached") if tag in cached else self.tr("download")
            text = self.tr("{tag}   —   {mb} MB · {where}").format(tag=tag, mb=entry.size_mb, where=where)
            action = self._model_action(self.public_menu, text, tag)
            side = entry.preprocess.input_size[0]
            action.setToolTip(
                self.tr("{n} classes ({labels}), input {side} px").format(
                    n=entry.num_classes, labels=entry.label_set, side=side
                )
            )

    def set_active(self, source: str) -> None:
        """Check the menu entry of the model in use (none for a local checkpoint)."""
        self._active = source
        for action in self._models.actions():
            action.setChecked(action.data() == source)

    def set_device(self, device: str, placement: Placement | None) -> None:
        """Check ``device`` and show where the model actually runs, with its precision."""
        self.device_actions[device].setChecked(True)
        if placement is not None:
            self.placement_action.setText(
                self.tr("Running on: {device}, {precision}").format(
                    device=placement.device, precision=placement.precision
                )
            )

    def set_downloading(self, downloading: bool) -> None:
        """Enable "Cancel download" while a model loads."""
        self.cancel_action.setEnabled(downloading)
