"""From image files to predictions and explanations: the one path the GUI, the CLI and the batch labeller share.

    clf = Classifier(load_model("bundled"))
    [pred] = clf.classify_files(["shoe.png"])        # Prediction(labels=[...], probs=[...], ...)
    exp = clf.explain(load_image("shoe.png"))        # everything the overlays need, from one forward pass

Device and precision come from :mod:`model.runtime.device`; every result names the ones used. The network's compute
and placement belong to its :class:`~model.runtime.owner.NetworkOwner`: every pass here holds it (plain forward
passes together, captures and backward passes alone), so the Image tab, the Batch tab and scripts can share one
``Classifier`` (or several on one network) from any threads.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch
from PIL import Image

from model.cancel import CancelToken
from model.choices import TOP_K
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg
from model.data.transform import load_and_preprocess, preprocess
from model.explain.capture import BlockInfo, Captured, capture, list_blocks
from model.explain.introspect import grad_cam
from model.runtime.device import Placement, choose_placement
from model.runtime.owner import NetworkOwner, owner_of
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel, load_model


def top_k_lines(labels: list[str], probs: list[float]) -> list[str]:
    """Return one ``" 97.1%  label"`` line per class (the CLI's and the Batch table's top-k text)."""
    return [f"{p * 100:5.1f}%  {label}" for label, p in zip(labels, probs, strict=True)]


@dataclass
class Prediction:
    """The top-k classes of one image. ``error`` is None when it worked; when it did not, the lists are
    empty and ``error`` says why in one line. ``seconds`` is the model's time for this image."""

    path: str | None
    labels: list[str]
    indices: list[int]
    probs: list[float]
    model: str
    device: str
    precision: str
    seconds: float = 0.0
    error: str | None = None

    def as_json(self) -> dict:
        """Return the JSON-ready fields: path, labels, indices, probs, model, device, precision, error."""
        return {
            "path": self.path,
            "labels": self.labels,
            "indices": self.indices,
            "probs": [round(p, 6) for p in self.probs],
            "model": self.model,
            "device": self.device,
            "precision": self.precision,
            "error": self.error,
        }


class Predictor:
    """What every classifier offers, whatever runs it: class names, preprocessing, top-k predictions from files or
    images. A subclass sets ``info`` (:class:`~model.weights.loading.ModelInfo`), provides ``placement`` and
    :meth:`probabilities`; ``maps_unavailable`` says why it cannot explain ("" when it can: :class:`Classifier`).
    """

    info: ModelInfo
    runtime = "torch"  # what runs the network: one of model.choices.RUNTIME_CHOICES but "auto"
    maps_unavailable = ""

    @property
    def placement(self) -> Placement:
        """Where and in what precision the network runs."""
        raise NotImplementedError

    @property
    def runtime_now(self) -> str:
        """What runs the plain forward passes at this moment (the progress line's word): ``runtime`` unless the
        runtime is still getting ready (the compiled one says "torch, compiling")."""
        return self.runtime

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed ``(B, 3, H, W)``."""
        raise NotImplementedError

    @property
    def preprocess_cfg(self) -> PreprocessCfg:
        """The model's preprocessing (its :class:`~model.weights.loading.ModelInfo`'s)."""
        return self.info.preprocess

    @property
    def label_names(self) -> list[str]:
        """The class names, index-aligned with the logits."""
        return self.info.label_names

    def top_k(self, probs: torch.Tensor, k: int, path: str | None = None, seconds: float = 0.0) -> Prediction:
        """Return the :class:`Prediction` for one probability vector ``(classes,)``."""
        return self.top_k_batch(probs[None], k, [path], seconds)[0]

    def top_k_batch(
        self, probs: torch.Tensor, k: int, paths: list[str | None], seconds: float = 0.0
    ) -> list[Prediction]:
        """Return one :class:`Prediction` per row of ``probs`` ``(B, classes)`` (``paths[i]`` for row i);
        ``seconds`` is the model's time per image."""
        values, indices = probs.topk(min(k, probs.shape[-1]), dim=-1)
        names = self.label_names
        return [
            Prediction(
                path=path,
                labels=[names[i] for i in row_indices],
                indices=row_indices,
                probs=row_values,
                model=self.info.name,
                device=self.placement.device,
                precision=self.placement.precision,
                seconds=seconds,
            )
            for path, row_indices, row_values in zip(paths, indices.tolist(), values.tolist(), strict=True)
        ]

    def failed(self, path: str | None, error: str) -> Prediction:
        """Return the :class:`Prediction` of an image that could not be classified."""
        return Prediction(path, [], [], [], self.info.name, self.placement.device, self.placement.precision, 0.0, error)

    def classify_image(self, image: Image.Image, k: int = TOP_K, path: str | None = None) -> Prediction:
        """Return the top-``k`` prediction for an RGB image already in memory."""
        batch = preprocess(image, self.preprocess_cfg)[None]
        start = time.perf_counter()
        probs = self.probabilities(batch)[0]
        return self.top_k(probs, k, path, time.perf_counter() - start)

    def classify_files(self, paths: list[str | os.PathLike], k: int = TOP_K) -> list[Prediction]:
        """Return one :class:`Prediction` per path, in order; unreadable files become error predictions."""
        out = []
        for path in paths:
            try:
                tensor, _ = load_and_preprocess(path, self.preprocess_cfg)
            except ImageLoadError as exc:
                out.append(self.failed(str(path), str(exc)))
                continue
            start = time.perf_counter()
            probs = self.probabilities(tensor[None])[0]
            out.append(self.top_k(probs, k, str(path), time.perf_counter() - start))
        return out


