"""How faithful a map is to the prediction: deletion and insertion curves (Petsiuk et al. 2018, RISE).

    score = faithfulness(clf, x, cam, class_index)        # x: the preprocessed input (3, H, W)
    score.map.deletion_area, score.random.deletion_area    # lower than random: the map finds what matters
    table = faithfulness_of_maps(clf, x, {"Grad-CAM": cam, "rollout": roll}, class_index)
    table.ranked()                                         # [(name, Curves), ...], most faithful first

Deletion: the input's pixels are replaced, in the map's order (highest value first), by a fill (a blurred copy of
the input by default; the dataset mean, noise or ROAD's imputation: :mod:`model.explain.fills`), in ``steps`` equal
steps; the curve is the class probability after each step, and its area
(over the removed fraction 0..1) is low when the map ranks the pixels that matter first. Insertion reveals the
input's pixels on the filled image in the same order; its area is high for a faithful map. Several seeded random
orders (:data:`RANDOM_ORDERS`) give the baseline that makes the numbers mean something, with an interval that says
when a difference is too small to tell (:mod:`model.explain.verdicts`).

Cost: a curve pair needs ``2 * steps - 1`` perturbed images (the unperturbed input's probabilities are the
forward pass the caller already made, or one more image; the fully filled image ends deletion and starts
insertion), run through :meth:`~model.runtime.inference.Classifier.probabilities` in two batched passes per
order (benchmarks/bench_faithfulness.py). Any map that ranks pixels works (Grad-CAM, rollout, attention,
activation); a map on a block's grid is upsampled bilinearly to the input first. ``cancel`` (a
:class:`~model.cancel.CancelToken`) is checked before every batched pass: a cancelled call raises
:class:`~model.cancel.Cancelled` after at most the pass in flight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from model.cancel import CancelToken, check
from model.explain.fills import Fill, blurred_input, make_fill, replace_with
from model.explain.introspect import upsample_map
from model.explain.verdicts import Verdicts, judge
from model.runtime.inference import Classifier

DEFAULT_STEPS = 16
DEFAULT_FILL = "blur"
RANDOM_ORDERS = 6  # seeded random orders per baseline: the interval's t(5) = 2.57

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


def mean_curves(orders: Sequence[Curves]) -> Curves:
    """Return the point-wise mean of the curves of ``orders`` (its areas are the mean areas)."""
    return Curves(
        orders[0].fractions,
        np.mean([o.deletion for o in orders], axis=0),
        np.mean([o.insertion for o in orders], axis=0),
    )


@dataclass(frozen=True)
class Faithfulness:
    """The curves of one map (``map``) and of the seeded random orders (``random_orders``; empty when not asked
    for) for class ``class_index``, with ``steps`` steps, the pixels removed with ``fill``. ``random``: the random
    orders' mean curves (None without them)."""

    class_index: int
    steps: int
    map: Curves
    random_orders: tuple[Curves, ...] = ()
    fill: str = DEFAULT_FILL

    @property
    def random(self) -> Curves | None:
        """The mean curves of the random orders, or None."""
        return mean_curves(self.random_orders) if self.random_orders else None

    @property
    def verdicts(self) -> Verdicts | None:
        """Better / worse / inconclusive against the random orders (:func:`~model.explain.verdicts.judge`), or
        None without them."""
        return judge(self.map, self.random_orders) if self.random_orders else None


@dataclass(frozen=True)
class FaithfulnessTable:
    """The curves of several maps (``maps``, by name, in the order given) for one input and class, and of the
    random orders they share (``random_orders``; ``random`` their mean), the pixels removed with ``fill``."""

    class_index: int
    steps: int
    maps: dict[str, Curves]
    random_orders: tuple[Curves, ...]
    fill: str = DEFAULT_FILL

    @property
    def random(self) -> Curves:
        """The mean curves of the random orders."""
        return mean_curves(self.random_orders)

    def verdicts(self, name: str) -> Verdicts:
        """Return the verdicts of map ``name`` against the random orders."""
        return judge(self.maps[name], self.random_orders)

    def ranked(self) -> list[tuple[str, Curves]]:
        """Return ``(name, curves)`` pairs, most faithful first: by deletion area, lowest first (ties: by
        insertion area, highest first)."""
        return sorted(self.maps.items(), key=lambda item: (item[1].deletion_area, -item[1].insertion_area))


