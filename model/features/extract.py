"""Computing the features of a list of images: from the cache where it has them, else from batched forward passes
of the base through :class:`~model.features.taps.FeatureTaps`, stored as they come."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch

from model.cancel import CancelToken, check
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg
from model.data.transform import load_and_preprocess
from model.features.cache import FeatureStore
from model.features.taps import FeatureTaps
from model.net.coatnet import CoAtNet
from model.runtime.placement import Placement

BATCH = 32
_READERS = 4  # decode threads: the forward pass of a batch is the slower step


@dataclass
class Extracted:
    """Features of the readable images: ``features[key]`` is ``(N, width)`` float32, row ``i`` for
    ``kept[i]`` (an index into the input list); ``failed`` maps input index -> reason; ``computed`` counts
    the images that needed a forward pass (the rest came from the cache)."""

    features: dict[str, torch.Tensor]
    kept: list[int]
    failed: dict[int, str]
    computed: int


def extract(
    net: CoAtNet,
    placement: Placement,
    preprocess: PreprocessCfg,
    paths: list[str],
    digests: list[str],
    store: FeatureStore,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> Extracted:
    """Return every candidate feature of the images ``paths`` (their content ``digests``,
    :func:`~model.features.cache.file_digest`), from ``store`` where it has them, else from batched forward
    passes of ``net`` (eval mode, already placed by ``placement``) in ``placement``'s precision, stored as they come.

    ``on_progress(done, total)`` follows the images; ``cancel`` is checked between batches (raises
    :class:`~model.cancel.Cancelled`; what was computed stays in the cache). Unreadable images are left out with
    their reason. The caller owns ``net`` while this runs (the taps are hooks on it).
    """
    total = len(paths)
    rows: dict[int, dict[str, torch.Tensor]] = {}
    failed: dict[int, str] = {}
    todo = []
    for i, digest in enumerate(digests):
        found = store.get(digest)
        if found is None:
            todo.append(i)
        else:
            rows[i] = found
    done = total - len(todo)
    if on_progress:
        on_progress(done, total)
    with FeatureTaps(net) as taps, ThreadPoolExecutor(max_workers=min(_READERS, os.cpu_count() or 1)) as pool:
        for start in range(0, len(todo), BATCH):
            check(cancel)
            chunk = todo[start : start + BATCH]
            inputs = []
            for i, loaded in zip(chunk, pool.map(lambda j: _load(paths[j], preprocess), chunk), strict=True):
                if isinstance(loaded, str):
                    failed[i] = loaded
                else:
                    inputs.append((i, loaded))
            if inputs:
                batch = torch.stack([t for _, t in inputs])
                with torch.inference_mode(), placement.autocast():
                    net(placement.to_input(batch))
                for row, (i, _) in enumerate(inputs):
                    rows[i] = {k: v[row].cpu().clone() for k, v in taps.out.items()}
                    store.put(digests[i], rows[i])
            done += len(chunk)
            if on_progress:
                on_progress(done, total)
    kept = sorted(rows)
    keys = list(store.widths)
    features = {k: torch.stack([rows[i][k] for i in kept]) if kept else torch.empty(0, store.widths[k]) for k in keys}
    computed = len(todo) - len(failed)
    return Extracted(features, kept, failed, computed)


def _load(path: str, preprocess: PreprocessCfg) -> torch.Tensor | str:
    """Return the model input ``(3, H, W)`` of an image, or why it could not be read."""
    try:
        return load_and_preprocess(path, preprocess)[0]
    except (ImageLoadError, OSError) as exc:
        return f"unreadable image: {exc}"
