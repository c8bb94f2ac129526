"""An exported ONNX file (``coatnet-gui export``) run through onnxruntime, behind the same interface as the
PyTorch :class:`~model.runtime.inference.Classifier`: ``classify_files``, ``classify_image``, ``probabilities``,
``top_k_batch``, ``info``, ``placement``. The CLI's ``classify`` and ``label`` and the window's predictions use it
unchanged; what it cannot do is explain: maps (attention, Grad-CAM, activations) need the PyTorch network, and
:attr:`OnnxClassifier.maps_unavailable` says so.

Class names and preprocessing come from the file's metadata (or its JSON sidecar; :mod:`model.export.metadata`).
onnxruntime is imported only when an ONNX file is opened (the ``onnx`` extra).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from model.export import onnx_missing
from model.export.metadata import info_from_description, read_description
from model.runtime.engines import OnnxRuntimeEngine
from model.runtime.placement import Placement
from model.runtime.predictor import Predictor, softmax
from model.weights.labels import describe_labels, read_class_map
from model.weights.layout import WeightsError

MAPS_NEED_CHECKPOINT = (
    "Maps (attention, Grad-CAM, activations) need the PyTorch checkpoint: an ONNX file gives predictions only. "
    "Open the checkpoint it was exported from (Model ▸ Open) to see them."
)


class OnnxClassifier(Predictor):
    """The ONNX file at ``path`` in an onnxruntime session: predictions, no maps.

    ``device`` "auto" or "cuda" uses onnxruntime's CUDA provider when it is installed, else the CPU (with a note
    when CUDA was asked for); "mps" runs on the CPU with a note. ``labels`` (a text file, one name per line)
    replaces the class names. Raises :class:`~model.weights.checkpoint.WeightsError` with one line when the file
    cannot be opened, was not exported by CoAtNet Lens, or onnxruntime is missing. Safe to call from several
    threads at once (onnxruntime's ``run`` is).
    """

    runtime = "onnxruntime"
    maps_unavailable = MAPS_NEED_CHECKPOINT
    net = None  # no PyTorch network: nothing to capture

    def __init__(self, path: str | os.PathLike, device: str = "auto", labels: str | os.PathLike | None = None):
        try:
            import onnxruntime  # noqa: F401  (only to say it is missing)
        except ImportError:
            raise WeightsError(onnx_missing("opening an ONNX file", "onnxruntime")) from None
        path = Path(path).expanduser()
        if not path.is_file():
            raise WeightsError(f"No such file: {path}.")
        try:
            self.engine = OnnxRuntimeEngine(path, device)
        except Exception as exc:  # onnxruntime's own kinds (InvalidProtobuf, Fail, ...): the file is not usable
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise WeightsError(f"{path.name} could not be opened by onnxruntime: {reason}") from None
        self.session = self.engine.session
        props = dict(self.session.get_modelmeta().custom_metadata_map)
        self.info = info_from_description(read_description(path, props), path)
        if labels is not None:
            names = read_class_map(Path(labels), self.info.num_classes)
            self.info.label_names, self.info.label_set = names, describe_labels(names)
            self.info.label_source = f"{Path(labels).name} (--labels)"
        width = self.session.get_outputs()[0].shape[-1]
        if isinstance(width, int) and width != self.info.num_classes:
            raise WeightsError(f"{path.name} gives {width} logits but names {self.info.num_classes} classes.")
        batch = self.session.get_inputs()[0].shape[0]
        self.fixed_batch = batch if isinstance(batch, int) else None  # exported with --batch N

    @property
    def placement(self) -> Placement:
        """Where onnxruntime runs the file (always fp32); its ``note`` says why when not where asked."""
        return self.engine.placement

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Return softmax probabilities ``(B, classes)`` float32 for a normalised batch ``(B, 3, H, W)``; a file
        exported with a fixed batch size runs in chunks of that size (the last one padded)."""
        pixels = np.ascontiguousarray(batch, dtype=np.float32)
        step = self.fixed_batch or len(pixels)
        parts = []
        for start in range(0, len(pixels), max(step, 1)):
            chunk = pixels[start : start + step]
            if len(chunk) < step:
                chunk = np.concatenate([chunk, np.zeros((step - len(chunk), *chunk.shape[1:]), chunk.dtype)])
            logits = self.engine.run(chunk)
            parts.append(logits[: len(pixels) - start])
        return softmax(np.concatenate(parts))

    def explain(self, image: object) -> None:
        """Raise RuntimeError: maps need the PyTorch checkpoint (see :data:`MAPS_NEED_CHECKPOINT`)."""
        raise RuntimeError(MAPS_NEED_CHECKPOINT)
