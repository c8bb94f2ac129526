"""Image fingerprints for near-duplicates: a 32 x 32 grey thumbnail per image, and from it two unit vectors.

- The *detail* vector: the thumbnail minus its Gaussian blur (sigma 2 px), zero mean, unit length. Its dot
  product finds candidates: a re-encoded or resized copy keeps its original as nearest neighbour, where raw
  pixels or a network's pooled features rate many distinct but similar products (two plain trousers) as close.
- The *smooth* vector: the thumbnail blurred by 1 px, zero mean, unit variance. The root-mean-square difference
  of two smooth vectors verifies a candidate: JPEG noise and resampling differ by little once blurred, distinct
  images by more. (A 64-bit DCT pHash was measured first and dropped: on 28 px Fashion-MNIST images a copy
  resized to 90 % or cropped by one pixel differs by 6 to 12 bits, more than half of all distinct images from
  their nearest neighbour; benchmarks/bench_audit.py has the figures of this method.)
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

from model.data.decode import ImageLoadError, load_image

SIZE = 32
DETAIL_SIGMA = 2.0
SMOOTH_SIGMA = 1.0
COARSE = 8


def thumbnail(image: Image.Image) -> np.ndarray:
    """Return the grey ``SIZE x SIZE`` uint8 thumbnail of a Pillow image (box-averaged when shrinking, bicubic
    when enlarging)."""
    grey = image.convert("L")
    method = Image.Resampling.BOX if min(grey.size) >= SIZE else Image.Resampling.BICUBIC
    return np.asarray(grey.resize((SIZE, SIZE), method), dtype=np.uint8)


def thumbnail_file(path: str | os.PathLike) -> np.ndarray | str:
    """Return the thumbnail of an image file, or why it could not be read."""
    try:
        return thumbnail(load_image(path))
    except (ImageLoadError, OSError) as exc:
        return f"unreadable image: {exc}"


def blur_matrix(sigma: float, n: int = SIZE) -> np.ndarray:
    """Return the ``(n, n)`` matrix of a 1-D Gaussian blur with edges repeated: ``B @ x`` blurs a column."""
    radius = int(3 * sigma + 0.5)
    taps = np.exp(-(np.arange(-radius, radius + 1) ** 2) / (2 * sigma * sigma))
    taps /= taps.sum()
    out = np.zeros((n, n))
    for i in range(n):
        for t, w in zip(range(-radius, radius + 1), taps, strict=True):
            out[i, min(max(i + t, 0), n - 1)] += w
    return out.astype(np.float32)


_DETAIL = blur_matrix(DETAIL_SIGMA)
_SMOOTH = blur_matrix(SMOOTH_SIGMA)


def _blurred(thumbs: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return ``thumbs`` ``(N, SIZE, SIZE)`` blurred by the separable matrix ``b``, float32: two large matrix
    products (rows, then columns) instead of two small ones per image."""
    n = len(thumbs)
    rows = (thumbs.astype(np.float32).reshape(n * SIZE, SIZE) @ b.T).reshape(n, SIZE, SIZE)
    return (rows.transpose(0, 2, 1).reshape(n * SIZE, SIZE) @ b.T).reshape(n, SIZE, SIZE).transpose(0, 2, 1)


def _centred(x: np.ndarray, unit: str) -> np.ndarray:
    """Return rows of ``x`` ``(N, SIZE, SIZE)`` flattened, zero mean and of unit ``"length"`` or ``"variance"``."""
    flat = x.reshape(len(x), -1)
    flat = flat - flat.mean(1, keepdims=True)
    scale = np.linalg.norm(flat, axis=1) if unit == "length" else flat.std(1)
    return flat / np.maximum(scale, 1e-6)[:, None]


def detail_vectors(thumbs: np.ndarray) -> np.ndarray:
    """Return the detail vectors ``(N, SIZE * SIZE)`` float32 of thumbnails ``(N, SIZE, SIZE)`` uint8."""
    return _centred(thumbs.astype(np.float32) - _blurred(thumbs, _DETAIL), "length").astype(np.float32)


def blurred_thumbnails(thumbs: np.ndarray) -> np.ndarray:
    """Return thumbnails ``(N, SIZE, SIZE)`` uint8 blurred by :data:`SMOOTH_SIGMA`: ``(N, SIZE, SIZE)`` float32."""
    return _blurred(thumbs, _SMOOTH)


def smooth_vectors(thumbs: np.ndarray, blurred: np.ndarray | None = None) -> np.ndarray:
    """Return the smooth vectors ``(N, SIZE * SIZE)`` float32 of thumbnails ``(N, SIZE, SIZE)`` uint8 (from their
    :func:`blurred_thumbnails` when given)."""
    return _centred(blurred_thumbnails(thumbs) if blurred is None else blurred, "variance").astype(np.float32)


def coarse_vectors(blurred: np.ndarray, cells: int = COARSE) -> np.ndarray:
    """Return ``(N, cells * cells)`` float32 unit vectors of blurred thumbnails ``(N, SIZE, SIZE)`` averaged over
    ``cells x cells`` blocks, zero mean: a crop of a few per cent moves a block's content by a fraction of a
    block, so a cropped copy stays among its original's nearest in this space."""
    f = SIZE // cells
    return _centred(blurred.reshape(len(blurred), cells, f, cells, f).mean((2, 4)), "length").astype(np.float32)


def rms_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the root-mean-square difference of paired rows of smooth vectors ``a``, ``b`` ``(M, D)``: ``(M,)``."""
    return np.sqrt(np.mean((a - b) ** 2, axis=1))
