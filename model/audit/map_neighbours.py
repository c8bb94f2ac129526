"""The k nearest neighbours of every feature vector, for the embedding map (:mod:`model.audit.embedding`) and its
quality measures: exact by blocked matrix products, or, for many points, among the points of the nearest few
k-means clusters (an inverted-file search, as in faiss' IVF: a point's neighbours are nearly always in the
clusters nearest to its own). Both are generators that yield ``(done, total)`` steps, check ``cancel`` at each
and return ``(indices, distances)``; :func:`neighbour_steps` picks one by size.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import torch

from model.cancel import CancelToken, check

EXACT_UP_TO = 20_000  # points: above, the clustered search (the exact one grows with the square)
PROBES = 8  # clusters searched per cluster

Search = Generator[tuple[int, int], None, tuple[np.ndarray, np.ndarray]]


def neighbour_steps(vectors: np.ndarray, k: int, cancel: CancelToken | None = None) -> Search:
    """The exact search up to :data:`EXACT_UP_TO` points, the clustered one above."""
    if len(vectors) <= EXACT_UP_TO:
        return exact_blocks(vectors, k, cancel=cancel)
    return clustered_blocks(vectors, k, cancel=cancel)


def exact_blocks(vectors: np.ndarray, k: int, block: int = 1024, cancel: CancelToken | None = None) -> Search:
    """Find the exact ``k`` nearest neighbours (Euclidean, itself excluded) of every row of ``vectors`` ``(n, d)``
    by blocks of ``block`` rows, yielding ``(done_blocks, total_blocks)``; return ``(indices, distances)``, ``(n,
    k)`` int64 and float32, nearest first. Checks ``cancel`` per block."""
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    n = len(x)
    k = min(k, n - 1)
    norms = (x * x).sum(1)
    indices = torch.empty((n, k), dtype=torch.int64)
    distances = torch.empty((n, k), dtype=torch.float32)
    total = -(-n // block)
    for b, start in enumerate(range(0, n, block)):
        check(cancel)
        stop = min(n, start + block)
        d2 = norms[start:stop, None] + norms[None, :] - 2.0 * (x[start:stop] @ x.T)
        d2[torch.arange(stop - start), torch.arange(start, stop)] = float("inf")
        best, at = torch.topk(d2, k, dim=1, largest=False, sorted=True)
        indices[start:stop], distances[start:stop] = at, best.clamp_(min=0).sqrt_()
        yield b + 1, total
    return indices.numpy(), distances.numpy()


def nearest_neighbours(
    vectors: np.ndarray, k: int, exact: bool = True, block: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ``k`` nearest neighbours of every row of ``vectors`` ``(n, d)``, itself excluded: ``(indices,
    distances)`` ``(n, k)`` int64 and float32, nearest first; ``exact`` False: by :func:`clustered_blocks`."""
    steps = exact_blocks(vectors, k, block) if exact else clustered_blocks(vectors, k)
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def clustered_blocks(
    vectors: np.ndarray, k: int, probes: int = PROBES, cancel: CancelToken | None = None, seed: int = 0
) -> Search:
    """Find about the ``k`` nearest neighbours of every row of ``vectors`` ``(n, d)`` (itself excluded): k-means
    into about sqrt(n) clusters (8 rounds), then each cluster's points against the points of its ``probes``
    nearest clusters (more when those hold fewer than k + 1 points); yield ``(done_clusters, total)``; return
    ``(indices, distances)`` ``(n, k)``, nearest first. Measured on 10,000 Fashion-MNIST features (48
    principal components), k = 15: recall 0.993 of the exact neighbours, in a fifth of the time."""
    x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    n = len(x)
    k = min(k, n - 1)
    count = max(1, min(n, int(np.sqrt(n))))
    rng = np.random.default_rng(seed)
    centres = x[torch.from_numpy(rng.choice(n, count, replace=False))].clone()
    for _ in range(8):
        check(cancel)
        assign = torch.cdist(x, centres).argmin(1)
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        sizes = torch.bincount(assign, minlength=count)
        filled = sizes > 0
        centres[filled] = sums[filled] / sizes[filled, None]
    assign = torch.cdist(x, centres).argmin(1)
    order = torch.argsort(assign, stable=True)
    bounds = torch.searchsorted(assign[order], torch.arange(count + 1))
    members = [order[bounds[c] : bounds[c + 1]] for c in range(count)]
    nearest_clusters = torch.argsort(torch.cdist(centres, centres), dim=1)
    sizes = torch.tensor([len(m) for m in members])
    indices = torch.empty((n, k), dtype=torch.int64)
    distances = torch.empty((n, k), dtype=torch.float32)
    for c in range(count):
        check(cancel)
        queries = members[c]
        if len(queries):
            reach = max(probes, int(torch.searchsorted(sizes[nearest_clusters[c]].cumsum(0), k + 1)) + 1)
            candidates = torch.cat([members[int(p)] for p in nearest_clusters[c, :reach]])
            d2 = torch.cdist(x[queries], x[candidates]).square_()
            d2[queries[:, None] == candidates[None, :]] = float("inf")
            best, at = torch.topk(d2, k, dim=1, largest=False, sorted=True)
            indices[queries], distances[queries] = candidates[at], best.sqrt_()
        yield c + 1, count
    return indices.numpy(), distances.numpy()
