"""A 2-D map of feature vectors: PCA at once, then a UMAP-like layout refined in steps.

    start = pca_map(vectors)                       # (n, 2) float32, milliseconds
    for step in refine_map(vectors, start, cancel=token):
        if step.layout is not None:
            draw(step.layout)                      # every few epochs, then the final layout

The refinement follows UMAP (McInnes et al. 2018) and is written here, so that the bundle carries no numba,
llvmlite, pynndescent or scikit-learn: the exact k nearest neighbours by blocked matrix products (on the vectors
projected onto their first ``dims`` principal components), fuzzy edge weights (each point's distance to its
nearest neighbour and a bandwidth that makes its weights sum to log2 k; symmetrised as a fuzzy union), then
stochastic gradient descent from the PCA map: attraction along edges sampled in proportion to their weight and
repulsion from ``negatives`` random points per sampled edge, with UMAP's curve for ``min_dist`` 0.1. Each epoch
updates all sampled edges at once (torch scatter-adds), which is what makes it fast enough in Python; the step
size decays linearly to 0. Deterministic for a given ``seed`` and thread count.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from model.audit.map_neighbours import neighbour_steps
from model.cancel import CancelToken, check

CURVE_A, CURVE_B = 1.577, 0.8951  # UMAP's 1 / (1 + a d^2b) fitted for min_dist = 0.1, spread = 1
CLIP = 4.0  # UMAP's bound on each gradient coordinate
MANY = 10_000  # above this many points, fewer epochs by default
PCA_EXTENT = 10.0  # the PCA map's largest coordinate, as UMAP scales its initial layout


@dataclass(frozen=True)
class MapSettings:
    """How the map is refined: ``neighbours`` per point in the graph, ``epochs`` of descent, ``negatives``
    repulsion samples per sampled edge, ``dims`` principal components the neighbours are searched in (0: the
    full vectors), ``yield_every`` epochs between intermediate layouts, ``seed`` of the sampling. ``epochs``
    None: 200 up to :data:`MANY` points, 100 above (measured on 10,000 Fashion-MNIST features: the same
    neighbour accuracy and trustworthiness within 0.002, in half the time)."""

    neighbours: int = 15
    epochs: int | None = None
    negatives: int = 5
    dims: int = 48
    yield_every: int = 10
    seed: int = 0


@dataclass
class MapStep:
    """One step of :func:`refine_map`: ``phase`` "neighbours" or "layout", ``done`` of ``total`` (blocks or
    epochs), and ``layout`` ``(n, 2)`` float32 when this step carries a layout (a copy: the caller may keep it)."""

    phase: str
    done: int
    total: int
    layout: np.ndarray | None = None


def principal_axes(vectors: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the mean ``(width,)`` and the first ``count`` principal axes ``(width, count)`` of ``vectors``
    ``(n, width)``, largest variance first; each axis' sign is fixed (its largest loading positive)."""
    x = np.asarray(vectors, dtype=np.float64)
    mean = x.mean(0)
    centred = x - mean
    values, axes = np.linalg.eigh(centred.T @ centred)
    axes = axes[:, np.argsort(values)[::-1][: min(count, x.shape[1])]]
    signs = np.sign(axes[np.abs(axes).argmax(0), np.arange(axes.shape[1])])
    return mean, axes * np.where(signs == 0, 1.0, signs)


def project(vectors: np.ndarray, count: int) -> np.ndarray:
    """Return ``vectors`` ``(n, width)`` on their first ``count`` principal axes: ``(n, min(count, width))``
    float32."""
    mean, axes = principal_axes(vectors, count)
    return ((np.asarray(vectors, dtype=np.float64) - mean) @ axes).astype(np.float32)


def pca_map(vectors: np.ndarray) -> np.ndarray:
    """Return the PCA map ``(n, 2)`` float32 of ``vectors`` ``(n, width)``: the first two principal components,
    scaled so that the largest coordinate is :data:`PCA_EXTENT` (one point or identical vectors: zeros)."""
    if len(vectors) < 2:
        return np.zeros((len(vectors), 2), np.float32)
    xy = project(vectors, 2)
    if xy.shape[1] < 2:
        xy = np.pad(xy, ((0, 0), (0, 2 - xy.shape[1])))
    extent = float(np.abs(xy).max())
    return (xy * (PCA_EXTENT / extent) if extent > 0 else xy).astype(np.float32)


