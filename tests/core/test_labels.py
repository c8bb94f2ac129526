"""Class names shipped in assets/labels against timm's ImageNetInfo, and the label resolution rules."""

from __future__ import annotations

import pytest
from timm.data import ImageNetInfo

from model.weights.labels import FASHION_MNIST_CLASSES as CLASS_NAMES
from model.weights.labels import describe_labels, label_names, label_set_for, resolve_labels


@pytest.mark.parametrize(("subset", "count"), [("imagenet-1k", 1000), ("imagenet-12k", 11821)])
def test_imagenet_names_follow_timm_order(subset: str, count: int):
    info = ImageNetInfo(subset)
    assert info.num_classes() == count
    expected = [info.index_to_description(i) for i in range(count)]
    assert label_names(subset) == expected
    assert label_names(count) == expected
    assert label_set_for(count) == subset


def test_other_sets_and_sizes():
    assert label_names("fashion-mnist") == list(CLASS_NAMES)
    assert label_names(3) == ["class 0", "class 1", "class 2"]
    assert label_set_for(10) is None
    with pytest.raises(KeyError, match="imagenet-1k"):
        label_names("imagenet-21k")


def test_checkpoint_names_win():
    names, described = resolve_labels(3, ["cat", "dog", "bird"])
    assert names == ["cat", "dog", "bird"]
    assert described == "custom (3 classes)"
    names, described = resolve_labels(10, list(CLASS_NAMES))
    assert described == "Fashion-MNIST (10 classes)"
    # a 1000-class head with its own names keeps them
    own = [f"thing {i}" for i in range(1000)]
    assert resolve_labels(1000, own) == (own, "custom (1000 classes)")


def test_fallbacks():
    imagenet = label_names("imagenet-1k")
    assert resolve_labels(1000) == (imagenet, "ImageNet-1k (1000 classes)")
    assert resolve_labels(11821)[1] == "ImageNet-12k (11821 classes)"
    assert resolve_labels(4) == (label_names(4), "custom (4 classes)")
    # names of the wrong length or type are ignored
    assert resolve_labels(4, ["a", "b"])[0] == label_names(4)
    assert resolve_labels(2, "ab")[0] == label_names(2)
    # a label set that does not fit the head size is ignored too
    assert resolve_labels(4, label_set="imagenet-1k")[0] == label_names(4)
    assert resolve_labels(1000, label_set="imagenet-1k")[0] == imagenet


def test_wordnet_ids_from_timm_hub_configs():
    info = ImageNetInfo("imagenet-1k")
    synsets = info.label_names()
    # timm's hub config.json: label_names are WordNet ids, label_descriptions map them to text
    names, described = resolve_labels(1000, synsets, info.label_descriptions(as_dict=True))
    assert names == label_names("imagenet-1k") and described.startswith("ImageNet-1k")
    # bare WordNet ids for a standard head size fall back to the shipped names
    assert resolve_labels(1000, synsets)[0] == label_names("imagenet-1k")
    assert describe_labels(["x"]) == "custom (1 class)"
