"""Lining up a slightly cropped copy with its original, on 32 px thumbnails (:mod:`model.audit.fingerprint`).

A copy cropped by a few per cent off an edge (or all round) is its original's thumbnail stretched: every pixel
moves by up to a pixel or two, enough to make the two thumbnails differ as much as two distinct images. For a
candidate pair, the crop is estimated one axis at a time from the thumbnails' column and row profiles (the
means down the columns and along the rows), over :data:`CROPS` (each edge alone, 0.5 to 6 % in steps of
0.5 %, or both edges alike by as much), both ways round (either image may be the cropped one); a pair whose profiles do
not line up (below :data:`MIN_PROFILE`) is no copy. The original's thumbnail is then cropped that way and
blurred (cropping first, as the copy was, lines up better than cropping the blurred thumbnail) and compared
with the copy's. Profiles cost 32 numbers per image and axis, so the search is cheap; the 2-D
resampling is the exact check, and where it comes close (below :data:`REFINE_BELOW`) the crops one and two steps
either side are tried too, rows then columns (the profiles' choice is sometimes a step or two off: JPEG noise).
"""

from __future__ import annotations

import numpy as np

from model.audit.fingerprint import SIZE, SMOOTH_SIGMA, blur_matrix

LEVELS = tuple(round(0.005 * k, 3) for k in range(1, 13))  # 0.5 % to 6 %
# (share off the first edge, share off the last edge) along one axis: none, one edge, or both alike (one pixel
# all round a 28 px Fashion-MNIST image is 3.6 % a side)
CROPS = (
    ((0.0, 0.0),) + tuple((s, 0.0) for s in LEVELS) + tuple((0.0, s) for s in LEVELS) + tuple((s, s) for s in LEVELS)
)


def resample_matrix(first: float, last: float, n: int = SIZE) -> np.ndarray:
    """Return the ``(n, n)`` float32 matrix that resamples a line of ``n`` pixels to the part left after
    cropping ``first`` and ``last`` (shares of ``n``) off its ends, stretched back to ``n`` (linear
    interpolation): ``M @ column`` is the cropped column."""
    out = np.zeros((n, n), dtype=np.float32)
    span = n * (1.0 - first - last)
    for k in range(n):
        x = min(max(first * n + (k + 0.5) * span / n - 0.5, 0.0), n - 1.0)
        i = min(int(x), n - 2)
        out[k, i] += 1.0 - (x - i)
        out[k, i + 1] += x - i
    return out


BLOCK = 2048
REFINE_BELOW = 0.15  # lined up this close by the profiles' crop: the neighbouring crops are tried too
MIN_PROFILE = 0.97  # planted crop copies of Fashion-MNIST: 0.974 at least, most distinct candidates below
_CROPPED = np.stack([resample_matrix(a, b) for a, b in CROPS])  # (C, SIZE, SIZE): crop
# crop, then blur as the copy's own thumbnail is blurred (blurring first and cropping after lines up worse)
_CROPPED_BLURRED = np.stack([blur_matrix(SMOOTH_SIGMA) @ m for m in _CROPPED])


def _unit(x: np.ndarray) -> np.ndarray:
    """Return the rows of ``x`` ``(..., D)`` with zero mean and unit length."""
    x = x - x.mean(-1, keepdims=True)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6)


def _cropped_profiles(profiles: np.ndarray) -> np.ndarray:
    """Return ``profiles`` ``(M, SIZE)`` under every crop of :data:`CROPS`, zero mean, unit length:
    ``(M, len(CROPS), SIZE)`` float32."""
    m, c = len(profiles), len(CROPS)
    return _unit((profiles @ _CROPPED.reshape(c * SIZE, SIZE).T).reshape(m, c, SIZE)).astype(np.float32)


