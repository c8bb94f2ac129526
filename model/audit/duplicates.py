"""Exact and near-duplicate images, grouped, and the groups that leak.

- Exact duplicates: the same file content (SHA-256).
- Near-duplicates: a re-encoded, resized or slightly cropped copy, found from 32 px thumbnails
  (:mod:`model.audit.fingerprint`) in two passes. As they are: pairs whose detail vectors are alike (searched
  in :data:`PROJECTED` random projections, then checked on the whole vectors: at least :data:`MIN_DETAIL`) are
  candidates, and one is a copy when the blurred thumbnails differ by at most :data:`MAX_RMS`. Lined up: each
  image's :data:`NEIGHBOURS` nearest in a coarse 8 x 8 space are candidates, and one is a copy when, the crop
  that best lines them up undone (:mod:`model.audit.align`), the blurred thumbnails differ by at most
  :data:`MAX_ALIGNED_RMS` (a cropped copy's pixels all move, which the first pass cannot see).
  Thresholds measured on planted copies among the 10,000 Fashion-MNIST test images and real photos
  (benchmarks/bench_duplicates.py, which also says how many reported groups are false).
- Groups: the pairs joined transitively, numbered 1, 2, ... in the order of their first row.
- Frames of one video (rows ``video#t=SECONDS``; ``videos`` names each row's video): a held still or a static
  scene gives many near-identical frames, which are expected: two frames of the same video given the same class
  are not joined (they would flood the groups), and such a run of frames (a scene) joins other groups through
  its first frame only (an image copied from the video makes a group of two, not of every frame). Frames of one
  video given two classes are joined (a leak to fix), as is a frame with a frame of another video.
- Leaks: a group whose images carry two given classes (one label is wrong, or the class is ambiguous), or that
  spans a training and a held-out split (the held-out score is inflated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.audit.align import aligned_distance
from model.audit.fingerprint import (
    blurred_thumbnails,
    coarse_vectors,
    detail_vectors,
    rms_difference,
    smooth_vectors,
)
from model.audit.similar import normalised
from model.cancel import CancelToken, check

CHUNK = 1024
MIN_PROJECTED = 0.75  # random projections move dot products near 0.8 by about 0.03: a margin below MIN_DETAIL
PROJECTED = 96
MIN_DETAIL = 0.8
MAX_RMS = 0.07
NEIGHBOURS = 8
MIN_COARSE = 0.94  # planted cropped copies: 0.948 at least
MAX_ALIGNED_RMS = 0.05  # lined up: planted cropped copies 0.02 typical; distinct look-alikes rarely below 0.05


@dataclass
class Groups:
    """Duplicate groups: ``group[i]`` is row ``i``'s group number (0: none); ``exact[i]`` is True when another
    row of its group has the same content; ``leaks`` maps group number -> what leaks, in words."""

    group: np.ndarray
    exact: np.ndarray
    leaks: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """The number of groups."""
        return int(self.group.max(initial=0))


class _UnionFind:
    def __init__(self, n: int):
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:  # path compression
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)


def _projected(detail: np.ndarray) -> np.ndarray:
    """Return ``detail`` ``(N, D)`` projected on :data:`PROJECTED` fixed random directions (seeded): dot products
    are kept to within a few hundredths (Johnson-Lindenstrauss), enough to find candidates that are then checked
    on the whole vectors, at a fraction of the cost (a principal-component basis cost seconds more, measured)."""
    if detail.shape[1] <= PROJECTED:
        return detail
    directions = np.random.default_rng(0).standard_normal((detail.shape[1], PROJECTED)).astype(np.float32)
    return detail @ directions


def near_pairs(thumbs: np.ndarray, cancel: CancelToken | None = None) -> list[tuple[int, int]]:
    """Return the near-duplicate pairs ``(i, j)``, ``i < j``, among thumbnails ``(N, SIZE, SIZE)`` uint8:

    - as they are: candidates whose projected detail vectors are at least :data:`MIN_PROJECTED` alike, kept
      when the whole detail vectors are at least :data:`MIN_DETAIL` alike and the smooth ones at most
      :data:`MAX_RMS` apart (re-encoded and resized copies);
    - lined up: each image's :data:`NEIGHBOURS` nearest in the coarse space (at least :data:`MIN_COARSE`
      alike), kept when, the crop that best lines them up undone (:mod:`model.audit.align`), the smooth
      thumbnails are at most :data:`MAX_ALIGNED_RMS` apart (slightly cropped copies).

    ``cancel`` is checked between chunks of :data:`CHUNK` rows."""
    if len(thumbs) < 2:
        return []
    blurred = blurred_thumbnails(thumbs)
    detail, smooth = detail_vectors(thumbs), smooth_vectors(thumbs, blurred)
    projected = normalised(_projected(detail))
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(thumbs), CHUNK):
        check(cancel)
        sims = projected[start : start + CHUNK] @ projected[start:].T  # only pairs with j >= i
        i, j = np.nonzero(sims >= MIN_PROJECTED)
        i, j = i + start, j + start
        i, j = i[i < j], j[i < j]
        keep = np.einsum("ij,ij->i", detail[i], detail[j]) >= MIN_DETAIL
        i, j = i[keep], j[keep]
        keep = rms_difference(smooth[i], smooth[j]) <= MAX_RMS
        pairs.update(zip(i[keep].tolist(), j[keep].tolist(), strict=True))
    i, j = _coarse_candidates(coarse_vectors(blurred), pairs, cancel)
    for start in range(0, len(i), CHUNK * 4):
        check(cancel)
        a, b = i[start : start + CHUNK * 4], j[start : start + CHUNK * 4]
        rms, _ = aligned_distance(thumbs, blurred, a, b)
        keep = rms <= MAX_ALIGNED_RMS
        pairs.update(zip(a[keep].tolist(), b[keep].tolist(), strict=True))
    return sorted(pairs)


def _coarse_candidates(
    coarse: np.ndarray, found: set[tuple[int, int]], cancel: CancelToken | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs ``(i, j)``, ``i < j``, at least :data:`MIN_COARSE` alike in the coarse space ``(N, D)``
    where one is among the other's :data:`NEIGHBOURS` nearest (a bound on the work where many images look
    alike), less those already ``found``."""
    n = len(coarse)
    firsts, seconds, sims = [], [], []
    for start in range(0, n, CHUNK):
        check(cancel)
        block = coarse[start : start + CHUNK] @ coarse[start:].T  # only pairs with j >= i
        i, j = np.nonzero(block >= MIN_COARSE)
        keep = i < j
        firsts.append(i[keep] + start)
        seconds.append(j[keep] + start)
        sims.append(block[i[keep], j[keep]])
    i, j, sim = np.concatenate(firsts), np.concatenate(seconds), np.concatenate(sims)
    near = _ranks(i, sim) < NEIGHBOURS
    near |= _ranks(j, sim) < NEIGHBOURS
    i, j = i[near], j[near]
    if found:
        known = np.array([a * n + b for a, b in found], dtype=np.int64)
        fresh = ~np.isin(i * n + j, known)
        i, j = i[fresh], j[fresh]
    return i, j


