"""The engines that run an ONNX export of a network on the CPU without torch: OpenVINO and onnxruntime. Each
takes the normalised float32 batch ``(B, 3, H, W)`` as a numpy array and returns the logits ``(B, classes)``;
its ``placement`` says where and in what precision it runs. Used by the exported runtimes of a loaded network
(:mod:`model.runtime.exported`) and by a run of a cached export without torch (:mod:`model.runtime.export_card`).
"""

from __future__ import annotations

import queue
from pathlib import Path

import numpy as np

from model.paths import cache_dir
from model.runtime.placement import Placement, cpu_has_fast_bf16


class OpenVinoEngine:
    """An ONNX file compiled by OpenVINO for the CPU: bf16 inference where the CPU has AVX-512-BF16 or AMX
    (``INFERENCE_PRECISION_HINT``) and ``precision`` allows it, else fp32. Each pass takes an idle infer request
    from a pool, or makes one: passes on several threads run at once, and no request lives in a thread's locals (a
    Qt pool thread that ends would destroy it while Python deletes the thread's state, which crashed the window).

    ``throughput`` (batch work, whose model lanes run batches at once: :func:`~model.batch.pipeline.model_lanes`):
    OpenVINO's throughput hint, one stream per lane, each on its share of the cores — ×1.21 the latency hint's
    images/s with two batches in flight on a 2-core Xeon with AMX (25.1 vs 20.7 img/s, coatnet_0_rw_224, batch 16),
    but one batch alone runs on half the cores. Else the latency hint: one pass on all cores, for single images.
    ``asked``: the device the user asked for (a note says when it is not the CPU)."""

    def __init__(self, path: Path, precision: str = "auto", throughput: bool = False, asked: str = "cpu"):
        import openvino as ov

        bf16 = cpu_has_fast_bf16() and precision in ("auto", "bf16")
        config = {
            "INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
            "PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY",
        }
        core = ov.Core()
        core.set_property({"CACHE_DIR": str(cache_dir() / "openvino")})  # OpenVINO's own compiled-blob cache
        # compiled from the path, not a read model: with the blob cached, OpenVINO then skips reading the ONNX file
        self.compiled = core.compile_model(str(path), "CPU", config)
        note = "" if asked == "cpu" else f"OpenVINO runs on the CPU here, not {asked}"
        self.placement = Placement("cpu", "bf16" if bf16 else "fp32", channels_last=False, note=note)
        self._idle: queue.SimpleQueue = queue.SimpleQueue()  # infer requests no pass is using

    def run(self, pixels: np.ndarray) -> np.ndarray:
        """Return the logits float32 ``(B, classes)`` of the normalised batch ``pixels`` ``(B, 3, H, W)``."""
        try:
            request = self._idle.get_nowait()
        except queue.Empty:
            request = self.compiled.create_infer_request()
        try:
            return np.asarray(request.infer({0: pixels})[0], dtype=np.float32).copy()
        finally:
            self._idle.put(request)


class OnnxRuntimeEngine:
    """An ONNX file in an onnxruntime session (fp32; the CUDA provider when installed and ``device`` is CUDA or
    "auto", else the CPU). Safe to run from several threads at once (onnxruntime's ``run`` is)."""

    def __init__(self, path: Path, device: str = "cpu"):
        import onnxruntime as ort

        providers, self.placement = onnx_providers(ort.get_available_providers(), device)
        self.session = ort.InferenceSession(str(path), providers=providers)
        self._input = self.session.get_inputs()[0].name
        self._output = self.session.get_outputs()[0].name

    def run(self, pixels: np.ndarray) -> np.ndarray:
        """Return the logits float32 ``(B, classes)`` of the normalised batch ``pixels`` ``(B, 3, H, W)``."""
        return np.asarray(self.session.run([self._output], {self._input: pixels})[0], dtype=np.float32)


def onnx_providers(available: list[str], device: str) -> tuple[list[str], Placement]:
    """Return onnxruntime's providers for ``device`` and the :class:`Placement` they mean."""
    if device in ("auto", "cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"], Placement("cuda", "fp32", channels_last=False)
    note = ""
    if device in ("cuda", "mps"):
        note = f"{device} was asked for but onnxruntime here runs on the CPU only; using the CPU"
    return ["CPUExecutionProvider"], Placement("cpu", "fp32", channels_last=False, note=note)