def _area(fractions: np.ndarray, values: np.ndarray) -> float:
    """Return the trapezoid area of ``values`` over ``fractions``."""
    widths = np.diff(fractions)
    return float(np.sum(widths * (values[1:] + values[:-1]) / 2.0))


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
    fill: Fill, size: tuple[int, int], order: torch.Tensor, steps: int, deletion: bool, insertion: bool
) -> torch.Tensor:
    """Return the inner steps' images of an input of ``size`` (H, W) for ``order``, the pixels removed with
    ``fill``: the deletion ones, then the insertion ones, ``(n * (steps - 1), 3, H, W)`` with n the number of curves
    asked for."""
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    switched = (rank[None] < _counts(order.numel(), steps)[:, None]).view(-1, 1, *size)
    masks = ([switched] if deletion else []) + ([~switched] if insertion else [])
    return fill(torch.cat(masks))


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
    fill_name: str = DEFAULT_FILL,
) -> list[Curves]:
    """Return the :class:`Curves` of each pixel order for input ``x`` ``(3, H, W)``: its ``2 * steps - 2`` perturbed
    images (made one order at a time: a large input's images for many orders would not fit), the fully filled input
    and (without ``probs``) the input itself, in passes of ``steps`` images; ``cancel`` is checked before each."""
    size = (x.shape[-2], x.shape[-1])
    fill = make_fill(fill_name, x)
    empty = fill(torch.ones(1, 1, *size, dtype=torch.bool))
    ends = empty if probs is not None else torch.cat([x[None], empty])
    # passes of ``steps`` images: on a CPU a pass twice as large takes more than twice as long (caches)
    end_p = _target(clf, ends, torch.full((ends.shape[0],), class_index), steps, cancel)
    full = float(probs.reshape(-1)[class_index]) if probs is not None else float(end_p[0])
    empty_p = float(end_p[-1])
    fractions = np.linspace(0.0, 1.0, steps + 1)
    out = []
    for order in orders:
        check(cancel)  # the ROAD fill's imputation takes as long as a pass
        images = _perturbed(fill, size, order, steps, True, True)
        inner = _target(clf, images, torch.full((images.shape[0],), class_index), steps, cancel).numpy()
        deletion = np.concatenate([[full], inner[: steps - 1], [empty_p]])
        insertion = np.concatenate([[empty_p], inner[steps - 1 :], [full]])
        out.append(Curves(fractions, deletion.astype(np.float64), insertion.astype(np.float64)))
    return out


def random_orders(size: tuple[int, int], count: int, seed: int = 0) -> list[torch.Tensor]:
    """Return ``count`` seeded random orders of an input of ``size`` (H, W): seeds ``seed`` .. ``seed + count - 1``
    of :func:`random_order`."""
    return [random_order(size, seed + i) for i in range(count)]


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
    fill: str = DEFAULT_FILL,
    orders: int = RANDOM_ORDERS,
) -> Faithfulness:
    """Return the deletion and insertion curves of ``grid_map`` ``(h, w)`` (any grid; upsampled to the input) for
    class ``class_index`` of the preprocessed input ``x`` ``(3, H, W)`` or ``(1, 3, H, W)``, in ``steps`` steps,
    the pixels removed with ``fill`` (a key of :data:`~model.choices.FILL_CHOICES`), and when ``baseline`` those
    of ``orders`` random orders seeded from ``seed``.

    ``probs`` ``(classes,)``: the input's class probabilities when the caller has them already (saves one image).
    Runs ``2 * steps - 2`` images per order in two batched passes (in the classifier's placement and precision),
    and the fully filled image, without gradients. ``cancel``: checked before each pass; raises
    :class:`~model.cancel.Cancelled` once cancelled. Raises ValueError for an unknown fill.
    """
    x = _check(x, steps)
    size = (x.shape[-2], x.shape[-1])
    pixel_orders = [pixel_order(grid_map, size, seed)] + (random_orders(size, orders, seed) if baseline else [])
    curves = _orders_curves(clf, x, pixel_orders, class_index, steps, probs, cancel, fill)
    return Faithfulness(class_index, steps, curves[0], tuple(curves[1:]), fill)


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
    fill: str = DEFAULT_FILL,
    orders: int = RANDOM_ORDERS,
) -> FaithfulnessTable:
    """Return the curves of every map of ``maps`` (name -> ``(h, w)``, each on any grid) and of the shared random
    baseline (``orders`` seeded random orders) for class ``class_index`` of input ``x`` ``(3, H, W)``: the fill
    and the baseline are made once. Arguments as for :func:`faithfulness`; costs ``2 * steps - 2`` images per map
    and per random order, in passes of ``steps`` images (``cancel`` checked before each)."""
    x = _check(x, steps)
    size = (x.shape[-2], x.shape[-1])
    names = list(maps)
    pixel_orders = [pixel_order(maps[n], size, seed) for n in names] + random_orders(size, orders, seed)
    curves = _orders_curves(clf, x, pixel_orders, class_index, steps, probs, cancel, fill)
    mapped = dict(zip(names, curves[: len(names)], strict=True))
    return FaithfulnessTable(class_index, steps, mapped, tuple(curves[len(names) :]), fill)


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
    return curve_areas(deletion_curves(clf, x, maps, class_indices, steps, seed=seed, probs=probs, batch=batch))[:, 0]


