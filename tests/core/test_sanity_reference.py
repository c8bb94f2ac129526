"""The sanity cascade gives the numbers the first, unoptimised implementation gave (recorded in
tests/data/sanity_reference_seed3.json: two real Fashion-MNIST images, every kind, seed 3, the bundled model in fp32):
the cached lower stages, the activations captured only where a map needs them and the shorter backward pass change
what the check costs, not what it measures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from model.data.decode import load_image
from model.explain.sanity import sanity_check
from model.runtime.inference import Classifier
from model.weights.loading import load_model

DATA = Path(__file__).resolve().parent.parent / "data"
REFERENCE = json.loads((DATA / "sanity_reference_seed3.json").read_text(encoding="utf-8"))
# the reference is rounded to 4 digits; the rest is float rounding (another order of the same sums)
TOLERANCE = 2e-3


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_model("bundled"), device="cpu", precision="fp32")


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_the_cascade_gives_the_recorded_numbers(classifier, name):
    expected = REFERENCE[name]
    report = sanity_check(classifier, load_image(DATA / "fmnist_test_slice" / name), seed=3)
    assert (report.class_index, report.other_class) == (expected["class"], expected["other"])
    assert sorted(report.kinds) == sorted(expected["kinds"])
    for kind, want in expected["kinds"].items():
        got = report.kinds[kind]
        assert [part for part, _s in got.steps] == [step[0] for step in want["steps"]], kind
        for (part, similarity), step in zip(got.steps, want["steps"], strict=True):
            values = (similarity.spearman, similarity.ssim, similarity.ssim_abs)
            assert values == pytest.approx(step[1:], abs=TOLERANCE), (kind, part)
        logit = got.random_logit
        assert (logit.spearman, logit.ssim, logit.ssim_abs) == pytest.approx(want["random_logit"], abs=TOLERANCE), kind
