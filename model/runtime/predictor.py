"""What every classifier offers, whatever runs it (:class:`Predictor`), and what it returns (:class:`Prediction`).

No torch here: a :class:`Predictor` takes uint8 pixel arrays and turns probabilities into top-k predictions with
numpy, so a run of an exported model (:mod:`model.runtime.export_card`) never imports torch. The PyTorch
:class:`~model.runtime.inference.Classifier` is one; its :meth:`~Predictor.model_input` makes tensors.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from model.choices import TOP_K
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg, load_array, normalize_array, pixel_array
from model.runtime.placement import Placement
from model.weights.info import ModelInfo


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


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return the softmax float32 ``(B, classes)`` of ``logits`` ``(B, classes)``."""
    x = np.asarray(logits, dtype=np.float32)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def available_cpus() -> int:
    """Return how many CPUs this process may run on (its affinity where the system tells, else the CPU count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Predictor:
    """What every classifier offers, whatever runs it: class names, preprocessing, top-k predictions from files or
    images. A subclass sets ``info`` (:class:`~model.weights.info.ModelInfo`), provides ``placement`` and
    :meth:`probabilities` (and :meth:`model_input` when it takes something else than a numpy batch);
    ``maps_unavailable`` says why it cannot explain ("" when it can: :class:`~model.runtime.inference.Classifier`).
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

    @property
    def cpu_threads(self) -> int:
        """How many CPU threads the passes may use (the batch labeller splits them between its model lanes)."""
        return available_cpus()

    def limit_lane_thread(self, count: int) -> None:
        """Limit the calling thread's passes to ``count`` CPU threads (the initializer of the labeller's lane
        threads). Here nothing: the runtime schedules its own threads."""

    def model_input(self, pixels: np.ndarray) -> Any:
        """Return what :meth:`probabilities` takes for uint8 pixels ``(B, C, H, W)`` (C = 1 or 3): here the
        normalised float32 batch ``(B, 3, H, W)``."""
        return normalize_array(pixels, self.preprocess_cfg)

    def probabilities(self, batch: Any) -> Any:
        """Return softmax probabilities ``(B, classes)`` float32 on the CPU (an array or a CPU tensor) for a batch
        that :meth:`model_input` made."""
        raise NotImplementedError

    def pixel_probabilities(self, pixels: np.ndarray) -> np.ndarray:
        """Return softmax probabilities float32 ``(B, classes)`` for uint8 pixels ``(B, C, H, W)``."""
        return np.asarray(self.probabilities(self.model_input(pixels)), dtype=np.float32)

    @property
    def preprocess_cfg(self) -> PreprocessCfg:
        """The model's preprocessing (its :class:`~model.weights.info.ModelInfo`'s)."""
        return self.info.preprocess

    @property
    def label_names(self) -> list[str]:
        """The class names, index-aligned with the logits."""
        return self.info.label_names

    def top_k(self, probs: Any, k: int, path: str | None = None, seconds: float = 0.0) -> Prediction:
        """Return the :class:`Prediction` for one probability vector ``(classes,)`` (an array or a CPU tensor)."""
        return self.top_k_batch(np.asarray(probs)[None], k, [path], seconds)[0]

    def top_k_batch(self, probs: Any, k: int, paths: list[str | None], seconds: float = 0.0) -> list[Prediction]:
        """Return one :class:`Prediction` per row of ``probs`` ``(B, classes)`` (``paths[i]`` for row i), classes by
        falling probability (equal ones by index); ``seconds`` is the model's time per image."""
        values = np.asarray(probs, dtype=np.float32)
        indices = np.argsort(-values, axis=-1, kind="stable")[:, : min(k, values.shape[-1])]
        top = np.take_along_axis(values, indices, axis=-1)
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
            for path, row_indices, row_values in zip(paths, indices.tolist(), top.tolist(), strict=True)
        ]

    def failed(self, path: str | None, error: str) -> Prediction:
        """Return the :class:`Prediction` of an image that could not be classified."""
        return Prediction(path, [], [], [], self.info.name, self.placement.device, self.placement.precision, 0.0, error)

    def classify_image(self, image: Image.Image, k: int = TOP_K, path: str | None = None) -> Prediction:
        """Return the top-``k`` prediction for an RGB image already in memory."""
        pixels = pixel_array(image, self.preprocess_cfg)[None]
        start = time.perf_counter()
        probs = self.pixel_probabilities(pixels)[0]
        return self.top_k(probs, k, path, time.perf_counter() - start)

    def classify_files(self, paths: list[str | os.PathLike], k: int = TOP_K) -> list[Prediction]:
        """Return one :class:`Prediction` per path, in order; unreadable files become error predictions."""
        out = []
        for path in paths:
            try:
                pixels, _ = load_array(path, self.preprocess_cfg)
            except ImageLoadError as exc:
                out.append(self.failed(str(path), str(exc)))
                continue
            start = time.perf_counter()
            probs = self.pixel_probabilities(pixels[None])[0]
            out.append(self.top_k(probs, k, str(path), time.perf_counter() - start))
        return out
