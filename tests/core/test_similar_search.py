"""Similar-image search: the two-pass search against the exact oracle, and the features a query is made of
(a dropped file's final features, a region's token features) on real Fashion-MNIST images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from model.audit.similar import RERANK, SimilarIndex
from model.features.query import final_features, last_stage_block, region_features, token_features
from model.runtime.inference import Classifier
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.random((n // 20, dim), dtype=np.float32)
    return centres[rng.integers(0, len(centres), n)] + 0.3 * rng.random((n, dim), dtype=np.float32)


def test_the_two_pass_search_finds_what_the_exact_search_finds():
    vectors = clustered(3000, 512, seed=0)
    index = SimilarIndex(vectors, copy=False, sketch=True)
    assert index.uses_sketch and SimilarIndex(vectors, copy=False).uses_sketch is False  # small: exact by default
    index.prepare()
    assert index.matrix is vectors and index.nbytes <= 1.5 * vectors.nbytes
    for row in range(0, 3000, 150):
        found, sims = index.search(vectors[row], 10, exclude=row)
        exact, exact_sims = index.search(vectors[row], 10, exclude=row, exact=True)
        assert row not in found and len(found) == 10
        np.testing.assert_array_equal(found, exact)
        np.testing.assert_allclose(sims, vectors[found] @ vectors[row], rtol=1e-5)  # exact similarities
        np.testing.assert_allclose(sims, exact_sims, rtol=1e-6)
    with pytest.raises(ValueError, match="the query has 5 features"):
        index.search(np.ones(5), 3)


def test_the_sketch_only_chooses_candidates():
    """A sketch that knows nothing (one axis) still returns exact similarities of real rows, best first."""
    vectors = clustered(RERANK * 4, 64, seed=1)
    index = SimilarIndex(vectors, sketch=True)
    index.prepare()
    found, sims = index.search(vectors[3], 5)
    assert np.all(np.diff(sims) <= 0)
    np.testing.assert_allclose(sims, index.matrix[found] @ index.matrix[3], rtol=1e-5)


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return Classifier(load_model("bundled"), device="cpu")


def slice_files(per_class: int) -> list[Path]:
    """Return the first ``per_class`` images of every class of the real Fashion-MNIST slice (names end in the class)."""
    files = sorted(SLICE.glob("*.png"))
    classes = sorted({f.stem.split("_", 1)[1] for f in files})
    return [f for c in classes for f in [g for g in files if g.stem.endswith("_" + c)][:per_class]]


def true_class(path: Path | str) -> str:
    return Path(path).stem.split("_", 1)[1]


def test_a_token_lives_in_the_final_features_space(bundled):
    """The bundled head averages the normalised tokens: the mean of the token features is the final feature."""
    from PIL import Image

    from model.data.transform import preprocess
    from model.explain.capture import capture

    path = slice_files(1)[0]
    block = last_stage_block(bundled.net)
    pixels = preprocess(Image.open(path).convert("RGB"), bundled.preprocess_cfg)
    with capture(bundled.net, activations=[block]) as captured, torch.no_grad():
        bundled.net(pixels[None])
    tokens = token_features(bundled.net, captured.activations[block])
    assert tokens.shape == (3, 3, 192)
    np.testing.assert_allclose(tokens.mean((0, 1)), final_features(bundled, path), atol=1e-4)


def test_a_region_query_finds_images_of_the_same_class(bundled):
    """Real data: the centre token of an image of the set, searched among the final features of 12 images a
    class, finds mostly images of its true class (chance: 10 %)."""
    from PIL import Image

    files = slice_files(12)
    index = SimilarIndex(np.stack([final_features(bundled, f) for f in files]), copy=False)
    same = []
    for query in files[5::12]:  # one image of every class
        explanation = bundled.explain(Image.open(query).convert("RGB"))
        region = region_features(bundled, explanation, 0.5, 0.5)
        assert region.cell == (1, 1) and region.grid == (3, 3)
        found, _ = index.search(region.vector, 10)
        same.append(np.mean([true_class(files[i]) == true_class(query) for i in found]))
    print(f"same true class among the 10 nearest of a region: {np.mean(same):.0%}")
    assert np.mean(same) > 0.6, same  # far above chance