class Classifier(Predictor):
    """A loaded model placed on a device, ready to classify images.

    ``device`` is auto/cuda/mps/cpu, ``precision`` auto/fp32/bf16/fp16 (see :mod:`model.runtime.device`).
    ``placement`` says what was chosen; its ``note`` says why when it differs from what was asked. A new
    ``Classifier`` on a network that another one runs moves it for both, once no pass is in flight.
    Every method is safe to call from several threads at once.
    """

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto"):
        self.net = loaded.net.eval()
        self.info = loaded.info
        self.owner: NetworkOwner = owner_of(self.net)
        self.owner.place(choose_placement(device, precision))

    @property
    def placement(self) -> Placement:
        """Where and in what precision the network runs now (the owner's; changes after an out-of-memory)."""
        return self.owner.placement

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed batch
        ``(B, 3, H, W)``. A GPU that runs out of memory moves the model to the CPU (once the passes in flight
        have ended, for every user of the network) and retries."""
        fell_back = False
        while True:
            with self.owner.shared() as placement:
                try:
                    with torch.inference_mode(), placement.autocast():
                        logits = self.net(placement.to_input(batch))
                    return logits.float().softmax(-1).cpu()
                except torch.OutOfMemoryError:
                    if fell_back:  # out of memory on the CPU too
                        raise
            self.owner.fall_back(placement, f"{placement.device} ran out of memory")  # outside the shared hold
            fell_back = True

    def explain(
        self,
        image: Image.Image,
        *,
        attention: str | list[str] = "all",
        activations: str | list[str] = "all",
        gradients: bool = True,
        fast: bool = False,
    ) -> Explanation:
        """Run one fp32 forward pass on ``image`` capturing every block's attention and activations,
        keeping the graph so Grad-CAM for any class costs one backward pass, not another forward. Holds the
        network alone meanwhile. ``attention``, ``activations`` (block names, "all" or ``[]``) and ``gradients``
        capture less: what one map needs (the Live tab, frame after frame; :func:`model.live.maps.map_needs`);
        without ``gradients`` the pass builds no graph. ``fast``: the pass (and a Grad-CAM backward pass) runs in
        the placement's precision, bf16 where the device runs bf16, as ``label --maps`` does: maps for a live
        view; the Image tab keeps fp32."""
        pixels = preprocess(image, self.preprocess_cfg)[None]
        with self.owner.exclusive() as placement:
            generation = self.owner.generation
            start = time.perf_counter()
            grad_mode = contextlib.nullcontext() if gradients else torch.no_grad()
            precision = placement.autocast() if fast else contextlib.nullcontext()
            with grad_mode, precision, capture(self.net, attention, activations, gradients) as captured:
                logits = self.net(placement.to_input(pixels))
            seconds = time.perf_counter() - start
        probs = logits.detach().float().softmax(-1)[0].cpu()
        used = placement.precision if fast else "fp32"  # without ``fast`` the pass runs without autocast
        prediction = replace(self.top_k(probs, TOP_K), precision=used)
        blocks = list_blocks(self.net)
        return Explanation(image, captured, probs, blocks, seconds, prediction, self.owner, generation)


@dataclass
class Explanation:
    """Everything the overlays of one image need: the ``image`` (RGB), what :func:`capture` recorded,
    class ``probs`` ``(classes,)``, the ``blocks`` that can be shown, the forward pass ``seconds`` and
    the top-:data:`TOP_K` ``prediction`` of this fp32 pass (labelled fp32: it can differ in the last digit from a
    prediction in the placement's precision). Maps are on each block's grid and cover the model's input view.
    ``owner`` and ``generation``: the network's owner and its placement's generation when the pass ran (a
    backward pass holds the network alone and needs it where it was)."""

    image: Image.Image
    captured: Captured
    probs: torch.Tensor
    blocks: list[BlockInfo]
    seconds: float
    prediction: Prediction
    owner: NetworkOwner | None = field(default=None, repr=False)
    generation: int = 0
    _gradients: dict[tuple[int, int | None], dict[str, torch.Tensor]] = field(default_factory=dict, repr=False)

    def grad_cam(self, class_index: int, block_name: str, versus: int | None = None) -> torch.Tensor:
        """Return the Grad-CAM map ``(h, w)`` in [0, 1] of ``class_index`` at ``block_name``'s output; with
        ``versus``, the contrastive map of logit[class_index] − logit[versus]: the regions that favour
        ``class_index`` over ``versus``. Raises RuntimeError when the network has moved to another device
        since the pass (after an out-of-memory): explain the image again."""
        key = (class_index, versus)
        if key not in self._gradients:
            self._gradients[key] = self._class_gradients(class_index, versus)
        return grad_cam(self.captured.activations[block_name], self._gradients[key][block_name])

    def _class_gradients(self, class_index: int, versus: int | None) -> dict[str, torch.Tensor]:
        if self.owner is None:
            return self.captured.class_gradients(class_index, versus)
        with self.owner.exclusive():
            if self.owner.generation != self.generation:
                raise RuntimeError("the model moved to another device since this image was explained; explain it again")
            return self.captured.class_gradients(class_index, versus)


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
) -> Predictor:
    """Return the classifier for ``source``: an ``.onnx`` file runs through onnxruntime
    (:class:`~model.runtime.onnx_runtime.OnnxClassifier`, predictions only), anything else
    :func:`~model.weights.loading.load_model` opens, run by ``runtime`` (None: torch; torch, compiled, onnxruntime,
    openvino or auto: :func:`~model.runtime.runtimes.open_runtime`, with ``batch_work`` and ``batch_sizes``).
    ``labels``, ``progress`` and ``cancel`` as for ``load_model``. Raises
    :class:`~model.weights.checkpoint.WeightsError` with one line (:class:`~model.runtime.runtimes.RuntimeUnavailable`
    for a runtime that cannot run here)."""
    if is_onnx_file(source):
        from model.runtime.onnx_runtime import OnnxClassifier  # onnxruntime only when an ONNX file is opened
        from model.runtime.runtimes import RuntimeUnavailable

        if runtime not in (None, "auto", "onnxruntime"):
            raise RuntimeUnavailable(f"an .onnx file runs through onnxruntime, not --runtime {runtime}")
        return OnnxClassifier(source, device=device, labels=labels)
    loaded = load_model(source, progress=progress, cancel=cancel, labels=labels)
    if runtime in (None, "torch"):
        return Classifier(loaded, device=device)
    from model.runtime.runtimes import open_runtime

    return open_runtime(loaded, runtime, device, batch_work=batch_work, batch_sizes=batch_sizes)