def curve_areas(curves: np.ndarray) -> np.ndarray:
    """Return the trapezoid area of each curve of ``curves`` ``(..., steps + 1)`` (values at equally spaced
    fractions 0..1), shaped ``curves.shape[:-1]``."""
    fractions = np.linspace(0.0, 1.0, curves.shape[-1])
    flat = curves.reshape(-1, curves.shape[-1])
    return np.array([_area(fractions, row) for row in flat]).reshape(curves.shape[:-1])


def deletion_curves(
    clf: Classifier,
    x: torch.Tensor,
    maps: MapLike | None,
    class_indices: Sequence[int] | torch.Tensor,
    steps: int = DEFAULT_STEPS,
    *,
    seed: int = 0,
    probs: torch.Tensor | None = None,
    batch: int = 64,
    orders: int = 0,
) -> np.ndarray:
    """Return the deletion curves ``(B, 1 + orders, steps + 1)`` float64 of each image of a batch ``x``
    ``(B, 3, H, W)`` for its class ``class_indices[i]``, the pixels replaced by the blurred fill: curve 0 removes
    them in the order of ``maps[i]`` (``(B, h, w)``, any grid; a seeded random order per image when ``maps`` is
    None), curves 1.. in each of ``orders`` seeded random orders, the same for every image and the same as
    :func:`faithfulness`'s (seeds ``seed`` .. ``seed + orders - 1``). Arguments as for :func:`deletion_areas`;
    costs ``(1 + orders) * (steps - 1)`` images per image, and the blurred one."""
    if steps < 2:
        raise ValueError(f"steps must be 2 or more, not {steps}")
    x = x.detach().float().cpu()
    count, size = x.shape[0], (x.shape[-2], x.shape[-1])
    classes = torch.as_tensor(class_indices, dtype=torch.long).reshape(count)
    blurred = blurred_input(x)
    shared = random_orders(size, orders, seed)
    curves = 1 + orders
    per_image = batch // (steps * curves) + 1  # images whose perturbed copies make one model call
    rows = []
    for start in range(0, count, per_image):
        part = range(start, min(count, start + per_image))
        images = []
        for i in part:
            order = random_order(size, seed + i) if maps is None else pixel_order(maps[i], size, seed)
            fill = replace_with(x[i], blurred[i])  # the folder maps' scores use the blurred fill
            images += [_perturbed(fill, size, o, steps, True, False) for o in [order, *shared]]
        images.append(blurred[part.start : part.stop])
        wanted = [
            classes[part.start : part.stop].repeat_interleave(curves * (steps - 1)),
            classes[part.start : part.stop],
        ]
        if probs is None:
            images.append(x[part.start : part.stop])
            wanted.append(classes[part.start : part.stop])
        target = _target(clf, torch.cat(images), torch.cat(wanted), batch + per_image * 2)
        n = len(part)
        inner = target[: n * curves * (steps - 1)].view(n, curves, steps - 1)
        blurred_p = target[n * curves * (steps - 1) : n * curves * (steps - 1) + n]
        if probs is None:
            full = target[n * curves * (steps - 1) + n :]
        else:
            full = probs[part.start : part.stop].float().cpu().gather(1, classes[part.start : part.stop, None])[:, 0]
        ends = [full[:, None, None].expand(n, curves, 1), inner, blurred_p[:, None, None].expand(n, curves, 1)]
        rows.append(torch.cat(ends, dim=2))
    return torch.cat(rows).double().numpy()
