"""Features of a frozen base network, computed once per image and kept on disk.

Every candidate feature is taken from one forward pass: each inner stage's output average-pooled to a coarse
2x2 grid (flattened channel-major, as :class:`~model.net.coatnet.LinearHead` with ``pool=2`` reads it) and the
final pooled features (what the base's own classifier reads). The cache holds one small safetensors file per
image, named by the SHA-256 of the image file, in a folder keyed by the base network's weights and
preprocessing; a file that cannot be read or whose features do not fit the base is computed again. Beside them,
``rankings/`` keeps the measured accuracy of each candidate per training set (images, labels, seed), so the same
set is not ranked twice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from model.atomic import atomic_writer
from model.data.decode import ImageLoadError
from model.data.transform import PreprocessCfg, load_and_preprocess
from model.net.coatnet import CoAtNet
from model.runtime.device import Placement
from model.teach.types import TeachCancelled

CACHE_ENV = "COATNET_LENS_CACHE"
CACHE_VERSION = "1"  # bump when what a cached file holds changes
BATCH = 32
INNER_POOL = 2


@dataclass(frozen=True)
class FeatureChoice:
    """Where a linear head reads the base: after stage ``stage`` (1-based), average-pooled to ``pool`` x
    ``pool``; the last stage with ``pool`` 1 is the base's own final pooled features."""

    stage: int
    pool: int

    @property
    def key(self) -> str:
        """The name of this feature in the cache and the metadata, e.g. ``"s3p2"`` or ``"final"``."""
        return "final" if self.pool == 1 else f"s{self.stage}p{self.pool}"

    @property
    def name(self) -> str:
        """The user's name of this choice: ``"final"`` or ``"stage3"``."""
        return "final" if self.pool == 1 else f"stage{self.stage}"

    def describe(self, width: int) -> str:
        """Return the choice in words, with its ``width`` (number of features)."""
        if self.pool == 1:
            return f"final pooled features ({width})"
        return f"stage S{self.stage} output, {self.pool}x{self.pool} average pooled ({width})"


def candidates(net: CoAtNet) -> list[FeatureChoice]:
    """Return the feature choices of ``net``: each inner stage from S2 on with 2x2 pooling, then the final."""
    stages = len(net.stages)
    return [FeatureChoice(s, INNER_POOL) for s in range(2, stages)] + [FeatureChoice(stages, 1)]


def feature_widths(net: CoAtNet) -> dict[str, int]:
    """Return the number of features of each candidate of ``net`` (by :attr:`FeatureChoice.key`)."""
    widths = {}
    for choice in candidates(net):
        if choice.pool == 1:
            fc = net.head.fc
            widths[choice.key] = fc.in_features if isinstance(fc, torch.nn.Linear) else net.num_features
        else:
            widths[choice.key] = net.cfg.embed_dim[choice.stage - 1] * choice.pool * choice.pool
    return widths


def default_cache_dir() -> Path:
    """Return the feature cache's root: ``$COATNET_LENS_CACHE``, else the user's cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]) / "features"
    base = os.environ.get("LOCALAPPDATA") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "coatnet-lens" / "features"


def base_key(net: CoAtNet, preprocess: PreprocessCfg) -> str:
    """Return a short hex key of what the features depend on: the weights, the config and the preprocessing."""
    h = hashlib.sha256(f"{CACHE_VERSION}|{net.name}|{net.cfg}|{preprocess}".encode())
    for name, tensor in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:24]


class _Taps:
    """Forward hooks that keep each candidate's features during one forward pass of the base."""

    def __init__(self, net: CoAtNet):
        self.out: dict[str, torch.Tensor] = {}
        self.handles = []
        for choice in candidates(net):
            if choice.pool == 1:
                self.handles.append(net.head.fc.register_forward_pre_hook(self._final(choice.key)))
            else:
                stage = net.stages[choice.stage - 1]
                self.handles.append(stage.register_forward_hook(self._inner(choice.key, choice.pool)))

    def _final(self, key: str):
        def hook(_module: torch.nn.Module, inputs: tuple) -> None:
            self.out[key] = inputs[0].float().flatten(1)

        return hook

    def _inner(self, key: str, pool: int):
        def hook(_module: torch.nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            self.out[key] = F.adaptive_avg_pool2d(output.float(), pool).flatten(1)

        return hook

    def close(self) -> None:
        for handle in self.handles:
            handle.remove()


class FeatureStore:
    """The cache folder of one base network: one ``<sha256>.safetensors`` file per image."""

    def __init__(self, root: Path, key: str, widths: dict[str, int]):
        self.folder = Path(root) / key
        self.widths = widths

    def _path(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.safetensors"

    def get(self, digest: str) -> dict[str, torch.Tensor] | None:
        """Return the cached features of one image ``{key: (width,)}``, or None when absent or not fitting."""
        try:
            found = load_file(str(self._path(digest)))
        except (OSError, SafetensorError, ValueError):
            return None
        for key, width in self.widths.items():
            if key not in found or tuple(found[key].shape) != (width,):
                return None
        return found

    def put(self, digest: str, features: dict[str, torch.Tensor]) -> None:
        """Store one image's features: written beside, then renamed over the entry. Not synced to disk: an entry
        lost or torn by a crash is only computed again (:meth:`get` checks every one), and a sync per image
        cost more than the forward pass (measured). A failed write only loses the entry."""
        path = self._path(digest)
        data = save({k: v.contiguous() for k, v in features.items()}, metadata={"widths": json.dumps(self.widths)})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)

    def get_scores(self, key: str) -> dict[str, float] | None:
        """Return the feature ranking stored under ``key`` (the training images, labels and seed), or None."""
        try:
            found = json.loads((self.folder / "rankings" / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and all(isinstance(v, float) for v in found.values()) else None

    def put_scores(self, key: str, scores: dict[str, float]) -> None:
        """Store a feature ranking (a failed write only loses it)."""
        with contextlib.suppress(OSError), atomic_writer(self.folder / "rankings" / f"{key}.json") as f:
            f.write(json.dumps(scores))


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
    should_stop: Callable[[], bool] | None = None,
) -> Extracted:
    """Return every candidate feature of ``paths`` (content ``digests``), from ``store`` where it has them,
    else from batched forward passes of ``net`` (eval mode) in ``placement``'s precision, stored as they come.

    ``on_progress(done, total)`` follows the images; ``should_stop()`` returning True raises
    :class:`TeachCancelled` between batches. Unreadable images are left out with their reason.
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
    taps = _Taps(net)
    try:
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            for start in range(0, len(todo), BATCH):
                if should_stop and should_stop():
                    raise TeachCancelled("Teaching was cancelled while computing features.")
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
    finally:
        taps.close()
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
