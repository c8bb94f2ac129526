"""The model randomisation test (Adebayo et al. 2018) on real Fashion-MNIST images with the bundled model: Grad-CAM
changes once the weights are random, a model-independent "map" is flagged, and the app's network is untouched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from model.cancel import Cancelled, CancelToken
from model.data.decode import load_image
from model.data.transform import preprocess
from model.explain.sanity import THRESHOLD, sanity_check, similarity, spearman, ssim
from model.runtime.inference import Classifier, Explanation
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"
IMAGES = 3  # a few images keep the test to seconds


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_model("bundled"), device="cpu")


@pytest.fixture(scope="module")
def images():
    return [load_image(f) for f in sorted(SLICE.glob("*.png"))[:IMAGES]]


def edge_magnitude(classifier: Classifier):
    """A "map" that ignores the model: the Sobel edge magnitude of the preprocessed input."""

    def fn(explanation: Explanation, _class_index: int) -> np.ndarray:
        x = preprocess(explanation.image, classifier.preprocess_cfg).mean(0)[None, None]
        sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
        gx = F.conv2d(x, sobel.view(1, 1, 3, 3), padding=1)
        gy = F.conv2d(x, sobel.T.reshape(1, 1, 3, 3), padding=1)
        return (gx.square() + gy.square()).sqrt()[0, 0].numpy()

    return fn


def test_grad_cam_changes_with_random_weights_and_an_edge_detector_is_flagged(classifier, images):
    state = {k: v.clone() for k, v in classifier.net.state_dict().items()}
    reports = [
        sanity_check(classifier, image, ["gradcam", "rollout"], extra={"edges": edge_magnitude(classifier)})
        for image in images
    ]
    gradcam = [r.kinds["gradcam"].final.spearman for r in reports]
    assert np.mean(gradcam) < 0.5, gradcam
    assert not any(r.kinds["gradcam"].insensitive for r in reports)
    # the injected model-independent map is identical at every step: flagged insensitive on every image
    for r in reports:
        edges = r.kinds["edges"]
        assert edges.insensitive and edges.final.spearman > THRESHOLD and edges.final.ssim == pytest.approx(1.0)
        assert [part for part, _s in edges.steps] == ["head", "S4", "S3", "S2", "S1", "stem"]
    # the cascade starts at the head: Grad-CAM (through the head's gradient) moves at once; the rollout at S3 only
    # changes once its own blocks are random
    rollout = reports[0].kinds["rollout"].steps
    assert rollout[0][1].spearman == pytest.approx(1.0) and rollout[-1][1].spearman < rollout[0][1].spearman
    # the random-logit check: Grad-CAM depends on the class, the rollout does not
    assert reports[0].kinds["rollout"].random_logit.spearman == pytest.approx(1.0)
    assert reports[0].other_class != reports[0].class_index
    # the app's network is unchanged, bit for bit
    after = classifier.net.state_dict()
    assert state.keys() == after.keys() and all(torch.equal(state[k], after[k]) for k in state)


def test_every_kind_is_covered_with_progress_and_cancel(classifier, images):
    seen = []
    report = sanity_check(classifier, images[0], progress=lambda done, total: seen.append((done, total)))
    assert set(report.kinds) == {"gradcam", "rollout", "received", "activation", "query", "content", "position"}
    assert seen == [(i, 7) for i in range(1, 8)]
    for kind in report.kinds.values():
        assert len(kind.steps) == 6 and -1.0 <= kind.final.spearman <= 1.0
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        sanity_check(classifier, images[0], ["gradcam"], cancel=token)


def test_similarities_match_the_reference_implementations():
    stats = pytest.importorskip("scipy.stats")
    metrics = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(0)
    a = rng.random((32, 32))
    b = np.clip(a + 0.3 * rng.standard_normal((32, 32)), 0, 1)
    ties = np.round(a * 4)  # many equal values
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a.ravel(), b.ravel()).statistic, abs=1e-9)
    assert spearman(ties, b) == pytest.approx(stats.spearmanr(ties.ravel(), b.ravel()).statistic, abs=1e-9)
    expected = metrics.structural_similarity(
        a, b, data_range=1.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
    )
    assert ssim(a, b) == pytest.approx(expected, abs=1e-4)
    assert ssim(a, a) == pytest.approx(1.0) and spearman(a, np.zeros_like(a)) == 0.0
    same = similarity(a[:6, :6], a[:6, :6], (32, 32))
    assert same.spearman == pytest.approx(1.0) and same.ssim == pytest.approx(1.0) and same.ssim_abs == pytest.approx(1)


def test_a_second_check_starts_again_from_the_real_weights(classifier, images):
    # the copy a check leaves behind is reused: its weights must be the model's again, not the random ones
    first = sanity_check(classifier, images[1], ["activation"])
    second = sanity_check(classifier, images[1], ["activation"])
    assert first.kinds["activation"].steps == second.kinds["activation"].steps
    assert first.kinds["activation"].steps[0][1].spearman == pytest.approx(1.0)  # the head is not on its way
