"""The on-disk feature cache: one small safetensors file per image, keyed by the image file's content and by the
base network (weights, config, preprocessing).

Layout: ``<root>/<base key>/<sha[:2]>/<sha>.safetensors`` where ``sha`` is the SHA-256 of the image file
(:func:`file_digest`) and the base key is :func:`base_key`: changing the weights, the config or the
preprocessing gives another folder, so features of another base are never read. A file that cannot be read or
whose features do not fit the base's widths is treated as absent (computed again). Beside them, ``rankings/``
keeps the measured accuracy of each candidate per training set, so the same set is not ranked twice.

Entries are written atomically (:mod:`model.atomic`, the user's umask) but not synced: an entry lost or torn by a
crash is only computed again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from model.atomic import atomic_writer, write_bytes_atomically
from model.data.pixels import PreprocessCfg
from model.features.choice import feature_widths
from model.net.coatnet import CoAtNet
from model.paths import cache_dir
from model.video.stills import file_signature, frame_source

CACHE_VERSION = "1"  # bump when what a cached file holds changes
_HASH_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """Return the feature cache's root: ``features`` in the app's cache folder (:func:`model.paths.cache_dir`:
    ``$COATNET_LENS_CACHE``, else the platform's)."""
    return cache_dir() / "features"


def file_digest(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest (64 characters) of a file's content, the cache's key of an image; for a
    video's sampled frame ``video#t=SECONDS`` (:func:`model.video.stills.frame_source`), the SHA-256 of the
    video's digest and the time. Raises OSError when the file cannot be read."""
    frame = frame_source(path)
    if frame is not None:  # a video's sampled frame: the video's content and the frame's time
        video = _video_digest(frame[0], file_signature(frame[0]))
        return hashlib.sha256(f"{video}#t={frame[1]:.3f}".encode()).hexdigest()
    return _content_digest(path)


def _content_digest(path: str | os.PathLike) -> str:
    """Return the SHA-256 hex digest of the file ``path``'s bytes (raises OSError)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@functools.lru_cache(maxsize=32)
def _video_digest(path: str, signature: tuple) -> str:
    """Return the digest of the video ``path`` once per ``signature`` (:func:`model.video.stills.file_signature`:
    a changed file is hashed again): every sampled frame's digest starts from it, and a video holds many frames."""
    return _content_digest(path)


def base_key(net: CoAtNet, preprocess: PreprocessCfg) -> str:
    """Return a short hex key (24 characters) of what the features depend on: the weights, the config and the
    preprocessing (and :data:`CACHE_VERSION`)."""
    h = hashlib.sha256(f"{CACHE_VERSION}|{net.name}|{net.cfg}|{preprocess}".encode())
    for name, tensor in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:24]


class FeatureStore:
    """The cache folder of one base network: per image, its features ``{key: (width,) float32}`` for every
    candidate key of ``widths`` (:func:`~model.features.choice.feature_widths`)."""

    def __init__(self, root: str | os.PathLike, key: str, widths: dict[str, int]):
        self.folder = Path(root) / key
        self.widths = dict(widths)

    @classmethod
    def for_base(cls, net: CoAtNet, preprocess: PreprocessCfg, root: str | os.PathLike | None = None) -> FeatureStore:
        """Return the store of ``net`` with ``preprocess`` under ``root`` (None: :func:`default_cache_dir`).
        Hashes every weight once (:func:`base_key`): keep the store while the base stays the same."""
        return cls(root if root is not None else default_cache_dir(), base_key(net, preprocess), feature_widths(net))

    def _path(self, digest: str) -> Path:
        return self.folder / digest[:2] / f"{digest}.safetensors"

    def get(self, digest: str) -> dict[str, torch.Tensor] | None:
        """Return the cached features of the image with content ``digest`` (``{key: (width,)}`` float32), or None
        when absent, unreadable or not fitting this base's widths."""
        try:
            found = load_file(str(self._path(digest)))
        except (OSError, SafetensorError, ValueError):
            return None
        for key, width in self.widths.items():
            if key not in found or tuple(found[key].shape) != (width,):
                return None
        return found

    def put(self, digest: str, features: dict[str, torch.Tensor]) -> None:
        """Store one image's features ``{key: (width,)}``: written beside, then renamed over the entry. Not synced
        to disk: a sync per image cost more than the forward pass (measured). A failed write only loses the
        entry."""
        path = self._path(digest)
        data = save({k: v.contiguous() for k, v in features.items()}, metadata={"widths": json.dumps(self.widths)})
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(path, data, sync=False)

    def get_scores(self, key: str) -> dict[str, float] | None:
        """Return the feature ranking ``{feature key: accuracy}`` stored under ``key`` (a fingerprint of the
        training images, labels and seed), or None."""
        try:
            found = json.loads((self.folder / "rankings" / f"{key}.json").read_text())
        except (OSError, ValueError):
            return None
        return found if isinstance(found, dict) and all(isinstance(v, float) for v in found.values()) else None

    def put_scores(self, key: str, scores: dict[str, float]) -> None:
        """Store a feature ranking (a failed write only loses it)."""
        with contextlib.suppress(OSError), atomic_writer(self.folder / "rankings" / f"{key}.json") as f:
            f.write(json.dumps(scores))
