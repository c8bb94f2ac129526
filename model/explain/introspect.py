"""Turn what :mod:`model.explain.capture` recorded into 2-d maps a person can look at.

Every function returns a float32 map on the block's own token/feature grid, ``(h, w)``, for one image of
the batch (``batch`` index, default 0). :func:`upsample_map` brings a map to the image's size.
Heads: an ``int`` picks one head, ``None`` averages over heads.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from model.net.blocks import AttentionRecord


def _head(t: torch.Tensor, head: int | None) -> torch.Tensor:
    """Select ``head`` of a ``(heads, ...)`` tensor, or average over heads when ``head`` is None."""
    return t.mean(0) if head is None else t[head]


def grid_cell(grid: tuple[int, int], fy: float, fx: float) -> tuple[int, int]:
    """Return the ``(row, column)`` of the cell of a ``grid`` (rows, columns) under the point at fractions
    ``(fy, fx)`` (0-1) of its height and width, clamped to the grid."""
    rows, columns = grid
    return min(rows - 1, max(0, int(fy * rows))), min(columns - 1, max(0, int(fx * columns)))


def token_index(record: AttentionRecord, query_yx: tuple[float, float]) -> int:
    """Return the flat index of the token under ``query_yx`` given as fractions (0-1) of the image
    height and width."""
    row, column = grid_cell(record.grid, *query_yx)
    return row * record.grid[1] + column


def attention_from_query(
    record: AttentionRecord, query_yx: tuple[float, float], head: int | None = None, batch: int = 0
) -> torch.Tensor:
    """Return the attention of the token at ``query_yx`` over all tokens, ``(h, w)``, summing to 1."""
    q = token_index(record, query_yx)
    return _head(record.probs[batch, :, q].float(), head).view(record.grid)


def attention_received(record: AttentionRecord, head: int | None = None, batch: int = 0) -> torch.Tensor:
    """Return how much attention each token receives, averaged over all queries, ``(h, w)``."""
    return _head(record.probs[batch].float().mean(1), head).view(record.grid)


def content_only(
    record: AttentionRecord, query_yx: tuple[float, float], head: int | None = None, batch: int = 0
) -> torch.Tensor:
    """Return softmax(q.k/sqrt(d)) of the query token, without the relative-position term, ``(h, w)``."""
    q = token_index(record, query_yx)
    return _head(record.content[batch, :, q].float().softmax(-1), head).view(record.grid)


def position_only(record: AttentionRecord, query_yx: tuple[float, float], head: int | None = None) -> torch.Tensor:
    """Return softmax(w[i-j]) of the query token, where the head would look by position alone, ``(h, w)``."""
    q = token_index(record, query_yx)
    return _head(record.position[0, :, q].float().softmax(-1), head).view(record.grid)


def bias_around_query(record: AttentionRecord, query_yx: tuple[float, float], head: int | None = None) -> torch.Tensor:
    """Return the learned bias w[i-j] added for each key j when the query i sits at ``query_yx``,
    ``(h, w)`` (raw logit units, not normalised): the head's bias table centred on the query."""
    q = token_index(record, query_yx)
    return _head(record.position[0, :, q].float(), head).view(record.grid)


def positional_share(record: AttentionRecord, batch: int = 0) -> torch.Tensor:
    """Return, per head, how positional its attention is: var(w) / (var(w) + var(q.k/sqrt(d))) of each
    query's logits over keys, averaged over queries. ``(heads,)`` in [0, 1]; 1 = purely positional."""
    var_pos = record.position[0].float().var(-1)
    var_content = record.content[batch].float().var(-1)
    return (var_pos / (var_pos + var_content).clamp_min(1e-12)).mean(-1)


def attention_rollout(
    records: Sequence[AttentionRecord], query_yx: tuple[float, float] | None = None, batch: int = 0
) -> torch.Tensor:
    """Return attention rollout (Abnar & Zuidema 2020) through the Transformer blocks, in forward order.

    Each block mixes tokens by ``0.5 I + 0.5 mean_heads(A)`` (the residual path counts half); where the
    grid halves between blocks, tokens are first averaged 2x2 as the network's pooling does. The result
    is over the first block's grid ``(h, w)``: the attention flowing to each input token from the token
    at ``query_yx`` of the last block, or from all of them (what the pooled classifier sees) when None.
    """
    first_grid = records[0].grid
    device = records[0].probs.device
    flow = torch.eye(first_grid[0] * first_grid[1], device=device)
    grid = first_grid
    for rec in records:
        if rec.grid != grid:
            flow = _pool_matrix(grid, rec.grid, device) @ flow
            grid = rec.grid
        mix = rec.probs[batch].float().mean(0)
        mix = 0.5 * torch.eye(mix.shape[0], device=device) + 0.5 * mix
        flow = mix @ flow
    if query_yx is None:
        row = flow.mean(0)
    else:
        row = flow[token_index(records[-1], query_yx)]
    return row.view(first_grid)


def _pool_matrix(src: tuple[int, int], dst: tuple[int, int], device: torch.device) -> torch.Tensor:
    """Return the ``(dst tokens, src tokens)`` matrix of 2x2 average pooling from ``src`` to ``dst`` grid, on
    ``device``."""
    eye = torch.eye(src[0] * src[1], device=device).view(-1, 1, *src)
    pooled = F.adaptive_avg_pool2d(eye, dst)  # (src tokens, 1, dst_h, dst_w)
    return pooled.flatten(1).T


def activation_map(activation: torch.Tensor, channel: int | None = None, batch: int = 0) -> torch.Tensor:
    """Return one channel of ``activation`` ``(B, C, h, w)``, or the mean |activation| over channels
    when ``channel`` is None; ``(h, w)``."""
    act = activation[batch].float()
    return act.abs().mean(0) if channel is None else act[channel]


def strongest_channels(activation: torch.Tensor, k: int, batch: int = 0) -> list[int]:
    """Return the indices of the ``k`` channels with the largest mean |activation|, strongest first."""
    strength = activation[batch].float().abs().mean((1, 2))
    return strength.topk(min(k, strength.numel())).indices.tolist()


def grad_cam(activation: torch.Tensor, gradient: torch.Tensor, batch: int = 0) -> torch.Tensor:
    """Return Grad-CAM (Selvaraju et al. 2017): ReLU of the channels weighted by their mean gradient,
    ``(h, w)``, scaled to [0, 1] (all zeros when nothing supports the class); detached from the autograd graph."""
    act, grad = activation[batch].detach().float(), gradient[batch].detach().float()  # a map, not a graph
    cam = F.relu((grad.mean((1, 2))[:, None, None] * act).sum(0))
    peak = cam.max()
    return cam / peak if peak > 0 else cam


def upsample_map(grid_map: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Return ``grid_map`` ``(h, w)`` resized bilinearly to ``size`` (H, W)."""
    return F.interpolate(grid_map[None, None].float(), size=size, mode="bilinear", align_corners=False)[0, 0]


def normalise(grid_map: torch.Tensor) -> torch.Tensor:
    """Return ``grid_map`` scaled linearly to [0, 1] (zeros when it is constant)."""
    lo, hi = grid_map.min(), grid_map.max()
    return (grid_map - lo) / (hi - lo) if hi > lo else torch.zeros_like(grid_map)
