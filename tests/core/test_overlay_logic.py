"""The overlay logic that needs no window: which map a spec resolves to, the geometry of what is drawn where,
colour maps, and reading a value off a computed map. No Qt is imported here (tests/core/test_boundaries.py
checks that these modules import without it)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from coatnet_gui.overlay.geometry import Box, crop_box, fit_box, grid_cells
from model.explain import colormaps
from model.explain.blocks import blocks_for, default_block
from model.explain.capture import BlockInfo, list_blocks
from model.explain.maps import OverlayResult, OverlaySpec, Panel, resolve

STEM = BlockInfo("stem", "stem", 0, 0, 32, (48, 48))
S1 = BlockInfo("stages.0.blocks.0", "mbconv", 1, 0, 48, (24, 24))
S2 = BlockInfo("stages.1.blocks.0", "mbconv", 2, 0, 96, (12, 12))
S3 = BlockInfo("stages.2.blocks.0", "transformer", 3, 0, 192, (6, 6), heads=4)
S4 = BlockInfo("stages.3.blocks.0", "transformer", 4, 0, 384, (3, 3), heads=8)
BLOCKS = [STEM, S1, S2, S3, S4]


# --- which blocks, and resolving a spec -----------------------------------------------------------------------


def test_blocks_for_each_kind():
    assert blocks_for("attention", BLOCKS) == [S3, S4]
    assert blocks_for("activation", BLOCKS) == [STEM, S1, S2]
    gradcam = blocks_for("gradcam", BLOCKS)
    assert gradcam == BLOCKS and gradcam is not BLOCKS  # a copy: the caller may change it


def test_default_blocks_are_the_finest_attention_and_the_last_convolution():
    assert default_block("attention", BLOCKS) == S3
    assert default_block("activation", BLOCKS) == S2
    assert default_block("gradcam", BLOCKS) == S2


def test_switching_the_kind_picks_that_kinds_default_block():
    attention = resolve(OverlaySpec(kind="attention", block=S4.name), BLOCKS, 10)
    assert attention.block == S4.name  # a block of the right kind is kept
    assert resolve(OverlaySpec(kind="activation", block=S4.name), BLOCKS, 10).block == S2.name
    assert resolve(OverlaySpec(kind="activation", block=STEM.name), BLOCKS, 10).block == STEM.name
    assert resolve(OverlaySpec(kind="attention", block=S1.name), BLOCKS, 10).block == S3.name
    assert resolve(OverlaySpec(kind="gradcam", block=S4.name), BLOCKS, 10).block == S4.name
    assert resolve(OverlaySpec(kind="attention", block="no.such.block"), BLOCKS, 10).block == S3.name


def test_a_head_that_does_not_exist_falls_back_to_the_mean():
    for head, block, expected in [(3, S3, 3), (4, S3, "mean"), (7, S4, 7), (-1, S4, "mean")]:
        assert resolve(OverlaySpec(block=block.name, head=head), BLOCKS, 10).head == expected, (head, block.name)
    assert resolve(OverlaySpec(head="all"), BLOCKS, 10).head == "all"
    assert resolve(OverlaySpec(head="mean"), BLOCKS, 10).head == "mean"
    assert resolve(OverlaySpec(head="bogus"), BLOCKS, 10).head == "mean"


def test_the_channel_is_clamped_to_the_blocks_channels():
    for channel, expected in [(0, 0), (95, 95), (96, 95), (10_000, 95), (-5, 0)]:
        spec = OverlaySpec(kind="activation", activation_mode="channel", channel=channel)
        assert resolve(spec, BLOCKS, 10).channel == expected, channel  # the default block S2 has 96 channels


def test_a_class_that_does_not_exist_means_the_top_class():
    for class_index, expected in [(None, None), (0, 0), (9, 9), (10, None), (-1, None)]:
        spec = OverlaySpec(kind="gradcam", class_index=class_index)
        assert resolve(spec, BLOCKS, 10).class_index == expected, class_index


def test_unknown_names_fall_back_and_the_query_is_clamped_to_the_view():
    spec = resolve(OverlaySpec(kind="sparkles", attention_mode="x", activation_mode="y", query=(-0.5, 1.7)), BLOCKS, 10)
    assert (spec.kind, spec.attention_mode, spec.activation_mode) == ("attention", "query", "mean")
    assert spec.query == (0.0, 1.0)
    assert resolve(OverlaySpec(query=(0.25, 0.75)), BLOCKS, 10).query == (0.25, 0.75)


def test_resolving_is_idempotent():
    specs = [
        OverlaySpec(kind="activation", block=S4.name, channel=500, head=9, class_index=42),
        OverlaySpec(kind="attention", block=S4.name, attention_mode="bias", head=7, query=(2.0, -1.0)),
        OverlaySpec(kind="gradcam", class_index=3),
    ]
    for spec in specs:
        once = resolve(spec, BLOCKS, 10)
        assert resolve(once, BLOCKS, 10) == once


def test_which_specs_depend_on_the_query_point_and_the_head():
    assert OverlaySpec(attention_mode="query").uses_query and OverlaySpec(attention_mode="query").uses_head
    assert not OverlaySpec(attention_mode="received").uses_query
    assert OverlaySpec(attention_mode="rollout_query").uses_query
    assert not OverlaySpec(attention_mode="rollout_query").uses_head
    assert not OverlaySpec(kind="activation").uses_query and not OverlaySpec(kind="gradcam").uses_head


def test_the_real_networks_blocks_resolve_to_its_first_transformer_and_last_mbconv():
    from model import create_model

    blocks = list_blocks(create_model("coatnet_fmnist_96"))
    attention = resolve(OverlaySpec(), blocks, 10)
    activation = resolve(OverlaySpec(kind="activation", channel=10**6), blocks, 10)
    first_transformer = next(b for b in blocks if b.kind == "transformer")
    last_mbconv = [b for b in blocks if b.kind == "mbconv"][-1]
    assert attention.block == first_transformer.name and activation.block == last_mbconv.name
    assert activation.channel == last_mbconv.channels - 1


# --- geometry ----------------------------------------------------------------------------------------------------


def test_fraction_and_point_are_inverse_inside_a_box():
    box = Box(10.0, 20.0, 200.0, 100.0)
    for x, y in [(10.0, 20.0), (110.0, 70.0), (209.0, 119.0), (37.5, 99.25)]:
        fy, fx = box.fraction(x, y)
        assert box.point(fy, fx) == pytest.approx((x, y))
    assert box.fraction(110.0, 70.0) == (0.5, 0.5)


def test_fraction_is_clamped_outside_the_box_and_zero_on_an_empty_one():
    box = Box(10.0, 20.0, 200.0, 100.0)
    assert box.fraction(0.0, 500.0) == (1.0, 0.0)
    assert box.fraction(999.0, -3.0) == (0.0, 1.0)
    assert Box(5.0, 5.0, 0.0, 0.0).fraction(7.0, 9.0) == (0.0, 0.0)


def test_contains_includes_the_top_left_edge_only():
    box = Box(0.0, 0.0, 10.0, 5.0)
    assert box.contains(0.0, 0.0) and box.contains(9.99, 4.99)
    assert not box.contains(10.0, 2.0) and not box.contains(2.0, 5.0) and not box.contains(-0.01, 1.0)


def test_map_into_scales_and_moves_an_inner_box():
    image, screen = Box(0.0, 0.0, 100.0, 50.0), Box(10.0, 10.0, 200.0, 100.0)
    assert image.map_into(Box(50.0, 25.0, 10.0, 10.0), screen) == Box(110.0, 60.0, 20.0, 20.0)


def test_fit_box_keeps_the_aspect_ratio_centred():
    for content, area, expected in [
        ((400.0, 200.0), Box(0.0, 0.0, 100.0, 100.0), Box(0.0, 25.0, 100.0, 50.0)),
        ((1.0, 2.0), Box(10.0, 10.0, 300.0, 100.0), Box(135.0, 10.0, 50.0, 100.0)),
        ((30.0, 30.0), Box(0.0, 0.0, 60.0, 60.0), Box(0.0, 0.0, 60.0, 60.0)),
        ((0.0, 30.0), Box(4.0, 6.0, 60.0, 60.0), Box(4.0, 6.0, 0.0, 0.0)),
    ]:
        assert fit_box(content, area) == expected, (content, area)


def test_crop_box_is_the_part_of_the_image_the_model_saw():
    # centre crop of a 2:1 image: the shortest side becomes 96, the middle 96x96 of 192x96 is kept
    assert crop_box((200, 100), 96) == Box(50.0, 0.0, 100.0, 100.0)
    assert crop_box((200, 100), 96, crop_mode="squash") == Box(0.0, 0.0, 200.0, 100.0)
    # timm's 224 / 0.875 = 256 resize, then the centre 224
    assert crop_box((256, 256), 224, crop_pct=0.875) == Box(16.0, 16.0, 224.0, 224.0)


def overlap(a: Box, b: Box) -> bool:
    return a.left < b.right and b.left < a.right and a.top < b.bottom and b.top < a.bottom


def test_grid_cells_are_inside_the_area_and_do_not_overlap():
    area = Box(5.0, 7.0, 310.0, 210.0)
    for count, columns in [(1, 1), (5, 3), (16, 4), (3, 3), (7, 2), (2, 9)]:
        cells = grid_cells(count, columns, area, gap=10.0, caption=12.0)
        assert len(cells) == count
        for cell in cells:
            assert cell.width > 0 and cell.height > 0
            assert area.left <= cell.left and cell.right <= area.right + 1e-9
            assert area.top + 12.0 <= cell.top and cell.bottom <= area.bottom + 1e-9
        assert not any(overlap(a, b) for a, b in itertools.combinations(cells, 2)), (count, columns)
        assert len({c.width for c in cells}) == 1 and len({c.height for c in cells}) == 1


def test_grid_cells_run_row_by_row():
    cells = grid_cells(5, 3, Box(0.0, 0.0, 310.0, 210.0), gap=10.0)
    step = 290.0 / 3 + 10.0  # a cell's width (the area less two gaps, in thirds) and a gap
    assert [c.left for c in cells] == pytest.approx([0.0, step, 2 * step, 0.0, step])
    assert [c.top for c in cells] == [0.0, 0.0, 0.0, 110.0, 110.0]
    assert cells[0].width == pytest.approx(290.0 / 3) and cells[0].height == 100.0
    assert grid_cells(2, 9, Box(0.0, 0.0, 100.0, 10.0))[1] == Box(50.0, 0.0, 50.0, 10.0)  # no empty columns


# --- colour maps -------------------------------------------------------------------------------------------------


def test_lookup_tables_run_from_the_first_to_the_last_anchor():
    for name in colormaps.COLORMAPS:
        table = colormaps.lookup_table(name)
        assert table.shape == (256, 3) and table.dtype == np.uint8 and not table.flags.writeable
    assert colormaps.lookup_table("inferno")[0].tolist() == [0, 0, 4]
    assert colormaps.lookup_table("inferno")[255].tolist() == [252, 255, 164]
    assert colormaps.lookup_table("gray")[[0, 128, 255]].tolist() == [[0, 0, 0], [128, 128, 128], [255, 255, 255]]
    with pytest.raises(KeyError):
        colormaps.lookup_table("jet")


def test_apply_maps_lo_to_the_first_and_hi_to_the_last_colour_and_clips_outside():
    table = colormaps.lookup_table("viridis")
    values = np.array([[2.0, 4.0, 6.0], [-100.0, 100.0, 3.0]], dtype=np.float32)
    rgb = colormaps.apply(values, "viridis", 2.0, 6.0)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == np.uint8
    expected_rows = [[0, 128, 255], [0, 255, 64]]  # 0.5 * 255 + 0.5 -> 128; 0.25 * 255 + 0.5 -> 64
    assert rgb.tolist() == table[expected_rows].tolist()


def test_apply_on_a_constant_map_or_non_finite_values():
    table = colormaps.lookup_table("magma")
    constant = colormaps.apply(np.full((2, 2), 3.0, dtype=np.float32), "magma", 3.0, 3.0)
    assert (constant == table[0]).all()
    odd = colormaps.apply(np.array([[np.nan, np.inf, -np.inf]], dtype=np.float32), "magma", 0.0, 1.0)
    assert odd[0].tolist() == table[[0, 255, 0]].tolist()


def test_signed_maps_get_a_diverging_colour_map():
    assert colormaps.for_map("inferno", signed=False) == "inferno"
    assert colormaps.for_map("inferno", signed=True) == colormaps.DIVERGING
    assert colormaps.for_map("RdBu", signed=True) == "RdBu"


# --- reading a computed map --------------------------------------------------------------------------------------


def result_with(*grids: np.ndarray) -> OverlayResult:
    image = np.zeros((96, 96), np.float32)
    panels = [Panel(f"p{i}", g, image, float(g.min()), float(g.max())) for i, g in enumerate(grids)]
    return OverlayResult(OverlaySpec(), S3, panels, len(panels), "caption", "attention weight")


def test_value_at_reads_the_grid_cell_under_a_view_fraction():
    grid = np.arange(24, dtype=np.float32).reshape(4, 6)
    result = result_with(grid, -grid)
    assert result.value_at(0, 0.0, 0.0) == (0.0, 0, 0)
    assert result.value_at(0, 0.5, 0.5) == (15.0, 2, 3)
    assert result.value_at(0, 0.24, 0.99) == (5.0, 0, 5)
    assert result.value_at(0, 1.0, 1.0) == (23.0, 3, 5)  # the far edge belongs to the last cell
    assert result.value_at(1, 0.5, 0.5) == (-15.0, 2, 3)


def test_raw_is_one_map_or_the_stack_of_small_multiples():
    grid = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert result_with(grid).raw() is grid
    stacked = result_with(grid, grid * 2, grid * 3).raw()
    assert stacked.shape == (3, 2, 3) and stacked[2, 1, 2] == 15.0
