"""The public timm CoAtNet weights on the Hugging Face hub: repo, head size, label set and preprocessing.

Every entry mirrors ``timm.models.get_pretrained_cfg(tag)`` of timm 1.0 (``tests/core/test_weights.py`` checks
that); the weights live in the hub repo ``timm/<tag>`` as ``model.safetensors``.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.data.pixels import DEFAULT_PREPROCESS, PreprocessCfg

# the bundled model's preprocessing: 28 px images upscaled to 96 px, grey repeated into RGB
FASHION_MNIST_CFG = PreprocessCfg(input_size=(96, 96), crop_pct=1.0)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_IMAGENET_NORM = PreprocessCfg(mean=IMAGENET_MEAN, std=IMAGENET_STD)
_CROP_90 = PreprocessCfg(crop_pct=0.9)


@dataclass(frozen=True)
class PretrainedTag:
    """One published checkpoint: ``tag`` is ``<config name>.<training recipe>``."""

    tag: str
    num_classes: int
    label_set: str  # key of model.weights.labels.LABEL_SETS
    num_params: int  # tensors in the state dict, classifier included
    preprocess: PreprocessCfg = DEFAULT_PREPROCESS

    @property
    def repo_id(self) -> str:
        """Return the hub repository holding the weights, ``timm/<tag>``."""
        return f"timm/{self.tag}"

    @property
    def config_name(self) -> str:
        """Return the name of the CoAtNet config the weights are for (the tag before its first dot)."""
        return self.tag.split(".", 1)[0]

    @property
    def size_mb(self) -> int:
        """Return the approximate download size in MB (10^6 bytes): four bytes per parameter."""
        return round(self.num_params * 4 / 1e6)


_IN1K, _IN12K = "imagenet-1k", "imagenet-12k"

PRETRAINED: dict[str, PretrainedTag] = {
    t.tag: t
    for t in (
        PretrainedTag("coatnet_nano_rw_224.sw_in1k", 1000, _IN1K, 15_152_850, preprocess=_CROP_90),
        PretrainedTag("coatnet_rmlp_nano_rw_224.sw_in1k", 1000, _IN1K, 15_156_722, preprocess=_CROP_90),
        PretrainedTag("coatnet_0_rw_224.sw_in1k", 1000, _IN1K, 27_447_162),
        PretrainedTag("coatnet_bn_0_rw_224.sw_in1k", 1000, _IN1K, 27_464_461, preprocess=_IMAGENET_NORM),
        PretrainedTag("coatnet_1_rw_224.sw_in1k", 1000, _IN1K, 41_743_479),
        PretrainedTag("coatnet_rmlp_1_rw_224.sw_in1k", 1000, _IN1K, 41_713_959),
        PretrainedTag("coatnet_rmlp_1_rw2_224.sw_in12k", 11821, _IN12K, 50_067_948),
        PretrainedTag("coatnet_rmlp_1_rw2_224.sw_in12k_ft_in1k", 1000, _IN1K, 41_746_599),
        PretrainedTag("coatnet_2_rw_224.sw_in12k", 11821, _IN12K, 84_990_030),
        PretrainedTag("coatnet_2_rw_224.sw_in12k_ft_in1k", 1000, _IN1K, 73_898_505),
        PretrainedTag("coatnet_rmlp_2_rw_224.sw_in1k", 1000, _IN1K, 73_911_369),
        PretrainedTag("coatnet_rmlp_2_rw_224.sw_in12k", 11821, _IN12K, 85_002_894),
        PretrainedTag("coatnet_rmlp_2_rw_224.sw_in12k_ft_in1k", 1000, _IN1K, 73_911_369),
        PretrainedTag(
            "coatnet_rmlp_2_rw_384.sw_in12k_ft_in1k",
            1000,
            _IN1K,
            73_911_369,
            preprocess=PreprocessCfg(input_size=(384, 384), crop_pct=1.0, crop_mode="squash"),
        ),
        PretrainedTag("coatnet_3_rw_224.sw_in12k", 11821, _IN12K, 181_850_450),
    )
}


def parse_tag(name: str) -> str | None:
    """Return the public tag ``name`` refers to, or None.

    Accepts ``coatnet_0_rw_224.sw_in1k``, ``timm/coatnet_0_rw_224.sw_in1k`` and
    ``hf-hub:timm/coatnet_0_rw_224.sw_in1k``.
    """
    name = name.strip()
    name = name.removeprefix("hf-hub:")
    name = name.removeprefix("timm/")
    return name if name in PRETRAINED else None


def configs_with_weights() -> dict[str, str]:
    """Return ``{config name: first public tag for it}`` for the configs that have public weights."""
    out: dict[str, str] = {}
    for tag in PRETRAINED.values():
        out.setdefault(tag.config_name, tag.tag)
    return out
