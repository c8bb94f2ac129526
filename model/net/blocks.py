"""CoAtNet's three kinds of block: the convolutional stem (S0), MBConv (S1, S2) and the relative-attention
Transformer block (S3, S4).

Attribute names are the checkpoint's parameter names (timm 1.0's), so they must not change.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import torch
import torch.nn.functional as F
from torch import nn

from model.net.config import ConvCfg, TransformerCfg
from model.net.layers import (
    BatchNormAct2d,
    CachingModule,
    Conv2d,
    ConvMlp,
    Downsample2d,
    InferenceCache,
    LayerScale2d,
    SqueezeExcite,
    batch_norm_sources,
    drop_path_or_identity,
    fold_batch_norm,
    inference_cacheable,
    make_norm2d,
)
from model.net.relpos import make_rel_pos


def make_divisible(value: float, divisor: int = 8) -> int:
    """Return ``value`` rounded to a multiple of ``divisor``, never more than 10 % below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _fold_output_norm(
    conv: nn.Conv2d, bn: nn.BatchNorm2d, weight: torch.Tensor | None = None, bias: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(weight, bias)`` of ``bn(conv(x))`` as one conv (``weight``/``bias`` replace the conv's own)."""
    weight = conv.weight if weight is None else weight
    bias = conv.bias if bias is None else bias
    scale, shift = fold_batch_norm(bn)
    folded_bias = shift if bias is None else bias * scale + shift
    return weight * scale.view(-1, 1, 1, 1), folded_bias


def _for_autocast(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Return ``tensors`` in the autocast dtype of their device when autocast is on there, else unchanged."""
    device = tensors[0].device.type
    if not torch.is_autocast_enabled(device):
        return tensors
    return tuple(t.to(torch.get_autocast_dtype(device)) for t in tensors)


class Stem(CachingModule):
    """S0: a stride-2 3x3 conv, batch norm + activation, and a second 3x3 conv.

    At inference the batch norm is folded into the first conv (kept until the weights change).
    """

    def __init__(self, in_chs: int, widths: tuple[int, int], cfg: ConvCfg, bias: bool = False):
        super().__init__()
        self.conv1 = Conv2d(in_chs, widths[0], 3, stride=2, padding=1, bias=bias)
        self.norm1 = BatchNormAct2d(widths[0], act=cfg.act_layer, eps=cfg.norm_eps)
        self.conv2 = Conv2d(widths[0], widths[1], 3, stride=1, padding=1, bias=bias)
        self._folded = InferenceCache()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not inference_cacheable(self):
            return self.conv2(self.norm1(self.conv1(x)))
        sources = [p for p in (self.conv1.weight, self.conv1.bias) if p is not None] + batch_norm_sources(self.norm1)
        weight, bias = self._folded.get(sources, lambda: _for_autocast(*_fold_output_norm(self.conv1, self.norm1)))
        return self.conv2(self.norm1.act(self.conv1._conv_forward(x, weight, bias)))


class MBConvBlock(CachingModule):
    """Pre-norm inverted residual: 1x1 expand -> depthwise kxk -> squeeze-excite -> linear 1x1 bottleneck.

    The first block of a stage halves the resolution (where, is ``cfg.stride_mode``) and its shortcut
    pools and projects to the new width. At inference the batch norms are folded into the convs next to them
    (the pre-norm into the 1x1 expand when only average pooling lies between them; the depthwise conv's norm
    when no squeeze-excitation lies between them), kept until the weights change.
    """

    def __init__(self, in_chs: int, out_chs: int, stride: int, cfg: ConvCfg, drop_path: float = 0.0):
        super().__init__()
        if stride == 1 and in_chs != out_chs:
            raise ValueError("an MBConv block that keeps the resolution must keep the width")
        mid_chs = make_divisible((out_chs if cfg.expand_output else in_chs) * cfg.expand_ratio)
        stride_1x1 = stride if cfg.stride_mode == "1x1" else 1
        stride_dw = stride if cfg.stride_mode == "dw" else 1

        self.shortcut = (
            Downsample2d(in_chs, out_chs, cfg.pool_type, bias=cfg.output_bias) if stride == 2 else nn.Identity()
        )
        self.pre_norm = BatchNormAct2d(in_chs, act=cfg.act_layer if cfg.pre_norm_act else None, eps=cfg.norm_eps)
        self.down = (
            Downsample2d(in_chs, in_chs, cfg.downsample_pool_type)
            if stride == 2 and cfg.stride_mode == "pool"
            else nn.Identity()
        )
        self.conv1_1x1 = Conv2d(in_chs, mid_chs, 1, stride=stride_1x1, bias=False)
        self.norm1 = BatchNormAct2d(mid_chs, act=cfg.act_layer, eps=cfg.norm_eps)
        padding = ((stride_dw - 1) + (cfg.kernel_size - 1)) // 2
        self.conv2_kxk = Conv2d(
            mid_chs, mid_chs, cfg.kernel_size, stride=stride_dw, padding=padding, groups=mid_chs, bias=False
        )
        se = SqueezeExcite(
            mid_chs, int(cfg.attn_ratio * (out_chs if cfg.expand_output else mid_chs)), cfg.attn_act_layer
        )
        self.se_early = se if cfg.attn_early else None
        self.norm2 = BatchNormAct2d(mid_chs, act=cfg.act_layer, eps=cfg.norm_eps)
        self.se = None if cfg.attn_early else se
        self.conv3_1x1 = Conv2d(mid_chs, out_chs, 1, bias=cfg.output_bias)
        self.drop_path = drop_path_or_identity(drop_path)
        # An affine per-channel map commutes with averaging (weights summing to one), not with max pooling.
        self._fold_pre_norm = not cfg.pre_norm_act and (
            isinstance(self.down, nn.Identity) or isinstance(self.down.pool, nn.AvgPool2d)
        )
        self._folded = InferenceCache()

    def _fold(self) -> tuple[torch.Tensor, ...]:
        """Return the expand conv's and the depthwise conv's weight and bias with their batch norms folded in."""
        w1 = self.conv1_1x1.weight
        b1 = None
        if self._fold_pre_norm:
            scale, shift = fold_batch_norm(self.pre_norm)
            b1 = (w1.flatten(1) * shift).sum(1)
            w1 = w1 * scale.view(1, -1, 1, 1)
        w1, b1 = _fold_output_norm(self.conv1_1x1, self.norm1, w1, b1)
        if self.se_early is None:
            w2, b2 = _fold_output_norm(self.conv2_kxk, self.norm2)
            return _for_autocast(w1, b1, w2, b2)
        return _for_autocast(w1, b1)

    def _forward_folded(self, x: torch.Tensor) -> torch.Tensor:
        sources = [*self.conv1_1x1.parameters(), *self.conv2_kxk.parameters()]
        for bn in (self.pre_norm, self.norm1, self.norm2):
            sources += batch_norm_sources(bn)
        folded = self._folded.get(sources, self._fold)
        shortcut = self.shortcut(x)
        x = self.down(x) if self._fold_pre_norm else self.down(self.pre_norm(x))
        x = self.norm1.act(self.conv1_1x1._conv_forward(x, folded[0], folded[1]))
        if self.se_early is None:
            x = self.norm2.act(self.conv2_kxk._conv_forward(x, folded[2], folded[3]))
        else:
            x = self.norm2(self.se_early(self.conv2_kxk(x)))
        if self.se is not None:
            x = self.se(x)
        return self.conv3_1x1(x) + shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if inference_cacheable(self):
            return self._forward_folded(x)
        shortcut = self.shortcut(x)
        x = self.conv1_1x1(self.down(self.pre_norm(x)))
        x = self.conv2_kxk(self.norm1(x))
        if self.se_early is not None:
            x = self.se_early(x)
        x = self.norm2(x)
        if self.se is not None:
            x = self.se(x)
        return self.drop_path(self.conv3_1x1(x)) + shortcut


@dataclass
class AttentionRecord:
    """What one relative-attention layer computed in one forward pass (N = H*W tokens).

    ``content`` is q.k/sqrt(d) ``(B, heads, N, N)``; ``position`` is w[i-j] ``(1, heads, N, N)``;
    ``probs`` = softmax(content + position) ``(B, heads, N, N)``; ``value`` ``(B, heads, N, dim_head)``;
    ``bias_map`` the learned term per offset ``(heads, 2H-1, 2W-1)``; ``grid`` is (H, W).
    """

    probs: torch.Tensor
    content: torch.Tensor
    position: torch.Tensor
    value: torch.Tensor
    bias_map: torch.Tensor
    grid: tuple[int, int]

    def detach(self) -> AttentionRecord:
        """Return a copy whose tensors are cut from the autograd graph."""
        return replace(self, **{f.name: getattr(self, f.name).detach() for f in fields(self) if f.name != "grid"})


class RelativeSelfAttention2d(nn.Module):
    """Multi-head self-attention over all H*W tokens with CoAtNet's relative term:
    ``softmax(q.k / sqrt(d) + w[i-j]) v``.

    Set ``recorder`` to a callable to receive an :class:`AttentionRecord` on each forward; otherwise the
    layer runs ``scaled_dot_product_attention`` and keeps nothing.
    """

    def __init__(self, dim: int, dim_out: int, grid: tuple[int, int], cfg: TransformerCfg):
        super().__init__()
        dim_attn = dim_out if cfg.expand_first else dim
        self.num_heads = dim_attn // cfg.dim_head
        self.dim_head = cfg.dim_head
        self.scale = cfg.dim_head**-0.5
        self.qkv = Conv2d(dim, dim_attn * 3, 1)
        self.rel_pos = make_rel_pos(cfg.rel_pos_type, grid, self.num_heads, cfg.rel_pos_dim)
        self.proj = Conv2d(dim_attn, dim_out, 1)
        self.recorder: Callable[[AttentionRecord], None] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        # Head-major channel layout: each head's q, k and v channels are adjacent (timm's head_first).
        q, k, v = self.qkv(x).view(b, self.num_heads, self.dim_head * 3, h * w).transpose(-1, -2).chunk(3, dim=-1)
        recorder = self.recorder  # read once: a capture on another thread may install or remove it meanwhile
        if recorder is None:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=self.rel_pos.attention_bias(q.dtype))
        else:
            position = self.rel_pos.get_bias()
            content = (q @ k.transpose(-1, -2)) * self.scale
            probs = (content + position).softmax(dim=-1)
            out = probs @ v
            recorder(AttentionRecord(probs, content, position, v, self.rel_pos.bias_map(), self.rel_pos.grid))
        return self.proj(out.transpose(-1, -2).reshape(b, -1, h, w))


class TransformerBlock(nn.Module):
    """Pre-norm Transformer block on NCHW tensors: relative self-attention, then an MLP, each residual.

    The first block of a stage pools the normalised input (and the shortcut) to half resolution.
    """

    def __init__(
        self,
        dim: int,
        dim_out: int,
        stride: int,
        grid: tuple[int, int],
        cfg: TransformerCfg,
        drop_path: float = 0.0,
    ):
        super().__init__()
        if stride == 2:
            self.shortcut = Downsample2d(dim, dim_out, cfg.pool_type, bias=cfg.shortcut_bias)
            self.norm1 = nn.Sequential(
                OrderedDict(
                    norm=make_norm2d(cfg.norm_layer, dim, cfg.norm_eps),
                    down=Downsample2d(dim, dim, cfg.pool_type),
                )
            )
        else:
            if dim != dim_out:
                raise ValueError("a Transformer block that keeps the resolution must keep the width")
            self.shortcut = nn.Identity()
            self.norm1 = make_norm2d(cfg.norm_layer, dim, cfg.norm_eps)
        self.attn = RelativeSelfAttention2d(dim, dim_out, grid, cfg)
        self.ls1 = LayerScale2d(dim_out, cfg.init_values) if cfg.init_values else nn.Identity()
        self.drop_path1 = drop_path_or_identity(drop_path)
        self.norm2 = make_norm2d(cfg.norm_layer, dim_out, cfg.norm_eps)
        self.mlp = ConvMlp(dim_out, int(dim_out * cfg.expand_ratio), cfg.act_layer)
        self.ls2 = LayerScale2d(dim_out, cfg.init_values) if cfg.init_values else nn.Identity()
        self.drop_path2 = drop_path_or_identity(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.shortcut(x) + self.drop_path1(self.ls1(self.attn(self.norm1(x))))
        return x + self.drop_path2(self.ls2(self.mlp(self.norm2(x))))
