"""Whether a map beats a random order, with the uncertainty said: better, worse or inconclusive.

    verdicts = judge(score.map, score.random_orders)      # Curves of the map, of several seeded random orders
    verdicts.deletion, verdicts.insertion                   # "better" | "worse" | "inconclusive"
    verdicts.flat                                           # True: the model barely reacts to this fill

The random orders' areas give a 95 % prediction interval for the area of one more random order
(mean ± t(n−1) · s · √(1 + 1/n), Student's t): a map whose area lies inside it cannot be told apart from a random
order, so the verdict is "inconclusive"; fewer orders give a wider interval (t and √(1 + 1/n) grow). When the class
probability moves less than :data:`FLAT_RANGE` over all steps of every curve, the curves say nothing about the map:
every verdict is "inconclusive" and ``flat`` says why (another fill may make the model react).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.explain.faithfulness import Curves

BETTER, WORSE, INCONCLUSIVE = "better", "worse", "inconclusive"
LEVEL = 0.95
FLAT_RANGE = 0.05  # the class probability must move at least this much over the steps of some curve
FLAT_MESSAGE = f"the model barely reacts to this fill (p moves less than {FLAT_RANGE} over all steps)"


@dataclass(frozen=True)
class Interval:
    """A 95 % prediction interval ``lo``..``hi`` for one random order's area, from ``count`` orders of mean ``mean``."""

    mean: float
    lo: float
    hi: float
    count: int

    def as_json(self) -> dict:
        """Return ``{"mean", "lo", "hi", "orders"}`` rounded to 6 digits."""
        return {"mean": round(self.mean, 6), "lo": round(self.lo, 6), "hi": round(self.hi, 6), "orders": self.count}


@dataclass(frozen=True)
class Verdicts:
    """The verdicts of one map against the random orders: ``deletion`` and ``insertion`` are :data:`BETTER`,
    :data:`WORSE` or :data:`INCONCLUSIVE`; ``flat`` when the model barely reacts to the fill; the intervals of the
    random orders' areas."""

    deletion: str
    insertion: str
    flat: bool
    deletion_interval: Interval
    insertion_interval: Interval


def t_quantile(p: float, dof: int) -> float:
    """Return the ``p`` quantile of Student's t with ``dof`` degrees of freedom (Hill's 1970 series from the normal
    quantile: within 5e-3 of the exact value for ``dof`` ≥ 3; closed forms for ``dof`` 1 and 2)."""
    if dof < 1:
        raise ValueError("Student's t needs at least one degree of freedom")
    if dof == 1:
        return math.tan(math.pi * (p - 0.5))
    if dof == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / dof + g2 / dof**2 + g3 / dof**3 + g4 / dof**4


def random_interval(areas: Sequence[float], level: float = LEVEL) -> Interval:
    """Return the ``level`` prediction interval of one more random order's area from ``areas`` (one per order): the
    mean ± t · s · √(1 + 1/n). One order gives the point itself (no spread is known)."""
    values = np.asarray(areas, dtype=np.float64)
    if values.size == 0:
        raise ValueError("the interval needs at least one random order")
    mean = float(values.mean())
    if values.size == 1:
        return Interval(mean, mean, mean, 1)
    n = values.size
    half = t_quantile(0.5 + level / 2, n - 1) * float(values.std(ddof=1)) * math.sqrt(1 + 1 / n)
    return Interval(mean, mean - half, mean + half, n)


def verdict(area: float, interval: Interval, higher_is_better: bool, flat: bool = False) -> str:
    """Return :data:`BETTER` when ``area`` lies outside ``interval`` on the good side (above for insertion, below for
    deletion), :data:`WORSE` outside on the bad side, :data:`INCONCLUSIVE` inside it or when the curves are ``flat``."""
    if flat or interval.lo <= area <= interval.hi:
        return INCONCLUSIVE
    return BETTER if (area > interval.hi) == higher_is_better else WORSE


def is_flat(curves: Sequence[np.ndarray], threshold: float = FLAT_RANGE) -> bool:
    """Return True when every curve of ``curves`` (class probabilities over the steps) moves less than
    ``threshold`` between its lowest and highest point."""
    return all(float(np.ptp(np.asarray(c))) < threshold for c in curves)


def judge(map_curves: Curves, random_orders: Sequence[Curves]) -> Verdicts:
    """Return the :class:`Verdicts` of ``map_curves`` against ``random_orders`` (the curves of several seeded random
    orders, at least one)."""
    curves = [map_curves.deletion, map_curves.insertion]
    curves += [c for order in random_orders for c in (order.deletion, order.insertion)]
    flat = is_flat(curves)
    deletion = random_interval([o.deletion_area for o in random_orders])
    insertion = random_interval([o.insertion_area for o in random_orders])
    return Verdicts(
        verdict(map_curves.deletion_area, deletion, higher_is_better=False, flat=flat),
        verdict(map_curves.insertion_area, insertion, higher_is_better=True, flat=flat),
        flat,
        deletion,
        insertion,
    )
