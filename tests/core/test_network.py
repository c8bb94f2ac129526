"""The network against timm's CoAtNet (the reference we did not write), on identical random weights."""

from __future__ import annotations

import pytest
import timm
import torch

from model import create_model, list_configs
from model.net.config import get_config

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
