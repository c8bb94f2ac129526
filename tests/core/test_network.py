"""The network against timm's CoAtNet (the reference we did not write), on identical random weights."""

from __future__ import annotations

import re

import pytest
import timm
import torch

from model import create_model, list_configs
from model.net.config import (
    ACTIVATIONS,
    NORMS,
    POOL_TYPES,
    REL_POS_TYPES,
    CoAtNetCfg,
    ConvCfg,
    TransformerCfg,
    get_config,
)
from model.net.layers import Downsample2d, make_act, make_norm2d
from model.net.relpos import make_rel_pos

TIMM_TWINS = [n for n in list_configs() if n != "coatnet_fmnist_96"]
PRETRAINED_TAGS = timm.list_models("coatnet*", pretrained=True)


def _randomise(state: dict[str, torch.Tensor], seed: int) -> None:
    """Give every float tensor (weights and batch-norm statistics) non-trivial random values in place."""
    g = torch.Generator().manual_seed(seed)
    for name, t in state.items():
        if not t.is_floating_point():
            continue
        if name.endswith("running_var"):
            t.copy_(torch.rand(t.shape, generator=g) + 0.5)
        else:
            t.copy_(torch.randn(t.shape, generator=g) * 0.05 + (1.0 if name.endswith("norm.weight") else 0.0))


def _our_stages(net, x: torch.Tensor) -> list[torch.Tensor]:
    outs = [net.stem(x)]
    for stage in net.stages:
        outs.append(stage(outs[-1]))
    return outs


def test_every_public_pretrained_tag_has_a_config():
    assert len(PRETRAINED_TAGS) == 15
    for tag in PRETRAINED_TAGS:
        assert get_config(tag).img_size == timm.models.get_pretrained_cfg(tag).input_size[-1], tag


@pytest.mark.parametrize("name", TIMM_TWINS)
def test_matches_timm(name: str):
    torch.manual_seed(0)
    ref = timm.create_model(name, pretrained=False).eval()
    ours = create_model(name).eval()
    state = ref.state_dict()
    _randomise(state, seed=1)
    assert set(ours.state_dict()) == set(state)
    ours.load_state_dict(state, strict=True)
    size = ours.cfg.img_size
    x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        ref_stages = ref.forward_intermediates(x, intermediates_only=True)
        our_stages = _our_stages(ours, x)
        assert len(ref_stages) == len(our_stages) == 5
        for i, (a, b) in enumerate(zip(our_stages, ref_stages, strict=True)):
            rel = ((a - b).abs().max() / b.abs().max()).item()
            assert rel <= 1e-4, f"stage {i}: relative difference {rel:.2e}"
        logits_ref, logits = ref(x), ours(x)
    assert logits.shape == logits_ref.shape == (1, ours.cfg.num_classes)
    assert (logits - logits_ref).abs().max().item() <= 1e-4


def test_our_own_config_builds_the_same_network_in_timm():
    """The bundled model's config, which timm does not name, builds timm's twin field by field: our config field
    names are timm's, and the twin computes the same logits from the same weights."""
    from dataclasses import asdict

    from timm.models.maxxvit import MaxxVit, MaxxVitCfg, MaxxVitConvCfg, MaxxVitTransformerCfg

    torch.manual_seed(0)
    ours = create_model("coatnet_fmnist_96").eval()
    cfg = ours.cfg
    top = {k: v for k, v in asdict(cfg).items() if k not in ("conv_cfg", "transformer_cfg", *NOT_IN_MAXXVIT_CFG)}
    twin_cfg = MaxxVitCfg(
        **top,
        conv_cfg=MaxxVitConvCfg(**asdict(cfg.conv_cfg)),
        transformer_cfg=MaxxVitTransformerCfg(**asdict(cfg.transformer_cfg)),
    )
    twin = MaxxVit(twin_cfg, img_size=cfg.img_size, in_chans=cfg.in_chans, num_classes=cfg.num_classes).eval()
    state = twin.state_dict()
    _randomise(state, seed=3)
    ours.load_state_dict(state, strict=True)
    twin.load_state_dict(state, strict=True)
    x = torch.randn(2, 3, cfg.img_size, cfg.img_size, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert (ours(x) - twin(x)).abs().max().item() <= 1e-4


NOT_IN_MAXXVIT_CFG = ("img_size", "in_chans", "num_classes")  # MaxxVit's own arguments


@pytest.mark.parametrize(
    ("make", "field", "value"),
    [
        (lambda v: ConvCfg(stride_mode=v), "stride_mode", "depthwise"),
        (lambda v: ConvCfg(pool_type=v), "pool_type", "avg3"),
        (lambda v: ConvCfg(downsample_pool_type=v), "downsample_pool_type", "min"),
        (lambda v: ConvCfg(act_layer=v), "act_layer", "swish"),
        (lambda v: ConvCfg(attn_act_layer=v), "attn_act_layer", "GELU"),
        (lambda v: TransformerCfg(rel_pos_type=v), "rel_pos_type", "table"),
        (lambda v: TransformerCfg(norm_layer=v), "norm_layer", "layernorm"),
        (lambda v: TransformerCfg(act_layer=v), "act_layer", "gelu_tanh"),
        (lambda v: TransformerCfg(pool_type=v), "pool_type", ""),
        (lambda v: CoAtNetCfg(block_type=("C", "C", v, "T")), "block_type", "M"),
    ],
)
def test_unknown_string_settings_are_refused_when_the_config_is_made(make, field: str, value: str):
    """The error names the field, the bad value and the allowed values."""
    with pytest.raises(ValueError, match=rf"{field}.*{re.escape(repr(value))}.*(one of|must be one of): \w"):
        make(value)


def test_every_allowed_name_builds_a_layer():
    """Each value the configs accept is one the layers can build (the allowed lists and the layers agree)."""
    for name in ACTIVATIONS:
        make_act(name)
    for name in NORMS:
        make_norm2d(name, 8, 1e-5)
    for name in POOL_TYPES:
        Downsample2d(8, 16, name)
    for name in REL_POS_TYPES:
        make_rel_pos(name, (3, 3), 2, 16)
    with pytest.raises(ValueError, match="one entry per stage"):
        CoAtNetCfg(depths=(2, 3, 5))
