"""A perceptual hash (DCT pHash): 64 bits that change little when an image is re-encoded, resized or slightly
cropped, and a lot between different images. Numpy and Pillow only.

The image is made grey, resized to 32 x 32 (area-averaged), transformed by a 2-D DCT-II; the 8 x 8 lowest
frequencies without the constant term (63 values, plus the constant's place set from the next one) are compared
with their median: one bit each. Two images are alike when few bits differ (:func:`hamming`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
from PIL import Image

from model.data.decode import ImageLoadError, load_image

SIZE = 32
LOW = 8
_BITS = np.uint64(1) << np.arange(LOW * LOW, dtype=np.uint64)
_POPCOUNT = np.array([bin(v).count("1") for v in range(256)], dtype=np.uint8)  # numpy 1 has no bitwise_count


def _dct_matrix(n: int) -> np.ndarray:
    """Return the orthonormal DCT-II matrix ``(n, n)``: ``D @ x`` transforms a column ``x``."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d


_DCT = _dct_matrix(SIZE)[:LOW]  # only the lowest frequencies are kept


def phash_image(image: Image.Image) -> np.uint64:
    """Return the 64-bit perceptual hash of a Pillow image (any mode)."""
    grey = np.asarray(image.convert("L").resize((SIZE, SIZE), Image.Resampling.BOX), dtype=np.float64)
    low = (_DCT @ grey @ _DCT.T).ravel()
    low[0] = low[1]  # the constant term says only how bright the image is
    bits = low > np.median(low)
    return np.uint64(_BITS[bits].sum(dtype=np.uint64))


def phash_file(path: str | os.PathLike) -> np.uint64 | str:
    """Return the perceptual hash of an image file, or why it could not be read."""
    try:
        return phash_image(load_image(path))
    except (ImageLoadError, OSError) as exc:
        return f"unreadable image: {exc}"


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the number of differing bits between uint64 hashes ``a`` ``(M,)`` and ``b`` ``(N,)``: ``(M, N)``
    uint8."""
    x = a[:, None] ^ b[None, :]
    if hasattr(np, "bitwise_count"):  # numpy 2
        return np.bitwise_count(x)
    return _POPCOUNT[x.view(np.uint8)].reshape(*x.shape, 8).sum(-1, dtype=np.uint8)


def close_pairs(hashes: np.ndarray, max_bits: int, chunk: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(i, j)`` index arrays (``i < j``) of the hash pairs at most ``max_bits`` apart, ``chunk`` rows of
    the ``(N, N)`` comparison at a time (memory ``chunk * N`` bytes)."""
    for start in range(0, len(hashes), chunk):
        d = hamming(hashes[start : start + chunk], hashes)
        i, j = np.nonzero(d <= max_bits)
        i += start
        keep = i < j
        yield i[keep], j[keep]
