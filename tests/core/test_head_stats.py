"""Head statistics on constructed attention, where the answer is known exactly, and on a real capture."""

from __future__ import annotations

import math

import pytest
import torch

from model import create_model
from model.explain.capture import capture, list_blocks
from model.explain.head_stats import attention_entropy, head_stats, mean_attention_distance
from model.explain.introspect import positional_share

# mean distance between two points drawn uniformly from the unit square (a known closed form)
UNIT_SQUARE_MEAN_DISTANCE = (2 + math.sqrt(2) + 5 * math.log(1 + math.sqrt(2))) / 15


def uniform(heads: int, tokens: int) -> torch.Tensor:
    return torch.full((heads, tokens, tokens), 1.0 / tokens)


def test_identity_attention_has_distance_zero_and_entropy_zero():
    probs = torch.eye(49).expand(3, 49, 49)
    assert torch.equal(mean_attention_distance(probs, (7, 7), (224, 224)), torch.zeros(3))
    assert torch.allclose(attention_entropy(probs), torch.zeros(3), atol=1e-6)


def test_uniform_attention_has_the_closed_form_distance_and_entropy_log_n():
    # one row of n tokens, 10 pixels each: E|i - j| over uniform pairs = (n² - 1) / (3n) cells
    n = 12
    row = mean_attention_distance(uniform(2, n), (1, n), (10, 10 * n))
    assert torch.allclose(row, torch.full((2,), 10 * (n * n - 1) / (3 * n)), rtol=1e-5)
    # a 2x2 grid of 16-pixel cells: 4 pairs at 0, 8 at one cell, 4 at √2 cells
    square = mean_attention_distance(uniform(1, 4), (2, 2), (32, 32))
    assert square.item() == pytest.approx(16 * (2 + math.sqrt(2)) / 4, rel=1e-5)
    # a fine grid tends to the continuous unit square's mean distance, times the side in pixels
    fine = mean_attention_distance(uniform(1, 32 * 32), (32, 32), (224, 224))
    assert fine.item() == pytest.approx(224 * UNIT_SQUARE_MEAN_DISTANCE, rel=2e-3)
    for tokens in (4, 49, 196):
        assert torch.allclose(attention_entropy(uniform(2, tokens)), torch.full((2,), math.log(tokens)))


def test_attention_one_cell_away_has_distance_one_cell():
    rows, columns, cell = 4, 6, 8
    n = rows * columns
    probs = torch.zeros(1, n, n)
    for q in range(n):
        key = q + 1 if q % columns < columns - 1 else q - 1  # the right neighbour, the left one at the edge
        probs[0, q, key] = 1.0
    distance = mean_attention_distance(probs, (rows, columns), (rows * cell, columns * cell))
    assert distance.item() == pytest.approx(cell)


def test_head_stats_cover_every_head_of_a_real_capture_in_forward_order():
    torch.manual_seed(0)
    net = create_model("coatnet_fmnist_96").eval()
    x = torch.randn(1, 3, 96, 96)
    with torch.no_grad(), capture(net, attention="all") as cap:
        net(x)
    blocks = list_blocks(net)
    stats = head_stats(cap.attention, blocks, (96, 96))
    transformers = [b for b in blocks if b.kind == "transformer"]
    assert [(s.block, s.head) for s in stats] == [(b.name, h) for b in transformers for h in range(b.heads)]
    assert [s.depth for s in stats] == [d for d, b in enumerate(transformers) for _ in range(b.heads)]
    for block in transformers:
        record = cap.attention[block.name]
        ours = [s for s in stats if s.block == block.name]
        assert [s.positional for s in ours] == pytest.approx(positional_share(record).tolist())
        n = block.grid[0] * block.grid[1]
        assert all(0 < s.distance < 96 * math.sqrt(2) and 0 < s.entropy <= math.log(n) + 1e-5 for s in ours)
        assert all(s.tokens == n for s in ours)