def fuzzy_edges(indices: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the fuzzy graph of a kNN result (``(n, k)`` indices and ascending distances) as directed edges
    ``(heads, tails, weights)``: each point's weights ``exp(-(d - rho) / sigma)``, ``rho`` its nearest distance and
    ``sigma`` found by bisection so they sum to log2 k; then the fuzzy union ``w + w' - w w'`` of both
    directions, every edge listed both ways."""
    n, k = indices.shape
    d = distances.astype(np.float64)
    rho = d[:, 0]
    excess = np.maximum(d - rho[:, None], 0.0)
    target = np.log2(k)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    sigma = np.ones(n)
    for _ in range(64):
        total = np.exp(-excess / sigma[:, None]).sum(1)
        big = total > target  # weights too large: a narrower bandwidth
        hi = np.where(big, sigma, hi)
        lo = np.where(big, lo, sigma)
        sigma = np.where(np.isinf(hi), sigma * 2.0, (lo + hi) / 2.0)
    sigma = np.maximum(sigma, 1e-3 * max(float(d.mean()), 1e-12))
    weights = np.exp(-excess / sigma[:, None]).ravel()
    heads = np.repeat(np.arange(n, dtype=np.int64), k)
    tails = indices.ravel().astype(np.int64)
    # Fuzzy union: every directed weight meets its reverse (if any) under one key; sum minus product.
    keys = np.concatenate([heads * n + tails, tails * n + heads])
    values = np.concatenate([weights, weights])
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    first = np.ones(len(keys), bool)
    first[1:] = keys[1:] != keys[:-1]
    group = np.cumsum(first) - 1
    sums = np.bincount(group, weights=values)
    pair = np.flatnonzero(~first)  # the second of a key's two entries (at most two: one per direction)
    products = np.zeros_like(sums)
    products[group[pair]] = values[pair] * values[pair - 1]
    unique = keys[first]
    return unique // n, unique % n, (sums - products).astype(np.float32)


def refine_map(
    vectors: np.ndarray,
    start: np.ndarray,
    settings: MapSettings | None = None,
    cancel: CancelToken | None = None,
) -> Iterator[MapStep]:
    """Refine the map ``start`` ``(n, 2)`` (usually :func:`pca_map`) of ``vectors`` ``(n, width)``; yield
    :class:`MapStep`\\ s: the neighbour search per block, then every ``settings.yield_every`` epochs a layout, the
    last step the final layout. Fewer than 3 points: the start itself. Raises
    :class:`~model.cancel.Cancelled` at a block or epoch once ``cancel`` is cancelled."""
    settings = settings or MapSettings()
    n = len(vectors)
    if n < 3:
        yield MapStep("layout", 1, 1, np.array(start, np.float32, copy=True))
        return
    searched = project(vectors, settings.dims) if 0 < settings.dims < vectors.shape[1] else vectors
    steps = neighbour_steps(searched, settings.neighbours, cancel=cancel)
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            indices, distances = stop.value
            break
        yield MapStep("neighbours", done, total)
    heads, tails, weights = fuzzy_edges(indices, distances)
    yield from _descend(start, heads, tails, weights, settings, cancel)


def _descend(
    start: np.ndarray,
    heads: np.ndarray,
    tails: np.ndarray,
    weights: np.ndarray,
    settings: MapSettings,
    cancel: CancelToken | None,
) -> Iterator[MapStep]:
    """The gradient descent of :func:`refine_map` on the fuzzy graph's edges; yields the layouts."""
    epochs = settings.epochs or (200 if len(start) <= MANY else 100)
    keep = weights >= weights.max() / epochs  # UMAP drops edges too weak to be sampled once
    head, tail = torch.from_numpy(heads[keep]), torch.from_numpy(tails[keep])
    period = torch.from_numpy(weights.max() / weights[keep]).double()  # epochs between two samples of an edge
    due = period.clone()
    # Positions as complex numbers x + iy: one gather, one subtraction and one scatter-add per point pair.
    y = torch.view_as_complex(torch.from_numpy(np.array(start, np.float32, copy=True)))
    n = len(y)
    generator = np.random.default_rng(settings.seed)
    for epoch in range(epochs):
        check(cancel)
        alpha = 1.0 - epoch / epochs
        sampled = torch.nonzero(due <= epoch + 1).squeeze(1)
        due[sampled] += period[sampled]
        i, j = head.index_select(0, sampled), tail.index_select(0, sampled)
        delta = y.index_select(0, i) - y.index_select(0, j)
        d2 = _squared(delta)
        d2b = d2.pow(CURVE_B)
        pull = (-2.0 * CURVE_A * CURVE_B) * d2b / (d2 * (1.0 + CURVE_A * d2b))
        step = _clipped(pull * delta, alpha)
        update = torch.zeros_like(y)
        update.index_add_(0, i, step)
        update.index_add_(0, j, -step)
        # Repulsion: each sampled edge's head is pushed from `negatives` random points.
        rep_i = i.repeat_interleave(settings.negatives)
        others = torch.from_numpy(generator.integers(0, n, len(rep_i), dtype=np.int64))
        delta = y.index_select(0, rep_i) - y.index_select(0, others)
        d2 = _squared(delta)
        push = (2.0 * CURVE_B) / ((0.001 + d2) * (1.0 + CURVE_A * d2.pow(CURVE_B)))
        update.index_add_(0, rep_i, _clipped(push.masked_fill_(others == rep_i, 0.0) * delta, alpha))
        y += update
        last = epoch + 1 == epochs
        if last or (epoch + 1) % max(1, settings.yield_every) == 0:
            yield MapStep("layout", epoch + 1, epochs, torch.view_as_real(y).numpy().copy())
        else:
            yield MapStep("layout", epoch + 1, epochs)


def _squared(delta: torch.Tensor) -> torch.Tensor:
    """Return the squared lengths ``(e,)`` float32 of complex offsets ``delta`` ``(e,)`` (at least 1e-12)."""
    parts = torch.view_as_real(delta)
    return (parts[:, 0] * parts[:, 0] + parts[:, 1] * parts[:, 1]).clamp_(min=1e-12)


def _clipped(step: torch.Tensor, alpha: float) -> torch.Tensor:
    """Return complex steps ``(e,)`` with each coordinate clipped to +-:data:`CLIP`, times the rate ``alpha``."""
    torch.view_as_real(step).clamp_(-CLIP, CLIP).mul_(alpha)
    return step
