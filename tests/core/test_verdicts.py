"""Verdicts with uncertainty: several random orders, a 95 % interval, better / worse / inconclusive, flat curves,
and the fills (ROAD's imputation reproduces a linear ramp)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from model.data.pixels import PreprocessCfg
from model.explain.faithfulness import Curves, faithfulness
from model.explain.fills import make_fill, road_impute
from model.explain.verdicts import BETTER, INCONCLUSIVE, WORSE, judge, random_interval, t_quantile, verdict
from model.runtime.inference import Classifier
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel

SIZE = 12


class MeanModel(nn.Module):
    """Two classes; p(class 0) is the mean of channel 0 scaled by ``gain`` around 0.5: a small gain makes a model
    that barely reacts to any perturbation (flat curves)."""

    def __init__(self, gain: float = 1.0):
        super().__init__()
        self.gain = gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = (0.5 + self.gain * (x[:, 0].mean((1, 2)) - 0.5)).clamp(1e-6, 1 - 1e-6)
        return torch.stack([s.log(), (1 - s).log()], dim=1)


def _classifier(gain: float) -> Classifier:
    info = ModelInfo("mean", "mean", "file", "test", 2, ["a", "b"], "test", PreprocessCfg(input_size=(SIZE, SIZE)))
    return Classifier(LoadedModel(MeanModel(gain), info), device="cpu", precision="fp32")


def _image(seed: int) -> torch.Tensor:
    return torch.rand(3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def test_t_quantiles_match_the_table():
    for dof, exact in [(1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (10, 2.2281), (30, 2.0423)]:
        assert t_quantile(0.975, dof) == pytest.approx(exact, abs=5e-3)


def test_intervals_widen_with_fewer_random_orders():
    # the same spread (sample std 1) from 3 and from 10 orders: the fewer, the wider the interval
    few = np.array([-1.0, 0.0, 1.0])
    many = np.linspace(-1, 1, 10)
    many = many / many.std(ddof=1)
    narrow, wide = random_interval(many), random_interval(few)
    assert wide.hi - wide.lo > narrow.hi - narrow.lo
    assert wide.hi - wide.lo == pytest.approx(2 * 4.3027 * np.sqrt(1 + 1 / 3), rel=1e-3)
    # and on real curves: 2 random orders of a real score give a wider interval than 8 of the same image
    clf, x = _classifier(1.0), _image(4)
    grid = x[0] - x[0].mean()
    widths = []
    for orders in (2, 8):
        verdicts = faithfulness(clf, x, grid, 0, 6, orders=orders).verdicts
        widths.append(verdicts.deletion_interval.hi - verdicts.deletion_interval.lo)
    assert widths[0] > widths[1] > 0


def test_three_verdicts_against_the_interval():
    interval = random_interval([0.40, 0.42, 0.44, 0.41, 0.43])
    assert verdict(0.30, interval, higher_is_better=False) == BETTER  # a small deletion area
    assert verdict(0.55, interval, higher_is_better=False) == WORSE
    assert verdict(0.42, interval, higher_is_better=False) == INCONCLUSIVE
    assert verdict(0.55, interval, higher_is_better=True) == BETTER  # a large insertion area
    assert verdict(0.30, interval, higher_is_better=True) == WORSE
    assert verdict(0.30, interval, higher_is_better=False, flat=True) == INCONCLUSIVE


def test_the_true_importance_is_better_and_its_reverse_worse():
    clf, x = _classifier(1.0), _image(1)
    importance = x[0] - x[0].mean()  # what each pixel adds to p(class 0) with the mean fill
    true = faithfulness(clf, x, importance, 0, 8, fill="mean")
    reverse = faithfulness(clf, x, -importance, 0, 8, fill="mean")
    assert (true.verdicts.deletion, true.verdicts.insertion) == (BETTER, BETTER)
    assert (reverse.verdicts.deletion, reverse.verdicts.insertion) == (WORSE, WORSE)
    assert true.fill == "mean" and not true.verdicts.flat


def test_a_flat_curve_is_inconclusive():
    # a model that barely reacts: p(class 0) moves by at most 0.01 whatever is removed; the true order still
    # ranks the pixels best, but the difference is too small to mean anything
    clf, x = _classifier(0.01), _image(2)
    importance = x[0] - x[0].mean()
    score = faithfulness(clf, x, importance, 0, 8, fill="mean")
    assert score.map.deletion_area < score.random.deletion_area  # the order is right ...
    verdicts = score.verdicts
    assert verdicts.flat and (verdicts.deletion, verdicts.insertion) == (INCONCLUSIVE, INCONCLUSIVE)  # ... flat
    # the same curves with a reacting model get a real verdict
    steep = faithfulness(_classifier(1.0), x, importance, 0, 8, fill="mean").verdicts
    assert not steep.flat and steep.deletion == BETTER


def test_judge_needs_no_network():
    fractions = np.linspace(0, 1, 5)
    flat = Curves(fractions, np.full(5, 0.9), np.full(5, 0.9))
    assert judge(flat, [flat, flat]).flat


def test_road_imputation_reproduces_a_linear_ramp():
    height, width = 24, 20
    yy, xx = torch.meshgrid(torch.arange(height).float(), torch.arange(width).float(), indexing="ij")
    ramp = torch.stack([0.1 * yy + 0.2 * xx, -0.3 * xx + 1.0, 0.05 * yy - 0.5])
    removed = torch.zeros(2, 1, height, width, dtype=torch.bool)
    removed[0, :, 5:18, 4:15] = True  # a block inside the image
    removed[1, :, 2:22, 2:18] = torch.rand(20, 16, generator=torch.Generator().manual_seed(0)) < 0.7  # scattered
    out = road_impute(ramp, removed, noise=0.0, tolerance=1e-7)
    assert torch.allclose(out, ramp.expand_as(out), atol=1e-3)
    # the kept pixels are untouched, and a blurred fill would not have reproduced the ramp's corner block
    assert torch.equal(out[0][:, ~removed[0, 0]], ramp[:, ~removed[0, 0]])
    noisy = road_impute(ramp, removed, noise=0.01)
    assert 0.005 < float((noisy[0] - ramp)[:, removed[0, 0]].std()) < 0.02  # ROAD's noise on the imputed pixels only
    everything = road_impute(ramp, torch.ones(1, 1, height, width, dtype=torch.bool), noise=0.0)
    assert torch.equal(everything, torch.zeros_like(everything))  # nothing known: the mean


def test_fills_keep_what_is_not_removed_and_refuse_unknown_names():
    x = _image(3)
    removed = torch.zeros(1, 1, SIZE, SIZE, dtype=torch.bool)
    removed[..., :4, :] = True
    for name in ("blur", "mean", "noise", "road"):
        out = make_fill(name, x)(removed)
        assert out.shape == (1, 3, SIZE, SIZE) and torch.equal(out[0][:, 4:], x[:, 4:])
        assert not torch.equal(out[0][:, :4], x[:, :4])
    assert torch.equal(make_fill("mean", x)(removed)[0][:, :4], torch.zeros(3, 4, SIZE))
    with pytest.raises(ValueError, match="unknown fill"):
        make_fill("paint", x)
