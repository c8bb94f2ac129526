"""From image files to predictions and explanations: the one path the GUI, the CLI and the batch labeller share.

    clf = Classifier(load_model("bundled"))
    [pred] = clf.classify_files(["shoe.png"])        # Prediction(labels=[...], probs=[...], ...)
    exp = clf.explain(load_image("shoe.png"))        # everything the overlays need, from one forward pass

Device and precision come from :mod:`model.runtime.device`; every result names the ones used.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import torch
from PIL import Image

from model.choices import TOP_K
from model.data.decode import ImageLoadError
from model.data.transform import PreprocessCfg, load_and_preprocess, preprocess
from model.explain.capture import BlockInfo, Captured, capture, list_blocks
from model.explain.introspect import grad_cam
from model.runtime.device import Placement, choose_placement, cpu_fallback
from model.weights.loading import LoadedModel


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


class Classifier:
    """A loaded model placed on a device, ready to classify images.

    ``device`` is auto/cuda/mps/cpu, ``precision`` auto/fp32/bf16/fp16 (see :mod:`model.runtime.device`).
    ``placement`` says what was chosen; its ``note`` says why when it differs from what was asked.
    """

    def __init__(self, loaded: LoadedModel, device: str = "auto", precision: str = "auto"):
        self.net = loaded.net.eval()
        self.info = loaded.info
        self.placement: Placement = choose_placement(device, precision)
        self.placement.prepare(self.net)

    @property
    def preprocess_cfg(self) -> PreprocessCfg:
        """The model's preprocessing (its :class:`~model.weights.loading.ModelInfo`'s)."""
        return self.info.preprocess

    @property
    def label_names(self) -> list[str]:
        """The class names, index-aligned with the logits."""
        return self.info.label_names

    def probabilities(self, batch: torch.Tensor) -> torch.Tensor:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU for a preprocessed batch
        ``(B, 3, H, W)``. A GPU that runs out of memory moves the model to the CPU and retries."""
        try:
            with torch.inference_mode(), self.placement.autocast():
                logits = self.net(self.placement.to_input(batch))
        except torch.OutOfMemoryError:
            self.placement = cpu_fallback(self.placement, f"{self.placement.device} ran out of memory")
            self.placement.prepare(self.net)
            return self.probabilities(batch)
        return logits.float().softmax(-1).cpu()

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

    def explain(self, image: Image.Image) -> Explanation:
        """Run one fp32 forward pass on ``image`` capturing every block's attention and activations,
        keeping the graph so Grad-CAM for any class costs one backward pass, not another forward."""
        batch = self.placement.to_input(preprocess(image, self.preprocess_cfg)[None])
        start = time.perf_counter()
        with capture(self.net, attention="all", activations="all", gradients=True) as captured:
            logits = self.net(batch)
        seconds = time.perf_counter() - start
        probs = logits.detach().float().softmax(-1)[0].cpu()
        return Explanation(image, captured, probs, list_blocks(self.net), seconds, self.top_k(probs, TOP_K))


@dataclass
class Explanation:
    """Everything the overlays of one image need: the ``image`` (RGB), what :func:`capture` recorded,
    class ``probs`` ``(classes,)``, the ``blocks`` that can be shown, the forward pass ``seconds`` and
    the top-:data:`TOP_K` ``prediction``. Maps are on each block's grid and cover the model's input view."""

    image: Image.Image
    captured: Captured
    probs: torch.Tensor
    blocks: list[BlockInfo]
    seconds: float
    prediction: Prediction
    _gradients: dict[tuple[int, int | None], dict[str, torch.Tensor]] = field(default_factory=dict, repr=False)

    def grad_cam(self, class_index: int, block_name: str, versus: int | None = None) -> torch.Tensor:
        """Return the Grad-CAM map ``(h, w)`` in [0, 1] of ``class_index`` at ``block_name``'s output; with
        ``versus``, the contrastive map of logit[class_index] − logit[versus]: the regions that favour
        ``class_index`` over ``versus``."""
        key = (class_index, versus)
        if key not in self._gradients:
            self._gradients[key] = self.captured.class_gradients(class_index, versus)
        return grad_cam(self.captured.activations[block_name], self._gradients[key][block_name])
