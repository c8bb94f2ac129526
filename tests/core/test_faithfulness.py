"""Faithfulness: exact curves on a model whose answer is known, and Grad-CAM beating random on real data."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from model.cancel import Cancelled, CancelToken
from model.data.pixels import PreprocessCfg
from model.data.transform import load_and_preprocess
from model.explain.faithfulness import (
    blurred_input,
    deletion_areas,
    deletion_curves,
    faithfulness,
    faithfulness_of_maps,
    pixel_order,
    random_order,
    random_orders,
)
from model.explain.folder_maps import compute_maps, resolve_block
from model.runtime.inference import Classifier
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel, load_model

SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"
SIZE = 12


class MeanModel(nn.Module):
    """Two classes; the probability of class 0 is the mean of channel 0 (inputs in 0..1): each pixel adds its own
    share, so the curves can be computed by hand."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x[:, 0].mean((1, 2)).clamp(1e-6, 1 - 1e-6)
        return torch.stack([s.log(), (1 - s).log()], dim=1)


@pytest.fixture(scope="module")
def mean_classifier() -> Classifier:
    info = ModelInfo("mean", "mean", "file", "test", 2, ["a", "b"], "test", PreprocessCfg(input_size=(SIZE, SIZE)))
    return Classifier(LoadedModel(MeanModel(), info), device="cpu", precision="fp32")


