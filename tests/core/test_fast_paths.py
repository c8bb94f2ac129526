"""Inference fast paths: fused attention with a kept relative-position bias, batch norms folded into convs and conv
weights kept cast for autocast. Each is checked against the plain computation and for going stale."""

from __future__ import annotations

import pytest
import torch

from model.net.blocks import AttentionRecord, MBConvBlock, RelativeSelfAttention2d, Stem
from model.net.config import ConvCfg, TransformerCfg
from model.net.layers import Conv2d

GRID = (5, 4)
REL_POS = {"table": TransformerCfg(dim_head=8), "rmlp": TransformerCfg(dim_head=8, rel_pos_type="mlp", rel_pos_dim=16)}


def _attention(kind: str, seed: int) -> RelativeSelfAttention2d:
    """An attention layer of 2 heads on a 5x4 grid with random weights (a non-trivial relative-position term)."""
    torch.manual_seed(seed)
    attn = RelativeSelfAttention2d(16, 16, GRID, REL_POS[kind]).eval()
    with torch.no_grad():
        for p in attn.parameters():
            p.normal_(0, 0.5)
    return attn


def _explicit(attn: RelativeSelfAttention2d, x: torch.Tensor) -> torch.Tensor:
    """The layer's output on the capturing path (explicit softmax, records kept)."""
    records: list[AttentionRecord] = []
    attn.recorder = records.append
    try:
        out = attn(x)
    finally:
        attn.recorder = None
    assert len(records) == 1
    return out


def _input(channels: int = 16, grid: tuple[int, int] = GRID, seed: int = 9) -> torch.Tensor:
    return torch.randn(2, channels, *grid, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("kind", REL_POS)
def test_fused_and_capturing_paths_agree(kind: str):
    attn, x = _attention(kind, 0), _input()
    with torch.no_grad():
        fused, fused_again, explicit = attn(x), attn(x), _explicit(attn, x)
    assert (fused - explicit).abs().max().item() <= 1e-5
    assert torch.equal(fused, fused_again)
    assert explicit.abs().max().item() > 1e-2  # the comparison is not between two near-zero outputs


@pytest.mark.parametrize("kind", REL_POS)
def test_kept_bias_follows_load_state_dict(kind: str):
    attn, other, x = _attention(kind, 0), _attention(kind, 1), _input()
    with torch.no_grad():
        before = attn(x)
        expected = _explicit(other, x)
        attn.load_state_dict(other.state_dict())
        after = attn(x)
    assert (after - expected).abs().max().item() <= 1e-5
    assert (after - before).abs().max().item() > 1e-2


@pytest.mark.parametrize("kind", REL_POS)
def test_kept_bias_follows_in_place_changes_and_dtype(kind: str):
    attn, x = _attention(kind, 0), _input()
    with torch.no_grad():
        attn(x)
        for p in attn.rel_pos.parameters():
            p.mul_(1.5)
        assert (attn(x) - _explicit(attn, x)).abs().max().item() <= 1e-5
        attn.to(torch.float64)
        out = attn(x.double())
        assert out.dtype == torch.float64
        assert (out - _explicit(attn, x.double())).abs().max().item() <= 1e-10


@pytest.mark.parametrize("kind", REL_POS)
def test_training_builds_a_fresh_bias_and_trains_the_relative_position_parameters(kind: str):
    attn, x = _attention(kind, 0), _input()
    with torch.no_grad():
        attn(x)  # keeps a bias
        for p in attn.rel_pos.parameters():
            p.add_(0.3)  # in place, as an optimiser step does
    attn.train()
    torch.manual_seed(5)  # the same dropout draws in the rmlp's offset MLP on both paths
    out = attn(x)
    torch.manual_seed(5)
    with torch.no_grad():
        expected = _explicit(attn, x)
    assert (out - expected).abs().max().item() <= 1e-5
    out.square().sum().backward()
    for name, p in attn.rel_pos.named_parameters():
        assert p.grad is not None and p.grad.abs().sum().item() > 0, name


def _randomise_norms(module: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * 0.5 + 1)
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.5)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.5)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)


@pytest.mark.parametrize(
    "cfg",
    [
        ConvCfg(stride_mode="pool", act_layer="silu"),  # pre-norm folded through average pooling
        ConvCfg(stride_mode="pool", downsample_pool_type="max", attn_early=True),  # pre-norm kept, SE early
        ConvCfg(stride_mode="dw", pool_type="max", attn_early=True, expand_output=False),
        ConvCfg(stride_mode="1x1", pre_norm_act=True),  # pre-norm with activation: kept
    ],
)
@pytest.mark.parametrize("stride", [1, 2])
def test_folded_batch_norms_compute_what_the_plain_block_does(cfg: ConvCfg, stride: int):
    torch.manual_seed(0)
    block = MBConvBlock(16 if stride == 1 else 8, 16, stride, cfg).eval()
    _randomise_norms(block, 1)
    x = _input(block.conv1_1x1.in_channels, (8, 8))
    with torch.enable_grad():
        plain = block(x)  # recording gradients: the plain path
    with torch.no_grad():
        folded = block(x)
        _randomise_norms(block, 2)  # new statistics must be folded anew
        refolded = block(x)
    with torch.enable_grad():
        plain_after = block(x)
    assert (folded - plain).abs().max().item() <= 1e-5 * plain.abs().max().item()
    assert (refolded - plain_after).abs().max().item() <= 1e-5 * plain_after.abs().max().item()
    assert (refolded - folded).abs().max().item() > 1e-3


def test_folded_stem_computes_what_the_plain_stem_does():
    torch.manual_seed(0)
    stem = Stem(3, (8, 16), ConvCfg(), bias=True).eval()
    _randomise_norms(stem, 1)
    x = _input(3, (12, 12))
    with torch.no_grad():
        folded = stem(x)
    with torch.enable_grad():
        plain = stem(x)
    assert (folded - plain).abs().max().item() <= 1e-5 * plain.abs().max().item()


def test_conv_weights_kept_cast_for_autocast_follow_the_weights():
    torch.manual_seed(0)
    conv = Conv2d(8, 8, 3, padding=1).eval()
    x = _input(8, (6, 6))
    # One autocast context per call: autocast keeps its own casts until its context ends.
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.enable_grad():
        plain = conv(x)
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.no_grad():
        kept, kept_again = conv(x), conv(x)
        conv.weight.mul_(-1)
        flipped = conv(x)
    with torch.autocast("cpu", dtype=torch.bfloat16), torch.enable_grad():
        plain_flipped = conv(x)
    assert kept.dtype == torch.bfloat16
    assert torch.equal(kept, plain) and torch.equal(kept_again, plain)
    assert torch.equal(flipped, plain_flipped) and not torch.equal(flipped, kept)
