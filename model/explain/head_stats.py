"""Every attention head at a glance: how far it looks, how positional it is and how spread its attention is.

    stats = head_stats(captured.attention, list_blocks(net), (net.cfg.img_size, net.cfg.img_size))
    [(s.block, s.head, s.distance, s.positional, s.entropy) for s in stats]

**Mean attention distance** (Dosovitskiy et al. 2021, "An image is worth 16x16 words", Fig. 7): for each query
token, the distance in input pixels to every key token weighted by the attention it gives that key, averaged over
the queries. Token positions are the centres of their cells on the input image, so a block on a 14x14 grid of a
224-pixel input has 16-pixel cells. **Positional share** is :func:`~model.explain.introspect.positional_share`.
**Entropy** is the attention's entropy over keys in nats (0 = one key, log N = uniform), averaged over queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch

from model.explain.capture import BlockInfo
from model.explain.introspect import positional_share
from model.net.blocks import AttentionRecord


@dataclass(frozen=True)
class HeadStats:
    """The statistics of one ``head`` of Transformer block ``block`` (its ``label``); ``depth`` counts the
    Transformer blocks in forward order from 0. ``distance`` is in input pixels, ``positional`` in [0, 1],
    ``entropy`` in nats (at most ``log(tokens)``)."""

    block: str
    label: str
    depth: int
    head: int
    distance: float
    positional: float
    entropy: float
    tokens: int


def token_offsets(grid: tuple[int, int], input_size: tuple[int, int]) -> torch.Tensor:
    """Return the distance in input pixels between the cell centres of every two tokens of a ``grid`` (rows,
    columns) laid over an input of ``input_size`` (height, width) pixels: ``(N, N)`` float32, N = rows·columns."""
    rows, columns = grid
    cell_y, cell_x = input_size[0] / rows, input_size[1] / columns
    ys, xs = torch.meshgrid(torch.arange(rows) * cell_y, torch.arange(columns) * cell_x, indexing="ij")
    points = torch.stack([ys.flatten(), xs.flatten()], -1).double()
    return torch.cdist(points, points).float()


def mean_attention_distance(probs: torch.Tensor, grid: tuple[int, int], input_size: tuple[int, int]) -> torch.Tensor:
    """Return each head's mean attention distance in input pixels, ``(heads,)``, from attention ``probs``
    ``(heads, N, N)`` (rows: queries, summing to 1) on ``grid`` over an input of ``input_size`` (H, W) pixels."""
    distances = token_offsets(grid, input_size).to(probs.device)
    return (probs.float() * distances).sum(-1).mean(-1)


def attention_entropy(probs: torch.Tensor) -> torch.Tensor:
    """Return each head's attention entropy over keys in nats, averaged over queries, ``(heads,)``, from
    ``probs`` ``(heads, N, N)``; 0·log 0 counts as 0."""
    p = probs.float()
    return -(p * p.clamp_min(1e-30).log()).sum(-1).mean(-1)


def head_stats(
    attention: Mapping[str, AttentionRecord], blocks: list[BlockInfo], input_size: tuple[int, int], batch: int = 0
) -> list[HeadStats]:
    """Return the :class:`HeadStats` of every head of every Transformer block in ``blocks`` whose attention
    was captured (``attention``, as :class:`~model.explain.capture.Captured` holds it), in forward order, for image
    ``batch`` of the batch; ``input_size`` is the network's input (height, width) in pixels."""
    out: list[HeadStats] = []
    transformers = [b for b in blocks if b.kind == "transformer" and b.name in attention]
    with torch.no_grad():
        for depth, block in enumerate(transformers):
            record = attention[block.name].detach()
            probs = record.probs[batch]
            distance = mean_attention_distance(probs, record.grid, input_size).tolist()
            entropy = attention_entropy(probs).tolist()
            shares = positional_share(record, batch).tolist()
            tokens = probs.shape[-1]
            for head in range(probs.shape[0]):
                out.append(
                    HeadStats(block.name, block.label, depth, head, distance[head], shares[head], entropy[head], tokens)
                )
    return out