def _image(seed: int) -> torch.Tensor:
    return torch.rand(3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def _expected_deletion(x: torch.Tensor, blurred: torch.Tensor, order: np.ndarray, steps: int) -> np.ndarray:
    """Class 0's probability as the pixels of ``order`` are replaced, computed directly."""
    values, fill = x[0].flatten().numpy().astype(np.float64), blurred[0].flatten().numpy().astype(np.float64)
    out = []
    for k in range(steps + 1):
        n = round(k * values.size / steps)
        now = values.copy()
        now[order[:n]] = fill[order[:n]]
        out.append(now.mean())
    return np.array(out)


def test_blur_keeps_a_constant_image_and_the_mean():
    flat = torch.full((2, 3, 20, 30), 0.25)
    assert torch.allclose(blurred_input(flat), flat, atol=1e-6)
    x = torch.rand(3, 40, 40, generator=torch.Generator().manual_seed(0))
    blurred = blurred_input(x)
    assert blurred.shape == x.shape
    assert blurred.std() < 0.5 * x.std()
    assert abs(float(blurred.mean() - x.mean())) < 0.01


def test_order_follows_the_map_and_breaks_ties_at_random():
    grid_map = torch.tensor([[0.0, 3.0], [1.0, 0.0]])
    order = pixel_order(grid_map, (2, 2))
    assert order[:2].tolist() == [1, 2]
    assert sorted(order[2:].tolist()) == [0, 3]
    ties = {tuple(pixel_order(torch.zeros(4, 4), (4, 4), seed=s).tolist()) for s in range(5)}
    assert len(ties) > 1  # not simply top rows first


def test_curves_are_exact_on_a_model_with_a_known_answer(mean_classifier):
    x = _image(0)
    blurred = blurred_input(x)
    grid_map = torch.rand(SIZE, SIZE, generator=torch.Generator().manual_seed(1))  # full resolution: no resize
    steps = 6
    score = faithfulness(mean_classifier, x, grid_map, 0, steps)
    order = np.argsort(-grid_map.flatten().numpy(), kind="stable")
    expected = _expected_deletion(x, blurred, order, steps)
    np.testing.assert_allclose(score.map.fractions, np.linspace(0, 1, steps + 1))
    np.testing.assert_allclose(score.map.deletion, expected, atol=1e-6)
    # insertion reveals the same pixels on the blurred copy: for an additive model, p_ins(f) = p(x) + p(b) - p_del(f)
    np.testing.assert_allclose(score.map.insertion, expected[0] + expected[-1] - expected, atol=1e-6)
    np.testing.assert_allclose(score.map.deletion_area, np.trapezoid(expected, dx=1 / steps), atol=1e-6)
    random_expected = _expected_deletion(x, blurred, random_order((SIZE, SIZE), seed=0).numpy(), steps)
    np.testing.assert_allclose(score.random_orders[0].deletion, random_expected, atol=1e-6)


def test_the_true_importance_beats_random_which_beats_its_reverse(mean_classifier):
    x = _image(2)
    importance = (x - blurred_input(x))[0]  # what each pixel adds to the probability of class 0
    table = faithfulness_of_maps(mean_classifier, x, {"reverse": -importance, "true": importance}, 0, steps=8)
    true, reverse = table.maps["true"], table.maps["reverse"]
    assert true.deletion_area < table.random.deletion_area < reverse.deletion_area
    assert true.insertion_area > table.random.insertion_area > reverse.insertion_area
    assert [name for name, _ in table.ranked()] == ["true", "reverse"]
    # the greedy order is the best possible for an additive model: no curve point of the random one is below it
    assert np.all(true.deletion <= table.random.deletion + 1e-6)


def test_batched_deletion_areas_equal_the_single_image_ones(mean_classifier):
    x = torch.stack([_image(s) for s in range(5)])
    maps = torch.rand(5, 3, 3, generator=torch.Generator().manual_seed(9))  # a coarse grid: upsampled
    classes = [0, 1, 0, 1, 1]
    batched = deletion_areas(mean_classifier, x, maps, classes, steps=5, batch=7)
    single = [faithfulness(mean_classifier, x[i], maps[i], classes[i], 5, baseline=False) for i in range(5)]
    np.testing.assert_allclose(batched, [s.map.deletion_area for s in single], atol=1e-6)
    probs = mean_classifier.probabilities(x)
    np.testing.assert_allclose(deletion_areas(mean_classifier, x, maps, classes, 5, probs=probs), batched, atol=1e-6)
    random_first = faithfulness(mean_classifier, x[0], maps[0], 0, 5).random_orders[0].deletion_area
    assert deletion_areas(mean_classifier, x, None, classes, 5)[0] == pytest.approx(random_first, abs=1e-6)


class CountingModel(MeanModel):
    """:class:`MeanModel` that records how many images each forward pass gets."""

    def __init__(self):
        super().__init__()
        self.calls: list[int] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(x.shape[0])
        return super().forward(x)


def _counting_classifier(size: tuple[int, int]) -> tuple[Classifier, CountingModel]:
    net = CountingModel()
    info = ModelInfo("mean", "mean", "file", "test", 2, ["a", "b"], "test", PreprocessCfg(input_size=size))
    return Classifier(LoadedModel(net, info), device="cpu", precision="fp32"), net


def test_a_wide_input_is_scored_exactly_at_the_cost_the_docstrings_give():
    """Mutants: the input's width taken from its height; the empty input made twice; the random orders' seeds."""
    size, steps = (6, 10), 4  # not square: a height read as the width fails
    clf, net = _counting_classifier(size)
    x = torch.rand(3, *size, generator=torch.Generator().manual_seed(3))
    grid_map = torch.rand(*size, generator=torch.Generator().manual_seed(4))
    probs = clf.probabilities(x[None])[0]
    net.calls.clear()
    score = faithfulness(clf, x, grid_map, 0, steps, probs=probs)
    order = np.argsort(-grid_map.flatten().numpy(), kind="stable")
    np.testing.assert_allclose(score.map.deletion, _expected_deletion(x, blurred_input(x), order, steps), atol=1e-6)
    curves = 1 + len(score.random_orders)  # the map's order and the random ones, 2 * steps - 2 images each
    assert sum(net.calls) == 1 + curves * (2 * steps - 2)  # and the filled input once: no other image
    assert [o.tolist() for o in random_orders(size, 2)] == [random_order(size, s).tolist() for s in (0, 1)]
    assert [o.tolist() for o in random_orders(size, 2, seed=5)] == [random_order(size, s).tolist() for s in (5, 6)]


def test_deletion_curves_of_a_batch_with_shared_orders_equal_each_image_alone_in_passes_of_about_batch():
    """Mutants: the images of a pass sliced apart wrongly, the width from the height, passes far above ``batch``."""
    size, steps, batch = (6, 10), 4, 8
    clf, net = _counting_classifier(size)
    x = torch.rand(4, 3, *size, generator=torch.Generator().manual_seed(5))
    maps = torch.rand(4, 3, 5, generator=torch.Generator().manual_seed(6))
    classes = [0, 1, 1, 0]
    together = deletion_curves(clf, x, maps, classes, steps, batch=batch, orders=2)
    assert together.shape == (4, 3, steps + 1)
    assert max(net.calls) <= batch * 7 // 4  # about ``batch`` images a pass (a part's blurred and full inputs on top)
    for i in range(4):
        alone = deletion_curves(clf, x[i : i + 1], maps[i : i + 1], classes[i : i + 1], steps, batch=batch, orders=2)
        np.testing.assert_allclose(together[i], alone[0], atol=1e-6)
    blurred = blurred_input(x[1])
    shared = random_order(size, 1).numpy()  # the second shared order: seed 1
    np.testing.assert_allclose(together[1, 2], 1 - _expected_deletion(x[1], blurred, shared, steps), atol=1e-6)


class CancellingModel(MeanModel):
    """:class:`MeanModel` that, during its ``at``-th forward pass, has another thread cancel ``token`` (and waits
    for it), counting its passes."""

    def __init__(self, token: CancelToken, at: int):
        super().__init__()
        self.token, self.at, self.passes = token, at, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.passes += 1
        if self.passes == self.at:
            canceller = threading.Thread(target=self.token.cancel)
            canceller.start()
            canceller.join()
        return super().forward(x)


@pytest.mark.parametrize("score", ["one map", "several maps"])
def test_cancelled_from_another_thread_stops_after_the_pass_in_flight(score: str):
    token = CancelToken()
    net = CancellingModel(token, at=2)
    info = ModelInfo("mean", "mean", "file", "test", 2, ["a", "b"], "test", PreprocessCfg(input_size=(SIZE, SIZE)))
    clf = Classifier(LoadedModel(net, info), device="cpu", precision="fp32")
    x, grid = _image(3), torch.rand(4, 4, generator=torch.Generator().manual_seed(3))
    with pytest.raises(Cancelled):  # 16 steps: the filled image's pass, then 2 passes per order
        if score == "one map":
            faithfulness(clf, x, grid, 0, 16, cancel=token)
        else:
            faithfulness_of_maps(clf, x, {"a": grid, "b": -grid}, 0, 16, cancel=token)
    assert net.passes == 2  # the pass in flight ended; no pass started after the cancel
    net.at = 0
    uncancelled = faithfulness(clf, x, grid, 0, 16, cancel=CancelToken())  # a fresh token runs to the end
    assert uncancelled.map.deletion.shape == (17,)


def test_bad_input_is_refused(mean_classifier):
    with pytest.raises(ValueError, match="steps"):
        faithfulness(mean_classifier, _image(0), torch.rand(2, 2), 0, steps=1)
    with pytest.raises(ValueError, match="shape"):
        faithfulness(mean_classifier, torch.rand(2, 3, SIZE, SIZE), torch.rand(2, 2), 0)


def test_grad_cam_deletes_faster_than_random_on_fashion_mnist():
    clf = Classifier(load_model("bundled"), device="cpu")
    files = sorted(SLICE.glob("*.png"))[:100]
    x = torch.stack([load_and_preprocess(f, clf.preprocess_cfg)[0] for f in files])
    maps = compute_maps(clf, x, "gradcam", resolve_block(clf.net, "gradcam"))  # one batch: per-sample gradients
    steps = 4  # coarse curves keep the test cheap; the areas still rank the orders
    ours = deletion_areas(clf, x, maps.maps, maps.classes, steps, probs=maps.probs, batch=128)
    chance = deletion_areas(clf, x, None, maps.classes, steps, probs=maps.probs, batch=128)
    assert ours.mean() < chance.mean() - 0.02, (ours.mean(), chance.mean())
