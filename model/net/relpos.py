"""Relative-position terms w[i-j] of CoAtNet's attention.

For a grid of H x W tokens, query i and key j differ by an offset (dy, dx) with dy in [-(H-1), H-1] and
dx in [-(W-1), W-1]. Each head owns one scalar per offset, so the whole learned term is a
``(heads, 2H-1, 2W-1)`` map, indexed ``[h, dy + H-1, dx + W-1]`` where ``dy = y_query - y_key``.
Two ways to produce that map exist among the public checkpoints:

* :class:`RelPosBias` - the paper's learned table, one free parameter per offset and head;
* :class:`RelPosMlp` - a small MLP over log-spaced offsets (timm's "rmlp" models).

Both expand the map to the ``(1, heads, N, N)`` bias added to q.k/sqrt(d) (N = H*W).
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn

from model.net.layers import CachingModule, InferenceCache, inference_cacheable


@lru_cache(maxsize=16)
def relative_position_index(height: int, width: int) -> torch.Tensor:
    """Return, for every (query, key) pair of an H x W grid, its row in the flattened offset table.

    Shape ``(N*N,)`` with N = H*W; row = ``(dy + H-1) * (2W-1) + (dx + W-1)``. Built on the CPU even under a
    ``torch.device("meta")`` context: meta kernels for these ops import torch._dynamo (0.7 s at start-up).

    Computed once per grid and process, outside inference mode, and shared: every block on that grid holds the
    same tensor as a read-only buffer (a network's ``.to()`` gives it its own copy). Building all named configs
    on the meta device took 18 s without the sharing, most of it allocating these (N*N,) tensors.
    """
    with torch.inference_mode(False):
        ys, xs = torch.meshgrid(torch.arange(height, device="cpu"), torch.arange(width, device="cpu"), indexing="ij")
        coords = torch.stack((ys.flatten(), xs.flatten()))  # (2, N)
        rel = coords[:, :, None] - coords[:, None, :]  # (2, N, N): query minus key
        return ((rel[0] + height - 1) * (2 * width - 1) + rel[1] + width - 1).flatten()


def log_spaced_offsets(height: int, width: int) -> torch.Tensor:
    """Return ``sign(d) * log(1 + |d|)`` of every offset, shape ``(2H-1, 2W-1, 2)`` (dy, dx); on the CPU, as
    :func:`relative_position_index`."""
    dy = torch.arange(-(height - 1), height, dtype=torch.float32, device="cpu")
    dx = torch.arange(-(width - 1), width, dtype=torch.float32, device="cpu")
    table = torch.stack(torch.meshgrid(dy, dx, indexing="ij"), dim=-1)
    return torch.sign(table) * torch.log1p(table.abs())


class _RelPosBase(CachingModule):
    """Shared expansion of a per-offset table into the attention bias.

    At inference (eval mode, no autograd graph) the bias is built once and kept until the weights change; timm
    rebuilds it on every forward pass.
    """

    def __init__(self, grid: tuple[int, int], num_heads: int):
        super().__init__()
        self.grid = grid
        self.num_heads = num_heads
        self.register_buffer("relative_position_index", relative_position_index(*grid), persistent=False)
        self._bias = InferenceCache()

    def bias_map(self) -> torch.Tensor:
        """Return the learned term per head and offset, shape ``(heads, 2H-1, 2W-1)``."""
        raise NotImplementedError

    def get_bias(self) -> torch.Tensor:
        """Return w[i-j] for every query i and key j, shape ``(1, heads, N, N)``."""
        n = self.grid[0] * self.grid[1]
        table = self.bias_map().flatten(1)  # (heads, offsets)
        return table[:, self.relative_position_index].view(1, self.num_heads, n, n)

    def attention_bias(self, dtype: torch.dtype) -> torch.Tensor:
        """Return :meth:`get_bias` in ``dtype``, kept from an earlier call at inference while the weights are
        unchanged; shape ``(1, heads, N, N)``."""
        if not inference_cacheable(self):
            return self.get_bias().to(dtype)
        sources = [*self.parameters(), *self.buffers()]
        return self._bias.get(sources, lambda: self.get_bias().to(dtype).contiguous(), (dtype,))


class RelPosBias(_RelPosBase):
    """The paper's learned relative-position bias: a free table of ``(2H-1)(2W-1)`` rows by heads."""

    def __init__(self, grid: tuple[int, int], num_heads: int):
        super().__init__(grid, num_heads)
        rows = (2 * grid[0] - 1) * (2 * grid[1] - 1)
        self.relative_position_bias_table = nn.Parameter(torch.zeros(rows, num_heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)

    def bias_map(self) -> torch.Tensor:
        h, w = self.grid
        return self.relative_position_bias_table.view(2 * h - 1, 2 * w - 1, self.num_heads).permute(2, 0, 1)


class _OffsetMlp(nn.Module):
    """Two-layer MLP mapping a 2-d offset to one value per head."""

    def __init__(self, hidden: int, num_heads: int):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.act = nn.ReLU()
        self.drop1 = nn.Dropout(0.125)
        self.fc2 = nn.Linear(hidden, num_heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop1(self.act(self.fc1(x))))


class RelPosMlp(_RelPosBase):
    """Relative-position term computed by an MLP from log-spaced offsets (timm's "rmlp" CoAtNets)."""

    def __init__(self, grid: tuple[int, int], num_heads: int, hidden: int):
        super().__init__(grid, num_heads)
        self.mlp = _OffsetMlp(hidden, num_heads)
        self.register_buffer("rel_coords_log", log_spaced_offsets(*grid), persistent=False)

    def bias_map(self) -> torch.Tensor:
        return self.mlp(self.rel_coords_log).permute(2, 0, 1)


def make_rel_pos(kind: str, grid: tuple[int, int], num_heads: int, mlp_hidden: int) -> _RelPosBase:
    """Return the relative-position module of ``kind`` ("bias" or "mlp") for an H x W token grid."""
    if kind == "bias":
        return RelPosBias(grid, num_heads)
    if kind == "mlp":
        return RelPosMlp(grid, num_heads, mlp_hidden)
    raise ValueError(f"unknown relative-position kind {kind!r}")
