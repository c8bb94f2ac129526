"""The ``onnxruntime`` and ``openvino`` runtimes for a PyTorch model: its plain forward passes run an ONNX export of
the network (made once per model with :func:`~model.export.onnx_export.export_onnx` and kept in the app's cache
folder), while explanations (captures, Grad-CAM) stay on the eager fp32 network it was exported from.

    clf = OnnxRuntimeClassifier(load_model("bundled"))      # fp32, onnxruntime's CPU (or CUDA) provider
    clf = OpenVinoClassifier(load_model("bundled"))         # OpenVINO's CPU plugin, bf16 on AVX-512-BF16 / AMX

Both need their optional package (the ``onnx`` extra; ``openvino``), checked by :mod:`model.runtime.runtimes`.
"""

from __future__ import annotations

import copy
import queue
import threading
from pathlib import Path

import numpy as np
import torch

from model.paths import cache_dir
from model.runtime.device import Placement, cpu_has_fast_bf16
from model.runtime.inference import Classifier
from model.runtime.owner import owner_of
from model.weights.loading import LoadedModel

_EXPORTING = threading.Lock()


def exported_path(loaded: LoadedModel) -> Path:
    """Return where the model's cached ONNX export lives: ``<cache folder>/exported/<key>.onnx`` (key: weights,
    config, preprocessing, torch's version)."""
    from model.runtime.compiled import model_key

    return cache_dir() / "exported" / f"{model_key(loaded)}.onnx"


def cached_export(loaded: LoadedModel) -> Path:
    """Return the model's ONNX file, exporting it first when the cache has none (dynamic batch, written
    atomically with its sidecar, so a second process never reads half a file). The export traces a copy of the
    network, taken while no pass can move it, so other threads keep running the shared one meanwhile (the Live
    tab's frames while its fast pass is made)."""
    from model.export.onnx_export import export_onnx

    path = exported_path(loaded)
    with _EXPORTING:
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            with owner_of(loaded.net).shared():
                snapshot = copy.deepcopy(loaded.net)
            export_onnx(LoadedModel(snapshot, loaded.info), path, force=True)
    return path


class _ExportedClassifier(Classifier):
    """A :class:`Classifier` whose plain forward passes run the cached ONNX export through another runtime."""

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed ``(B, 3, H, W)``."""
        logits = self._run(batch.float().contiguous().numpy())
        return torch.from_numpy(np.asarray(logits, dtype=np.float32)).softmax(-1)


class OnnxRuntimeClassifier(_ExportedClassifier):
    """The model's export in an onnxruntime session (fp32; the CUDA provider when installed and the device is
    CUDA). The eager network is kept, on the CPU in fp32, for explanations."""

    runtime = "onnxruntime"

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto"):
        import onnxruntime as ort

        from model.runtime.onnx_runtime import onnx_providers

        super().__init__(loaded, device, precision)
        providers, self._placement = onnx_providers(ort.get_available_providers(), self.owner.placement.device)
        self.session = ort.InferenceSession(str(cached_export(loaded)), providers=providers)
        self._input = self.session.get_inputs()[0].name
        self._output = self.session.get_outputs()[0].name

    @property
    def placement(self) -> Placement:
        """Where onnxruntime runs the plain passes (fp32)."""
        return self._placement

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        return self.session.run([self._output], {self._input: pixels})[0]


class OpenVinoClassifier(_ExportedClassifier):
    """The model's export compiled by OpenVINO for the CPU: bf16 inference where the CPU has AVX-512-BF16 or AMX
    (``INFERENCE_PRECISION_HINT``), else fp32. Each pass takes an idle infer request from a pool, or makes one:
    passes on several threads run at once, and no request lives in a thread's locals (a Qt pool thread that ends
    would destroy it while Python deletes the thread's state, which crashed the window).

    ``throughput`` (batch work, whose model lanes run batches at once: :func:`~model.batch.pipeline.model_lanes`):
    OpenVINO's throughput hint, one stream per lane, each on its share of the cores — ×1.21 the latency hint's
    images/s with two batches in flight on a 2-core Xeon with AMX (25.1 vs 20.7 img/s, coatnet_0_rw_224, batch 16),
    but one batch alone runs on half the cores. Else the latency hint: one pass on all cores, for single images."""

    runtime = "openvino"

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto", throughput: bool = False):
        import openvino as ov

        super().__init__(loaded, device, precision)
        bf16 = cpu_has_fast_bf16() and precision in ("auto", "bf16")
        config = {
            "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
            "PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY",
        }
        core = ov.Core()
        core.set_property({"CACHE_DIR": str(cache_dir() / "openvino")})  # OpenVINO's own compiled-blob cache
        # compiled from the path, not a read model: with the blob cached, OpenVINO then skips reading the ONNX file
        self.compiled = core.compile_model(str(cached_export(loaded)), "CPU", config)
        asked = self.owner.placement.device
        note = "" if asked == "cpu" else f"OpenVINO runs on the CPU here, not {asked}"
        self._placement = Placement("cpu", "bf16" if bf16 else "fp32", channels_last=False, note=note)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()  # infer requests no pass is using

    @property
    def placement(self) -> Placement:
        """Where OpenVINO runs the plain passes: the CPU, bf16 or fp32."""
        return self._placement

    def _run(self, pixels: np.ndarray) -> np.ndarray:
        try:
            request = self._idle.get_nowait()
        except queue.Empty:
            request = self.compiled.create_infer_request()
        try:
            return request.infer({0: pixels})[0].copy()
        finally:
            self._idle.put(request)
