"""Outliers: images unlike the rest of the set, by their distance to their nearest neighbours in the base
network's feature space.

Each image's score is its mean cosine distance to its :data:`K` most similar other images; an image is an
outlier when its score lies beyond Tukey's far-out fence of all scores, ``Q3 + 3 * IQR``. The fence adapts to
how spread the set is and, unlike a fixed share, flags nothing in a set without outliers.
"""

from __future__ import annotations

import numpy as np

from model.audit.similar import SimilarIndex
from model.cancel import CancelToken, check

K = 5
FENCE = 3.0


def neighbour_distances(index: SimilarIndex, k: int = K, cancel: CancelToken | None = None) -> np.ndarray:
    """Return each row's mean cosine distance ``(N,)`` to its ``k`` most similar other rows of ``index``
    (0 for a set of one). ``cancel`` is checked between chunks."""
    scores = np.zeros(len(index))
    if len(index) < 2:
        return scores
    for start, _, sims in index.neighbours(k):
        check(cancel)
        scores[start : start + len(sims)] = 1.0 - sims.mean(1)
    return scores


def outlier_mask(scores: np.ndarray, fence: float = FENCE) -> np.ndarray:
    """Return a bool mask ``(N,)`` of the scores above ``Q3 + fence * IQR`` (none for fewer than 8 scores, too
    few for quartiles to mean much)."""
    if len(scores) < 8:
        return np.zeros(len(scores), dtype=bool)
    q1, q3 = np.percentile(scores, [25, 75])
    return scores > q3 + fence * (q3 - q1)