def _best_crops(profiles: np.ndarray, originals: np.ndarray, copies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return per pair the index into :data:`CROPS` that makes the profile ``profiles[originals[m]]`` (rows of
    ``(N, SIZE)``) most like ``profiles[copies[m]]``, and that correlation: ``(M,)`` int, ``(M,)`` float32.
    The cropped profiles are made once per original, in blocks of :data:`BLOCK` images."""
    unit = _unit(profiles)
    best = np.zeros(len(originals), dtype=np.int64)
    corr = np.zeros(len(originals), dtype=np.float32)
    for start in range(0, len(profiles), BLOCK):
        at = np.flatnonzero((originals >= start) & (originals < start + BLOCK))
        if len(at):
            cropped = _cropped_profiles(profiles[start : start + BLOCK])[originals[at] - start]  # (A, C, SIZE)
            sims = np.einsum("acs,as->ac", cropped, unit[copies[at]])  # (A, C)
            best[at] = sims.argmax(1)
            corr[at] = sims[np.arange(len(at)), best[at]]
    return best, corr


def _apply(images: np.ndarray, which: np.ndarray, axis: int) -> np.ndarray:
    """Return ``images`` ``(M, SIZE, SIZE)`` each cropped and blurred along ``axis`` (1: down the rows, 2:
    across the columns) by ``_CROPPED_BLURRED[which[m]]``: one matrix product per crop, not per image."""
    out = np.empty_like(images)
    for c in np.unique(which):
        at = np.flatnonzero(which == c)
        part = images[at] if axis == 2 else images[at].transpose(0, 2, 1)
        moved = (part.reshape(-1, SIZE) @ _CROPPED_BLURRED[c].T).reshape(-1, SIZE, SIZE)
        out[at] = moved if axis == 2 else moved.transpose(0, 2, 1)
    return out


def aligned_distance(
    thumbs: np.ndarray, blurred: np.ndarray, i: np.ndarray, j: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return, for pairs ``(i[m], j[m])`` of thumbnails ``thumbs`` ``(N, SIZE, SIZE)`` uint8 (and the same
    :func:`~model.audit.fingerprint.blurred_thumbnails`), the root-mean-square difference of their blurred,
    unit-variance thumbnails once the crop that best lines them up is undone ``(M,)`` (inf where their
    profiles cannot be lined up: at most :data:`MIN_PROFILE` alike), and whether that alignment is a crop at
    all ``(M,)`` bool (False: the thumbnails line up as they are). Each pair is lined up in the direction
    whose profiles agree best (either image may be the cropped one)."""
    raw = thumbs.astype(np.float32)
    cols, rows = raw.mean(1), raw.mean(2)  # (N, SIZE) profiles across x and down y
    best = np.full(len(i), np.inf, dtype=np.float32)
    cropped = np.zeros(len(i), dtype=bool)
    kx, ky, fit = [np.zeros((2, len(i)), dtype=t) for t in (np.int64, np.int64, np.float32)]
    for d, (a, b) in enumerate(((i, j), (j, i))):  # a is taken as the original, b as the copy
        kx[d], fx = _best_crops(cols, a, b)
        at = np.flatnonzero(fx >= MIN_PROFILE)  # columns that cannot line up: not a copy this way round
        fit[d] = -1.0
        ky[d, at], fy = _best_crops(rows, a[at], b[at])
        fit[d, at] = np.minimum(fx[at], fy)
    way = fit.argmax(0)
    at = np.flatnonzero(fit.max(0) >= MIN_PROFILE)
    if not len(at):
        return best, cropped
    way, a, b = way[at], np.where(way[at] == 0, i[at], j[at]), np.where(way[at] == 0, j[at], i[at])
    kx, ky = kx[way, at], ky[way, at]
    flat_b = _unit(blurred[b].reshape(len(at), -1))
    rms = _rms(raw[a], kx, ky, flat_b)
    near = np.flatnonzero(rms < REFINE_BELOW)  # close but not lined up: try the neighbouring crops, y then x
    for axis in (1, 2):
        for step in _NEIGHBOURS.T[1:]:
            tx, ty = (kx[near], step[ky[near]]) if axis == 1 else (step[kx[near]], ky[near])
            tried = _rms(raw[a[near]], tx, ty, flat_b[near])
            better = tried < rms[near]
            rms[near[better]], kx[near[better]], ky[near[better]] = tried[better], tx[better], ty[better]
    best[at] = rms
    cropped[at] = (kx != 0) | (ky != 0)
    return best, cropped


def _rms(originals: np.ndarray, kx: np.ndarray, ky: np.ndarray, flat_copies: np.ndarray) -> np.ndarray:
    """Return the RMS difference of ``originals`` ``(M, SIZE, SIZE)`` cropped by ``kx``/``ky`` and blurred from the
    unit copies ``flat_copies`` ``(M, SIZE * SIZE)``: ``(M,)``."""
    if not len(originals):
        return np.zeros(0, dtype=np.float32)
    moved = _unit(_apply(_apply(originals, kx, 2), ky, 1).reshape(len(originals), -1))
    return np.sqrt(np.maximum(2.0 - 2.0 * np.einsum("md,md->m", moved, flat_copies), 0.0))


def _neighbour_table() -> np.ndarray:
    """Return ``(C, 5)``: per crop of :data:`CROPS`, itself and the crops of its kind one and two levels either
    side (itself where there is none)."""
    n = len(LEVELS)
    table = np.repeat(np.arange(len(CROPS))[:, None], 5, axis=1)
    for c in range(1, len(CROPS)):
        kind, level = divmod(c - 1, n)
        for k, d in enumerate((-2, -1, 1, 2), start=1):
            if 0 <= level + d < n:
                table[c, k] = 1 + kind * n + level + d
    return table


_NEIGHBOURS = _neighbour_table()
