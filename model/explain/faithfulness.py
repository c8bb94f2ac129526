"""How faithful a map is to the prediction: deletion and insertion curves (Petsiuk et al. 2018, RISE).

    score = faithfulness(clf, x, cam, class_index)        # x: the preprocessed input (3, H, W)
    score.map.deletion_area, score.random.deletion_area    # lower than random: the map finds what matters
    table = faithfulness_of_maps(clf, x, {"Grad-CAM": cam, "rollout": roll}, class_index)
    table.ranked()                                         # [(name, Curves), ...], most faithful first

Deletion: the input's pixels are replaced, in the map's order (highest value first), by those of a blurred
copy of the input, in ``steps`` equal steps; the curve is the class probability after each step, and its area
(over the removed fraction 0..1) is low when the map ranks the pixels that matter first. Insertion reveals the
input's pixels on the blurred copy in the same order; its area is high for a faithful map. A seeded random order
gives the baseline that makes the numbers mean something.

Cost: a curve pair needs ``2 * steps - 1`` perturbed images (the unperturbed input's probabilities are the
forward pass the caller already made, or one more image; the fully blurred image ends deletion and starts
insertion), run through :meth:`~model.runtime.inference.Classifier.probabilities` in two batched passes per
order (benchmarks/bench_faithfulness.py). Any map that ranks pixels works (Grad-CAM, rollout, attention,
activation); a map on a block's grid is upsampled bilinearly to the input first. ``cancel`` (a
:class:`~model.cancel.CancelToken`) is checked before every batched pass: a cancelled call raises
:class:`~model.cancel.Cancelled` after at most the pass in flight.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from model.cancel import CancelToken, check
from model.explain.introspect import upsample_map
from model.runtime.inference import Classifier

DEFAULT_STEPS = 16
BLUR_SIGMA = 0.05  # of the input's longest side: about 11 px at 224, 5 px at 96 (shapes gone, colours kept)

MapLike = torch.Tensor | np.ndarray


@dataclass(frozen=True)
class Curves:
    """Deletion and insertion curves of one pixel order: ``fractions`` ``(steps + 1,)`` from 0 to 1 (the share of
    pixels removed or revealed), ``deletion`` and ``insertion`` ``(steps + 1,)`` the class probability there."""

    fractions: np.ndarray
    deletion: np.ndarray
    insertion: np.ndarray

    @property
    def deletion_area(self) -> float:
        """Area under the deletion curve, 0-1 (trapezoids): lower is more faithful."""
        return _area(self.fractions, self.deletion)

    @property
    def insertion_area(self) -> float:
        """Area under the insertion curve, 0-1 (trapezoids): higher is more faithful."""
        return _area(self.fractions, self.insertion)


@dataclass(frozen=True)
class Faithfulness:
    """The curves of one map (``map``) and of the seeded random order (``random``; None when not asked for) for
    class ``class_index``, with ``steps`` steps."""

    class_index: int
    steps: int
    map: Curves
    random: Curves | None


@dataclass(frozen=True)
class FaithfulnessTable:
    """The curves of several maps (``maps``, by name, in the order given) for one input and class, and of the
    random order they share (``random``)."""

    class_index: int
    steps: int
    maps: dict[str, Curves]
    random: Curves

    def ranked(self) -> list[tuple[str, Curves]]:
        """Return ``(name, curves)`` pairs, most faithful first: by deletion area, lowest first (ties: by
        insertion area, highest first)."""
        return sorted(self.maps.items(), key=lambda item: (item[1].deletion_area, -item[1].insertion_area))


def _area(fractions: np.ndarray, values: np.ndarray) -> float:
    """Return the trapezoid area of ``values`` over ``fractions``."""
    widths = np.diff(fractions)
    return float(np.sum(widths * (values[1:] + values[:-1]) / 2.0))


def blurred_input(x: torch.Tensor, sigma: float | None = None) -> torch.Tensor:
    """Return a Gaussian-blurred copy of input ``x`` ``(..., 3, H, W)`` (same shape, float32); ``sigma`` in pixels,
    default :data:`BLUR_SIGMA` of the longest side. Borders are reflected, so edges keep their colour."""
    size = x.shape[-2:]
    sigma = sigma if sigma is not None else BLUR_SIGMA * max(size)
    radius = max(1, min(math.ceil(3 * sigma), min(size) - 1))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32, device=x.device)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    flat = x.float().reshape(-1, 1, *size)
    flat = F.conv2d(F.pad(flat, (radius, radius, 0, 0), mode="reflect"), kernel.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, radius, radius), mode="reflect"), kernel.view(1, 1, -1, 1))
    return flat.reshape(x.shape)


def pixel_order(grid_map: MapLike, size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """Return the flat pixel indices ``(H * W,)`` of an input of ``size`` (H, W) from the highest value of
    ``grid_map`` ``(h, w)`` (upsampled bilinearly to ``size``) to the lowest; equal values (a Grad-CAM's zeros)
    come in a seeded random order rather than top rows first."""
    grid = (
        grid_map.detach().float().cpu()
        if isinstance(grid_map, torch.Tensor)
        else torch.from_numpy(np.asarray(grid_map, dtype=np.float32))
    )
    values = upsample_map(grid, size).flatten()
    values = torch.nan_to_num(values, nan=float("-inf"))
    shuffle = torch.randperm(values.numel(), generator=torch.Generator().manual_seed(seed))
    return shuffle[torch.argsort(values[shuffle], descending=True, stable=True)]


def random_order(size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """Return a seeded random order of the flat pixel indices ``(H * W,)`` of an input of ``size`` (H, W)."""
    return torch.randperm(size[0] * size[1], generator=torch.Generator().manual_seed(seed + 1))


def _counts(pixels: int, steps: int) -> torch.Tensor:
    """Return how many pixels are switched at each inner step 1..steps-1, ``(steps - 1,)``."""
    return torch.tensor([round(k * pixels / steps) for k in range(1, steps)], dtype=torch.long)


def _perturbed(
    x: torch.Tensor, blurred: torch.Tensor, order: torch.Tensor, steps: int, deletion: bool, insertion: bool
) -> torch.Tensor:
    """Return the inner steps' images of ``x`` ``(3, H, W)`` for ``order``: the deletion ones, then the insertion
    ones, ``(n * (steps - 1), 3, H, W)`` with n the number of curves asked for."""
    height, width = x.shape[-2:]
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    switched = (rank[None] < _counts(order.numel(), steps)[:, None]).view(-1, 1, height, width)
    parts = []
    if deletion:
        parts.append(torch.where(switched, blurred, x))
    if insertion:
        parts.append(torch.where(switched, x, blurred))
    return torch.cat(parts)


def _target(
    clf: Classifier, images: torch.Tensor, class_index: torch.Tensor, batch: int, cancel: CancelToken | None = None
) -> torch.Tensor:
    """Return the probability of ``class_index[i]`` for image i of ``images`` ``(N, 3, H, W)``, ``(N,)``, running the
    model on at most ``batch`` images at a time; ``cancel`` is checked before each pass (raises Cancelled)."""
    out = []
    for i in range(0, images.shape[0], batch):
        check(cancel)
        out.append(clf.probabilities(images[i : i + batch]).gather(1, class_index[i : i + batch, None].cpu())[:, 0])
    return torch.cat(out)


def _check(x: torch.Tensor, steps: int) -> torch.Tensor:
    """Return ``x`` as ``(3, H, W)`` float32 on the CPU; raise ValueError for other shapes or ``steps`` < 2."""
    if steps < 2:
        raise ValueError(f"steps must be 2 or more, not {steps}")
    if x.dim() == 4 and x.shape[0] == 1:
        x = x[0]
    if x.dim() != 3 or x.shape[0] != 3:
        raise ValueError(f"expected one preprocessed input (3, H, W), not a tensor of shape {tuple(x.shape)}")
    return x.detach().float().cpu()


def _orders_curves(
    clf: Classifier,
    x: torch.Tensor,
    orders: Sequence[torch.Tensor],
    class_index: int,
    steps: int,
    probs: torch.Tensor | None,
    cancel: CancelToken | None,
) -> list[Curves]:
    """Return the :class:`Curves` of each pixel order for input ``x`` ``(3, H, W)``: its ``2 * steps - 2`` perturbed
    images, the fully blurred input and (without ``probs``) the input itself, in passes of ``steps`` images."""
    blurred = blurred_input(x)
    ends = [blurred[None]] if probs is not None else [x[None], blurred[None]]
    images = torch.cat([*ends, *(_perturbed(x, blurred, o, steps, True, True) for o in orders)])
    per_order = 2 * (steps - 1)
    # passes of ``steps`` images: on a CPU a pass twice as large takes more than twice as long (caches)
    target = _target(clf, images, torch.full((images.shape[0],), class_index), steps, cancel)
    full = float(probs.reshape(-1)[class_index]) if probs is not None else float(target[0])
    blurred_p = float(target[len(ends) - 1])
    fractions = np.linspace(0.0, 1.0, steps + 1)
    out = []
    for i in range(len(orders)):
        inner = target[len(ends) + i * per_order : len(ends) + (i + 1) * per_order].numpy()
        deletion = np.concatenate([[full], inner[: steps - 1], [blurred_p]])
        insertion = np.concatenate([[blurred_p], inner[steps - 1 :], [full]])
        out.append(Curves(fractions, deletion.astype(np.float64), insertion.astype(np.float64)))
    return out


def faithfulness(
    clf: Classifier,
    x: torch.Tensor,
    grid_map: MapLike,
    class_index: int,
    steps: int = DEFAULT_STEPS,
    *,
    seed: int = 0,
    baseline: bool = True,
    probs: torch.Tensor | None = None,
    cancel: CancelToken | None = None,
) -> Faithfulness:
    """Return the deletion and insertion curves of ``grid_map`` ``(h, w)`` (any grid; upsampled to the input) for
    class ``class_index`` of the preprocessed input ``x`` ``(3, H, W)`` or ``(1, 3, H, W)``, in ``steps`` steps,
    and those of a random order seeded by ``seed`` when ``baseline``.

    ``probs`` ``(classes,)``: the input's class probabilities when the caller has them already (saves one image).
    Runs ``2 * steps - 1`` images per order in two batched passes (in the classifier's placement and precision),
    without gradients. ``cancel``: checked before each pass; raises :class:`~model.cancel.Cancelled` once cancelled.
    """
    x = _check(x, steps)
    size = (x.shape[-2], x.shape[-1])
    orders = [pixel_order(grid_map, size, seed)] + ([random_order(size, seed)] if baseline else [])
    curves = _orders_curves(clf, x, orders, class_index, steps, probs, cancel)
    return Faithfulness(class_index, steps, curves[0], curves[1] if baseline else None)


def faithfulness_of_maps(
    clf: Classifier,
    x: torch.Tensor,
    maps: Mapping[str, MapLike],
    class_index: int,
    steps: int = DEFAULT_STEPS,
    *,
    seed: int = 0,
    probs: torch.Tensor | None = None,
    cancel: CancelToken | None = None,
) -> FaithfulnessTable:
    """Return the curves of every map of ``maps`` (name -> ``(h, w)``, each on any grid) and of the shared random
    baseline for class ``class_index`` of input ``x`` ``(3, H, W)``: the blurred input and the baseline are made
    once. Arguments as for :func:`faithfulness`; costs ``2 * steps - 2`` images per map and as many for the
    baseline, in passes of ``steps`` images (``cancel`` checked before each)."""
    x = _check(x, steps)
    size = (x.shape[-2], x.shape[-1])
    names = list(maps)
    orders = [pixel_order(maps[n], size, seed) for n in names] + [random_order(size, seed)]
    curves = _orders_curves(clf, x, orders, class_index, steps, probs, cancel)
    return FaithfulnessTable(class_index, steps, dict(zip(names, curves[:-1], strict=True)), curves[-1])


def deletion_areas(
    clf: Classifier,
    x: torch.Tensor,
    maps: MapLike | None,
    class_indices: Sequence[int] | torch.Tensor,
    steps: int = DEFAULT_STEPS,
    *,
    seed: int = 0,
    probs: torch.Tensor | None = None,
    batch: int = 64,
) -> np.ndarray:
    """Return the deletion area ``(B,)`` of each image of a batch ``x`` ``(B, 3, H, W)`` for its class
    ``class_indices[i]``, removing pixels in the order of ``maps[i]`` (``(B, h, w)``, any grid), or in a seeded random
    order per image when ``maps`` is None.

    ``probs`` ``(B, classes)``: the images' class probabilities when known. The ``B * steps`` perturbed images run
    through the model about ``batch`` at a time (what the folder maps and the tests use; one image's full curves are
    :func:`faithfulness`'s).
    """
    if steps < 2:
        raise ValueError(f"steps must be 2 or more, not {steps}")
    x = x.detach().float().cpu()
    count, size = x.shape[0], (x.shape[-2], x.shape[-1])
    classes = torch.as_tensor(class_indices, dtype=torch.long).reshape(count)
    blurred = blurred_input(x)
    per_image = batch // steps + 1  # images whose perturbed copies make one model call
    rows = []
    for start in range(0, count, per_image):
        part = range(start, min(count, start + per_image))
        images = []
        for i in part:
            order = random_order(size, seed + i) if maps is None else pixel_order(maps[i], size, seed)
            images.append(_perturbed(x[i], blurred[i], order, steps, True, False))
        images.append(blurred[part.start : part.stop])
        wanted = [classes[part.start : part.stop].repeat_interleave(steps - 1), classes[part.start : part.stop]]
        if probs is None:
            images.append(x[part.start : part.stop])
            wanted.append(classes[part.start : part.stop])
        target = _target(clf, torch.cat(images), torch.cat(wanted), batch + per_image * 2)
        n = len(part)
        inner = target[: n * (steps - 1)].view(n, steps - 1)
        blurred_p = target[n * (steps - 1) : n * steps]
        if probs is None:
            full = target[n * steps :]
        else:
            full = probs[part.start : part.stop].float().cpu().gather(1, classes[part.start : part.stop, None])[:, 0]
        rows.append(torch.cat([full[:, None], inner, blurred_p[:, None]], dim=1))
    fractions = np.linspace(0.0, 1.0, steps + 1)
    return np.array([_area(fractions, row) for row in torch.cat(rows).double().numpy()])
