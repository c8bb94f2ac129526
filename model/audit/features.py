"""The audit's one door to the teaching code: the on-disk feature cache of a base network and the class-balanced
linear head. Everything the audit needs from them passes through the two functions here, so that a move of the
feature store changes this file only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from model.cancel import Cancelled, CancelToken
from model.runtime.device import choose_placement
from model.teach.features import FeatureStore, base_key, default_cache_dir, extract, feature_widths
from model.teach.head import train_head
from model.teach.types import TeachCancelled
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


def _stop(cancel: CancelToken | None) -> Callable[[], bool] | None:
    """Return a ``should_stop`` callable that waits while ``cancel`` is paused and is True once cancelled."""
    if cancel is None:
        return None

    def should_stop() -> bool:
        try:
            cancel.check()
        except Cancelled:
            return True
        return False

    return should_stop


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
    widths = feature_widths(net)
    store = FeatureStore(cache_dir or default_cache_dir(), base_key(net, loaded.info.preprocess), widths)
    placement = choose_placement(device)
    placement.prepare(net)
    try:
        got = extract(net, placement, loaded.info.preprocess, paths, digests, store, on_progress, _stop(cancel))
    except TeachCancelled:
        raise Cancelled("the audit was cancelled while computing features") from None
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
    try:
        fit = train_head(xt, yt, num_classes, epochs, seed, should_stop=_stop(cancel), batch=batch)
    except TeachCancelled:
        raise Cancelled("the audit was cancelled while training") from None
    return fit.weight.detach().numpy(), fit.bias.detach().numpy()
