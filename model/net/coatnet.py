"""The CoAtNet network: stem (S0), MBConv stages (S1, S2), relative-attention stages (S3, S4), head.

Each stage halves the resolution in its first block. Parameter names equal timm 1.0's ``MaxxVit`` for the
same config, so its checkpoints load with ``load_state_dict(strict=True)``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from model.net.blocks import MBConvBlock, Stem, TransformerBlock
from model.net.config import CoAtNetCfg, get_config
from model.net.layers import LayerNorm2d, make_act, make_norm2d


class CoAtNetStage(nn.Module):
    """One stage: ``depth`` blocks of one kind, the first one with stride 2."""

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        block_type: str,
        depth: int,
        grid: tuple[int, int],
        cfg: CoAtNetCfg,
        drop_path: list[float],
    ):
        super().__init__()
        blocks: list[nn.Module] = []
        for i in range(depth):
            stride = 2 if i == 0 else 1
            if block_type == "C":
                blocks.append(MBConvBlock(in_chs, out_chs, stride, cfg.conv_cfg, drop_path[i]))
            elif block_type == "T":
                blocks.append(TransformerBlock(in_chs, out_chs, stride, grid, cfg.transformer_cfg, drop_path[i]))
            else:
                raise ValueError(f"unknown block type {block_type!r}; expected 'C' or 'T'")
            in_chs = out_chs
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class LinearHead(nn.Module):
    """Average pool (global, or to a ``pool`` x ``pool`` grid flattened channel-major), then a linear classifier
    (the final norm lives on the network)."""

    def __init__(self, in_features: int, num_classes: int, pool: int = 1):
        super().__init__()
        self.pool = pool
        width = in_features * pool * pool
        self.fc = nn.Linear(width, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool == 1:
            return self.fc(x.mean((2, 3)))
        return self.fc(F.adaptive_avg_pool2d(x, self.pool).flatten(1))


class NormMlpHead(nn.Module):
    """The paper configs' head: pool, LayerNorm, a tanh pre-logits layer, then the classifier."""

    def __init__(self, in_features: int, hidden: int, num_classes: int, eps: float):
        super().__init__()
        self.norm = LayerNorm2d(in_features, eps=eps)
        self.pre_logits = nn.Sequential(OrderedDict(fc=nn.Linear(in_features, hidden), act=make_act("tanh")))
        self.fc = nn.Linear(hidden, num_classes) if num_classes > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x.mean((2, 3), keepdim=True)).flatten(1)
        return self.fc(self.pre_logits(x))


def stage_grids(img_size: int, num_stages: int) -> list[tuple[int, int]]:
    """Return each stage's output grid (H, W) for a square input: the stem halves, then every stage."""
    size = img_size // 2
    grids = []
    for _ in range(num_stages):
        size = (size - 1) // 2 + 1
        grids.append((size, size))
    return grids


class CoAtNet(nn.Module):
    """CoAtNet (Dai et al. 2021): C-C-T-T stages after a conv stem.

    ``forward(x)`` takes ``(B, in_chans, img_size, img_size)`` and returns logits ``(B, num_classes)``
    (pooled features ``(B, C)`` when ``num_classes`` is 0). ``name`` is the config's name. ``head_pool`` > 1
    (a taught model whose head reads an inner stage, see :func:`~model.net.config.head_on_stage`) gives a
    linear head on the last stage's output pooled to ``head_pool`` x ``head_pool``, without the final norm.
    """

    def __init__(self, cfg: CoAtNetCfg, name: str = "", drop_path_rate: float = 0.0, head_pool: int = 1):
        super().__init__()
        self.cfg = cfg
        self.name = name
        self.head_pool = head_pool
        self.stem = Stem(cfg.in_chans, cfg.stem_width, cfg.conv_cfg, bias=cfg.stem_bias)
        total = sum(cfg.depths)
        rates = [drop_path_rate * i / max(1, total - 1) for i in range(total)]  # linear, as in timm
        stages = []
        in_chs = cfg.stem_width[1]
        for i, grid in enumerate(stage_grids(cfg.img_size, len(cfg.depths))):
            first = sum(cfg.depths[:i])
            stages.append(
                CoAtNetStage(
                    in_chs,
                    cfg.embed_dim[i],
                    cfg.block_type[i],
                    cfg.depths[i],
                    grid,
                    cfg,
                    rates[first : first + cfg.depths[i]],
                )
            )
            in_chs = cfg.embed_dim[i]
        self.stages = nn.Sequential(*stages)
        self.num_features = in_chs
        if cfg.head_hidden_size:
            self.norm = nn.Identity()
            self.head: nn.Module = NormMlpHead(
                in_chs, cfg.head_hidden_size, cfg.num_classes, cfg.transformer_cfg.norm_eps
            )
        else:
            norm = cfg.transformer_cfg
            self.norm = make_norm2d(norm.norm_layer, in_chs, norm.norm_eps) if head_pool == 1 else nn.Identity()
            self.head = LinearHead(in_chs, cfg.num_classes, head_pool)
        self.apply(_init_weights)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Return the normalised last-stage feature map ``(B, C, H/32, W/32)``."""
        return self.norm(self.stages(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(x))


def _init_weights(module: nn.Module) -> None:
    """EfficientNet-style init for convs (fan-out normal), Xavier for linear layers, zero biases."""
    if getattr(module, "weight", None) is not None and module.weight.is_meta:
        return  # a meta tensor holds no values, and a meta normal_() imports torch._dynamo (0.7 s at start-up)
    if isinstance(module, nn.Conv2d):
        fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels // module.groups
        nn.init.normal_(module.weight, 0.0, math.sqrt(2.0 / fan_out))
    elif isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
    else:
        return
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def create_model(name: str, num_classes: int | None = None, drop_path_rate: float = 0.0) -> CoAtNet:
    """Build the named CoAtNet config with freshly initialised weights.

    ``name`` is a config from :func:`list_configs` (a pretrained tag like ``coatnet_0_rw_224.sw_in1k`` is
    accepted); ``num_classes`` overrides the config's head width (0 drops the classifier).
    Returns a :class:`CoAtNet` in training mode whose ``forward`` gives logits ``(B, num_classes)``.
    """
    cfg = get_config(name)
    if num_classes is not None:
        cfg = replace(cfg, num_classes=num_classes)
    return CoAtNet(cfg, name=name.split(".", 1)[0], drop_path_rate=drop_path_rate)
