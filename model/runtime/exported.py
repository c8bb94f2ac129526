"""The ``onnxruntime`` and ``openvino`` runtimes for a PyTorch model: its plain forward passes run an ONNX export of
the network (made once per model with :func:`~model.export.onnx_export.export_onnx` and kept in the app's cache
folder), while explanations (captures, Grad-CAM) stay on the eager fp32 network it was exported from.

    clf = OnnxRuntimeClassifier(load_model("bundled"))      # fp32, onnxruntime's CPU (or CUDA) provider
    clf = OpenVinoClassifier(load_model("bundled"))         # OpenVINO's CPU plugin, bf16 on AVX-512-BF16 / AMX

Both need their optional package (the ``onnx`` extra; ``openvino``), checked by :mod:`model.runtime.runtimes`.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path

import torch

from model.paths import cache_dir
from model.runtime.engines import OnnxRuntimeEngine, OpenVinoEngine
from model.runtime.inference import Classifier
from model.runtime.owner import owner_of
from model.runtime.placement import Placement
from model.runtime.predictor import softmax
from model.weights.loading import LoadedModel

_EXPORTING = threading.Lock()


def exported_path(loaded: LoadedModel) -> Path:
    """Return where the model's cached ONNX export lives: ``<cache folder>/exported/<key>.onnx`` (key: weights,
    config, preprocessing, torch's version)."""
    from model.runtime.compiled import model_key

    return cache_dir() / "exported" / f"{model_key(loaded)}.onnx"


def cached_export(loaded: LoadedModel, apart: bool = False) -> Path:
    """Return the model's ONNX file, exporting it first when the cache has none (dynamic batch, written
    atomically with its sidecar, so a second process never reads half a file). The export traces a copy of the
    network, taken while no pass can move it, so other threads keep running the shared one meanwhile (the Live
    tab's frames while its fast pass is made). ``apart``: the export runs in a child process
    (:func:`~model.export.apart.export_apart`), whose GIL is its own: the window's event loop keeps turning (where
    the app can start one: not frozen)."""
    from model.export.apart import CAN_EXPORT_APART, export_apart
    from model.export.onnx_export import export_onnx

    path = exported_path(loaded)
    with _EXPORTING:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            hold = owner_of(loaded.net).shared
            if apart and CAN_EXPORT_APART:
                export_apart(loaded, path, hold)
            else:
                with hold():
                    snapshot = copy.deepcopy(loaded.net)
                export_onnx(LoadedModel(snapshot, loaded.info), path, force=True)
    return path


class _ExportedClassifier(Classifier):
    """A :class:`Classifier` whose plain forward passes run the cached ONNX export through an engine of
    :mod:`model.runtime.engines` (``export_path`` names the file); explanations stay on the eager network."""

    engine: OpenVinoEngine | OnnxRuntimeEngine
    export_path: Path

    @property
    def placement(self) -> Placement:
        """Where the engine runs the plain passes, in what precision."""
        return self.engine.placement

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed ``(B, 3, H, W)``: the
        softmax of :mod:`model.runtime.predictor`, as a run of the export without torch computes it, so that a
        journal continued by the other path holds the same rows to the last digit."""
        return torch.from_numpy(softmax(self.engine.run(batch.float().contiguous().numpy())))


class OnnxRuntimeClassifier(_ExportedClassifier):
    """The model's export in an onnxruntime session (fp32; the CUDA provider when installed and the device is
    CUDA). The eager network is kept, on the CPU in fp32, for explanations."""

    runtime = "onnxruntime"

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto"):
        super().__init__(loaded, device, precision)
        self.export_path = cached_export(loaded)
        self.engine = OnnxRuntimeEngine(self.export_path, self.owner.placement.device)


class OpenVinoClassifier(_ExportedClassifier):
    """The model's export compiled by OpenVINO for the CPU (:class:`~model.runtime.engines.OpenVinoEngine`: bf16
    where the CPU runs it fast; ``throughput`` for batch work; ``export_apart``: a missing export is made in a child
    process, for a window). The eager network is kept for explanations."""

    runtime = "openvino"

    def __init__(
        self,
        loaded: LoadedModel,
        device: str = "auto",
        precision: str = "auto",
        throughput: bool = False,
        export_apart: bool = False,
    ):
        super().__init__(loaded, device, precision)
        self.export_path = cached_export(loaded, apart=export_apart)
        self.engine = OpenVinoEngine(self.export_path, precision, throughput, asked=self.owner.placement.device)
