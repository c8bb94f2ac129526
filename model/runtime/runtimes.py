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
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from model.cancel import CancelToken
from model.choices import RUNTIME_CHOICES
from model.export import onnx_missing
from model.runtime import export_card
from model.weights.layout import WeightsError

if TYPE_CHECKING:
    from model.runtime.inference import Classifier
    from model.runtime.predictor import Predictor
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
    from model.runtime.inference import Classifier

    return Classifier(loaded, device=device)


def is_onnx_file(source: str | os.PathLike) -> bool:
    """Return whether ``source`` names an ONNX file (by its suffix), which :class:`OnnxClassifier` runs."""
    return os.fspath(source).lower().endswith(".onnx")


def open_predictor(
    source: str | os.PathLike,
    device: str = "auto",
    *,
    labels: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    runtime: str | None = None,
    batch_work: bool = False,
    batch_sizes: tuple[int, ...] = (),
    maps: bool = False,
) -> Predictor:
    """Return the classifier for ``source``: an ``.onnx`` file runs through onnxruntime
    (:class:`~model.runtime.onnx_runtime.OnnxClassifier`, predictions only); a model whose cached export
    ``runtime`` would run, unchanged since its card was left, runs that export without torch
    (:class:`~model.runtime.export_card.ExportPredictor`; not when ``maps`` are wanted); anything else
    :func:`~model.weights.loading.load_model` opens, run by ``runtime`` (None: torch; torch, compiled, onnxruntime,
    openvino or auto: :func:`open_runtime`, with ``batch_work`` and ``batch_sizes``), and an exported runtime
    leaves the card for the next process. ``labels``, ``progress`` and ``cancel`` as for ``load_model``. Raises
    :class:`~model.weights.layout.WeightsError` with one line (:class:`RuntimeUnavailable` for a runtime that cannot
    run here)."""
    if is_onnx_file(source):
        from model.runtime.onnx_runtime import OnnxClassifier  # onnxruntime only when an ONNX file is opened

        if runtime not in (None, "auto", "onnxruntime"):
            raise RuntimeUnavailable(f"an .onnx file runs through onnxruntime, not --runtime {runtime}")
        return OnnxClassifier(source, device=device, labels=labels)
    seen = None  # the stamps of the model's files, taken before loading (export_card.stamps)
    if runtime not in (None, "torch"):  # a runtime that may run an export: its card
        seen = export_card.current_stamps(source, labels)
        exported = None if maps else export_card.open_from_card(source, labels, runtime, device, batch_work, seen)
        if exported is not None:
            return exported
    from model.runtime.inference import Classifier
    from model.weights.loading import load_model

    loaded = load_model(source, progress=progress, cancel=cancel, labels=labels)
    if runtime in (None, "torch"):
        return Classifier(loaded, device=device)
    clf = open_runtime(loaded, runtime, device, batch_work=batch_work, batch_sizes=batch_sizes)
    if seen is not None and clf.runtime in export_card.EXPORTED_RUNTIMES:
        export_card.write_card(source, labels, seen, clf.info, clf.export_path)
    return clf