def _ranks(owner: np.ndarray, sim: np.ndarray) -> np.ndarray:
    """Return each pair's rank among the pairs of the same ``owner`` image, most alike first: ``(M,)``.
    (One float sort on ``owner * 4 - sim``, sims being in [-1, 1]: several times faster than a lexsort.)"""
    order = np.argsort(owner * 4.0 - sim, kind="stable")
    sorted_owner = owner[order]
    ranks = np.empty(len(owner), dtype=np.int64)
    ranks[order] = np.arange(len(owner)) - np.searchsorted(sorted_owner, sorted_owner, side="left")
    return ranks


def find_groups(
    digests: list[str],
    thumbs: np.ndarray,
    given: list[str],
    splits: list[str] | None = None,
    cancel: CancelToken | None = None,
    videos: list[str] | None = None,
) -> Groups:
    """Return the duplicate :class:`Groups` of ``N`` images: content ``digests``, thumbnails ``(N, SIZE, SIZE)``
    uint8 (:func:`~model.audit.fingerprint.thumbnail`), ``given`` class names, ``splits`` (e.g. "train" /
    "held-out"; None when there is one split) and ``videos`` (per row the video a frame comes from, "" for an
    image; None when there are no frames): frames of one video given one class are not joined, and a scene of
    them joins other groups through its first frame (see the module)."""
    n = len(digests)
    uf = _UnionFind(n)
    first: dict[str, int] = {}
    exact = np.zeros(n, dtype=bool)
    for i, digest in enumerate(digests):
        if digest in first:
            uf.union(first[digest], i)
            exact[i] = exact[first[digest]] = True
        else:
            first[digest] = i
    scene = _UnionFind(n)  # near-identical frames of one video with one class: a scene, its first frame stands in
    cross = []
    for i, j in near_pairs(thumbs, cancel):
        if videos and videos[i] and videos[i] == videos[j] and given[i] == given[j]:
            scene.union(i, j)
        else:
            cross.append((i, j))
    for i, j in cross:
        uf.union(scene.find(i), scene.find(j))
    roots = np.array([uf.find(i) for i in range(n)], dtype=np.int64)
    sizes = np.bincount(roots, minlength=n)
    group = np.zeros(n, dtype=np.int64)
    numbers: dict[int, int] = {}
    for i in range(n):  # numbered in the order of each group's first row
        if sizes[roots[i]] > 1:
            group[i] = numbers.setdefault(int(roots[i]), len(numbers) + 1)
    return Groups(group, exact, _leaks(group, given, splits))


def _leaks(group: np.ndarray, given: list[str], splits: list[str] | None) -> dict[int, str]:
    """Return, per leaking group number, what leaks: two classes, or a training and a held-out split."""
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(group):
        members.setdefault(int(group[i]), []).append(int(i))
    leaks = {}
    for number, rows in members.items():
        why = []
        classes = sorted({given[i] for i in rows if given[i]})
        if len(classes) > 1:
            why.append(f"the same image is labelled {' and '.join(classes)}")
        if splits is not None:
            parts = sorted({splits[i] for i in rows})
            if len(parts) > 1:
                why.append(f"the same image is in {' and '.join(parts)}")
        if why:
            leaks[number] = "; ".join(why)
    return leaks
