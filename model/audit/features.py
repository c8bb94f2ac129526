"""The audit's one door to the feature store (:mod:`model.features`) and the teaching code's class-balanced
linear head: everything the audit needs from them passes through the functions here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model.cancel import CancelToken
from model.features import FeatureStore, base_key, default_cache_dir, extract
from model.runtime.device import choose_placement
from model.teach.head import train_head
from model.weights.loading import LoadedModel

FEATURE_KEY = "final"  # the base's final pooled features: what its own classifier reads
PACKS = "audit-packs"  # the folder of the audit's packs (model/audit/pack.py) inside the cache's root


@dataclass
class Features:
    """The final pooled features of the readable images: ``vectors`` ``(len(kept), width)`` float32, row ``r``
    for input ``kept[r]``; ``failed`` maps input index -> reason; ``computed`` counts forward passes."""

    vectors: np.ndarray
    kept: list[int]
    failed: dict[int, str]
    computed: int


def base_features(
    loaded: LoadedModel,
    paths: list[str],
    digests: list[str],
    device: str = "auto",
    cache_dir: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> Features:
    """Return the final pooled features of ``paths`` (content SHA-256 ``digests``) under ``loaded``'s network:
    from the per-image cache where present, else computed on ``device`` and cached. ``on_progress(done,
    total)`` follows the images. Raises :class:`~model.cancel.Cancelled` when ``cancel`` is cancelled;
    ValueError for a device that is not there."""
    net = loaded.net.eval()
    store = FeatureStore.for_base(net, loaded.info.preprocess, cache_dir)
    placement = choose_placement(device)
    placement.prepare(net)
    try:
        got = extract(net, placement, loaded.info.preprocess, paths, digests, store, on_progress, cancel)
    finally:
        net.to("cpu")
    return Features(got.features[FEATURE_KEY].numpy(), got.kept, got.failed, got.computed)


def pack_path(loaded: LoadedModel, cache_dir: Path | None = None) -> Path:
    """Return where the audit's pack of ``loaded``'s features lives: beside the feature cache, keyed alike."""
    return (cache_dir or default_cache_dir()) / PACKS / f"{base_key(loaded.net, loaded.info.preprocess)}.npz"


def fit_linear_head(
    x: np.ndarray,
    y: np.ndarray,
    num_classes: int,
    epochs: int,
    batch: int,
    seed: int,
    cancel: CancelToken | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(weight (K, width), bias (K,))`` of a class-balanced linear head trained on features ``x``
    ``(N, width)`` with labels ``y`` ``(N,)`` for ``epochs`` of ``batch`` rows per step. Raises
    :class:`~model.cancel.Cancelled` between epochs."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    fit = train_head(xt, yt, num_classes, epochs, seed, cancel=cancel, batch=batch)
    return fit.weight.detach().numpy(), fit.bias.detach().numpy()
