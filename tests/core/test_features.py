"""The feature store's public API (model.features): the taps read what the classifier reads, the cache is keyed by
file content and by the base's weights (a changed base computes again), unreadable images are left out with a
reason, and a cancelled extraction stops before its next batch."""

from __future__ import annotations

import copy
import hashlib
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

from model.cancel import Cancelled, CancelToken
from model.data.transform import load_and_preprocess
from model.features import (
    FeatureStore,
    FeatureTaps,
    base_key,
    candidates,
    extract,
    feature_widths,
    file_digest,
    named_choice,
)
from model.runtime.device import choose_placement
from model.weights.loading import load_model

DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"


@pytest.fixture(scope="module")
def base():
    loaded = load_model("bundled")
    return loaded.net.eval(), loaded.info.preprocess


@pytest.fixture
def images(tmp_path) -> list[str]:
    paths = []
    for name in ("one", "two"):
        for src in sorted((DIGITS / name).glob("*.png"))[:2]:
            dst = tmp_path / "img" / f"{name}-{src.name}"
            dst.parent.mkdir(exist_ok=True)
            shutil.copy(src, dst)
            paths.append(str(dst))
    return paths


def _extract(net, preprocess, paths, store, cancel=None):
    return extract(net, choose_placement("cpu", "fp32"), preprocess, paths, [file_digest(p) for p in paths], store,
                   cancel=cancel)  # fmt: skip


def test_the_final_features_are_what_the_classifier_reads_and_every_width_is_stated(base, images):
    net, preprocess = base
    batch = torch.stack([load_and_preprocess(p, preprocess)[0] for p in images])
    with FeatureTaps(net) as taps, torch.no_grad():
        logits = net(batch)
    widths = feature_widths(net)
    assert set(taps.out) == set(widths) == {c.key for c in candidates(net)}
    for key, width in widths.items():
        assert taps.out[key].shape == (len(images), width) and taps.out[key].dtype == torch.float32
    fc = net.head.fc
    with torch.no_grad():
        torch.testing.assert_close(taps.out["final"] @ fc.weight.T + fc.bias, logits, atol=1e-4, rtol=1e-4)
    assert named_choice(net, "stage3").key == "s3p2" and named_choice(net, "final").key == "final"
    with pytest.raises(ValueError, match="stage2, stage3, final"):
        named_choice(net, "stage9")
    taps.out.clear()
    with torch.no_grad():
        net(batch[:1])
    assert taps.out == {}  # the hooks went with the block


def test_the_cache_is_keyed_by_content_and_rebuilt_when_the_base_changes(base, images, tmp_path):
    net, preprocess = base
    assert file_digest(images[0]) == hashlib.sha256(Path(images[0]).read_bytes()).hexdigest()
    store = FeatureStore.for_base(net, preprocess, tmp_path / "cache")
    first = _extract(net, preprocess, images, store)
    assert first.computed == len(images) and first.kept == list(range(len(images))) and not first.failed
    assert len(list(store.folder.rglob("*.safetensors"))) == len(images)

    again = _extract(net, preprocess, images, store)  # every image from the cache
    assert again.computed == 0
    for key, rows in first.features.items():
        assert rows.shape == (len(images), store.widths[key]) and torch.equal(again.features[key], rows)

    renamed = str(Path(images[0]).with_name("renamed.png"))  # same content, another name: a hit
    shutil.copy(images[0], renamed)
    edited = Image.open(images[1]).convert("L")
    edited.putpixel((3, 3), 255 - edited.getpixel((3, 3)))
    edited.save(images[1])  # same name, other content: a miss
    mixed = _extract(net, preprocess, [renamed, images[1]], store)
    assert mixed.computed == 1
    assert torch.equal(mixed.features["final"][0], first.features["final"][0])

    changed = copy.deepcopy(net)
    with torch.no_grad():
        next(changed.stages[-1].parameters()).add_(0.1)  # one tensor of the last stage
    other = FeatureStore.for_base(changed, preprocess, tmp_path / "cache")
    assert base_key(changed, preprocess) != base_key(net, preprocess) and other.folder != store.folder
    rebuilt = _extract(changed, preprocess, images, other)
    assert rebuilt.computed == len(images)
    assert not torch.allclose(rebuilt.features["final"], first.features["final"])


def test_unreadable_images_are_left_out_with_a_reason_and_cancelling_stops_before_the_next_batch(
    base, images, tmp_path
):
    net, preprocess = base
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    store = FeatureStore.for_base(net, preprocess, tmp_path / "cache")
    got = _extract(net, preprocess, [images[0], str(broken), images[1]], store)
    assert got.kept == [0, 2] and list(got.failed) == [1] and got.failed[1].startswith("unreadable image")
    assert got.features["final"].shape[0] == 2

    token = CancelToken()
    token.cancel()
    fresh = FeatureStore.for_base(net, preprocess, tmp_path / "other-cache")
    with pytest.raises(Cancelled):
        _extract(net, preprocess, images, fresh, cancel=token)
    assert not fresh.folder.exists()  # nothing computed, nothing written
