"""Which runtime runs a model's plain forward passes, and the automatic choice.

* ``torch``: the eager network (bf16 autocast + channels_last on a CPU with AMX or AVX-512-BF16; see
  :mod:`model.runtime.device`) — :class:`~model.runtime.inference.Classifier`;
* ``compiled``: the same network through ``torch.compile`` with inductor's on-disk cache —
  :class:`~model.runtime.compiled.CompiledClassifier` (eager until the background compile is done);
* ``onnxruntime`` / ``openvino``: the model's cached ONNX export — :mod:`model.runtime.exported`.

Every one keeps the eager fp32 network for explanations (maps, Grad-CAM). The automatic rule (``auto``,
:func:`auto_runtime`), from ``benchmarks/bench_runtimes.py`` (README, "Runtimes"): on a GPU ``torch``; on a CPU
``openvino`` when installed, else ``compiled`` — for batch work (``label``) always, for single images
(``classify``) only when the export or the compiled graphs are already cached here, else ``torch``. The window
always runs ``torch``: nothing may delay its first prediction.
"""

from __future__ import annotations

import importlib.util

from model.choices import RUNTIME_CHOICES
from model.export import onnx_missing
from model.runtime.inference import Classifier
from model.weights.layout import WeightsError
from model.weights.loading import LoadedModel

PACKAGES = {  # runtime: (the package it needs beside onnx, how to install both)
    "onnxruntime": ("onnxruntime", "pip install 'coatnet-lens[onnx]'"),
    "openvino": ("openvino", "pip install 'coatnet-lens[onnx,openvino]'"),
}


class RuntimeUnavailable(WeightsError):
    """The runtime asked for cannot run here; the message is one line saying why and what to do."""


def unavailable_reason(runtime: str) -> str:
    """Return why ``runtime`` cannot run here in one line ("" when it can)."""
    if runtime not in RUNTIME_CHOICES:
        return f"unknown runtime {runtime!r}: choose one of {', '.join(RUNTIME_CHOICES)}"
    if runtime in PACKAGES:
        module, install = PACKAGES[runtime]
        missing = [name for name in ("onnx", module) if importlib.util.find_spec(name) is None]  # onnx: the export
        if missing:
            return onnx_missing(f"--runtime {runtime}", " and ".join(missing), install)
    if runtime == "compiled":
        import torch

        if not hasattr(torch, "compile"):
            return "--runtime compiled needs torch.compile (PyTorch 2)"
    return ""


def auto_runtime(loaded: LoadedModel, device: str, batch_work: bool) -> str:
    """Return the runtime ``auto`` means for ``loaded`` on ``device`` (as asked: "auto", "cpu", ...).

    Off the CPU: ``torch``. On the CPU, fastest first as measured (README, Runtimes): ``openvino`` when it is
    installed, for ``batch_work`` or when this model's export is already cached; else ``compiled`` for
    ``batch_work`` or when this model was compiled here before; else ``torch`` (a single image must not wait for
    an export or a compile)."""
    from model.runtime.compiled import is_compiled_here
    from model.runtime.device import choose_placement
    from model.runtime.exported import exported_path

    if choose_placement(device).device != "cpu":
        return "torch"
    if not unavailable_reason("openvino") and (batch_work or exported_path(loaded).is_file()):
        return "openvino"
    if batch_work or is_compiled_here(loaded):
        return "compiled"
    return "torch"


def open_runtime(
    loaded: LoadedModel,
    runtime: str = "torch",
    device: str = "auto",
    *,
    batch_work: bool = False,
    batch_sizes: tuple[int, ...] = (),
) -> Classifier:
    """Return the classifier running ``loaded`` with ``runtime`` (one of :data:`~model.choices.RUNTIME_CHOICES`;
    "auto" as :func:`auto_runtime`). ``batch_sizes``: what the compiled runtime compiles for (empty: its default);
    ``batch_work`` also gives OpenVINO its throughput hint (batches in flight at once, one stream each).
    Raises
    :class:`RuntimeUnavailable` (one line) when the runtime cannot run here."""
    if runtime == "auto":
        runtime = auto_runtime(loaded, device, batch_work)
    reason = unavailable_reason(runtime)
    if reason:
        raise RuntimeUnavailable(reason)
    if runtime == "compiled":
        from model.runtime.compiled import CompiledClassifier

        return CompiledClassifier(loaded, device, batch_sizes=batch_sizes)
    if runtime == "onnxruntime":
        from model.runtime.exported import OnnxRuntimeClassifier

        return OnnxRuntimeClassifier(loaded, device)
    if runtime == "openvino":
        from model.runtime.exported import OpenVinoClassifier

        return OpenVinoClassifier(loaded, device, throughput=batch_work)
    return Classifier(loaded, device=device)
