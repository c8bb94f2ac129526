"""How faithful a 2-D map is to its feature vectors, judged two ways: how often a point's nearest points share its
true class (in the map and in the full feature space), and trustworthiness (Venna & Kaski 2001: are a point's
neighbours in the map also near it in the features?). Used by the tests and ``benchmarks/bench_embedding.py``.
"""

from __future__ import annotations

import numpy as np

from model.audit.map_neighbours import nearest_neighbours


def knn_accuracy(points: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Return the leave-one-out accuracy of a ``k``-nearest-neighbour majority vote on ``points`` ``(n, d)``
    (a map or the features) against ``labels`` ``(n,)`` int (ties: the smallest class)."""
    indices, _distances = nearest_neighbours(points, k)
    votes = labels[indices]
    counts = np.zeros((len(labels), int(labels.max()) + 1), np.int64)
    np.add.at(counts, (np.repeat(np.arange(len(labels)), votes.shape[1]), votes.ravel()), 1)
    return float((counts.argmax(1) == labels).mean())


def trustworthiness(features: np.ndarray, points: np.ndarray, k: int = 10) -> float:
    """Return the trustworthiness in [0, 1] of the map ``points`` ``(n, 2)`` of ``features`` ``(n, width)`` with
    ``k`` neighbours (1: every map neighbour is among the feature neighbours), as scikit-learn defines it (needs
    ``k < n / 2``). Builds ``(n, n)`` ranks: use a sample of a few thousand rows."""
    n = len(features)
    x = features.astype(np.float64)
    d_high = (x * x).sum(1)[:, None] + (x * x).sum(1)[None, :] - 2 * x @ x.T
    np.fill_diagonal(d_high, np.inf)
    order = np.argsort(d_high, axis=1, kind="stable")
    rank = np.empty((n, n), np.int64)
    rank[np.arange(n)[:, None], order] = np.arange(1, n + 1)[None, :]
    p = points.astype(np.float64)
    d_low = (p * p).sum(1)[:, None] + (p * p).sum(1)[None, :] - 2 * p @ p.T
    np.fill_diagonal(d_low, np.inf)
    near_low = np.argsort(d_low, axis=1, kind="stable")[:, :k]
    excess = rank[np.arange(n)[:, None], near_low] - k
    penalty = float(np.maximum(excess, 0).sum())
    return 1.0 - penalty * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))
