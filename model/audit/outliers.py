"""Outliers: images unlike the rest of the set, by their distance to their nearest neighbours in the base
network's feature space.

Each image's score is its mean cosine distance to its :data:`K` most similar images among a reference sample;
an image is an outlier when its score lies beyond a fence of all scores, ``Q3 + FENCE * IQR``. The fence adapts
to how spread the set is and, unlike a fixed share, flags nothing in a set without outliers. A base trained on
other images places foreign ones among its classes, so this finds the clearly odd images, not all of them
(benchmarks/bench_audit.py: UCI digits and noise among Fashion-MNIST).
"""

from __future__ import annotations

import numpy as np

from model.cancel import CancelToken, check

K = 5
FENCE = 10.0  # Tukey's far-out 3 flagged 4.7 % of Fashion-MNIST test images; 10 flags 0.5 % (bench_audit)
REFERENCE = 4096
_CHUNK = 2048


def neighbour_distances(
    matrix: np.ndarray, k: int = K, reference: int = REFERENCE, cancel: CancelToken | None = None
) -> np.ndarray:
    """Return each row's mean cosine distance ``(N,)`` to its ``k`` most similar rows among ``reference`` evenly
    spaced rows of ``matrix`` ``(N, D)`` (unit rows; a row is never its own neighbour; 0 for a set of one).
    Against a sample rather than all rows, the cost grows with N, not N squared. ``cancel`` is checked between
    chunks."""
    n = len(matrix)
    scores = np.zeros(n)
    ref = np.unique(np.linspace(0, n - 1, min(n, reference)).astype(np.int64))
    k = min(k, len(ref) - 1)
    if k < 1:
        return scores
    refs = matrix[ref]
    for start in range(0, n, _CHUNK):
        check(cancel)
        sims = matrix[start : start + _CHUNK] @ refs.T
        rows, cols = np.nonzero(ref[None, :] == np.arange(start, start + len(sims))[:, None])
        sims[rows, cols] = -np.inf  # not its own neighbour
        top = -np.partition(-sims, k - 1, axis=1)[:, :k]
        scores[start : start + len(sims)] = 1.0 - top.mean(1)
    return scores


def outlier_mask(scores: np.ndarray, fence: float = FENCE) -> np.ndarray:
    """Return a bool mask ``(N,)`` of the scores above ``Q3 + fence * IQR`` (none for fewer than 8 scores, too
    few for quartiles to mean much)."""
    if len(scores) < 8:
        return np.zeros(len(scores), dtype=bool)
    q1, q3 = np.percentile(scores, [25, 75])
    return scores > q3 + fence * (q3 - q1)
