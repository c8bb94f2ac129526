"""Folder maps: batched maps equal the window's one-image maps, bf16 stays close to fp32, overlays land in the box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from model.choices import MAP_KINDS
from model.data.decode import load_image
from model.data.transform import load_and_preprocess
from model.explain.folder_maps import compute_maps, resolve_block
from model.explain.maps import compute_overlay, map_kind_spec, resolve
from model.explain.render import BOX_COLOUR, box_pixels, overlay_on_original
from model.runtime.inference import Classifier
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"
FILES = sorted(SLICE.glob("*.png"))[:6]
# bf16 forward + fp32 map arithmetic against an all-fp32 run, in units of each map's range: the mean difference
# over a map's cells, and the largest of any cell (Grad-CAM's ReLU of a cancelling sum moves single cells most;
# measured on 64 test images: mean 0.007, worst cell 0.16 for Grad-CAM, under 0.04 for the others)
BF16_MEAN_TOLERANCE = 0.02
BF16_CELL_TOLERANCE = 0.25


@pytest.fixture(scope="module")
def fp32() -> Classifier:
    return Classifier(load_model("bundled"), device="cpu", precision="fp32")


@pytest.fixture(scope="module")
def batch(fp32: Classifier) -> torch.Tensor:
    return torch.stack([load_and_preprocess(f, fp32.preprocess_cfg)[0] for f in FILES])


def test_batched_grad_cam_equals_the_windows_one_image_grad_cam(fp32, batch):
    block = resolve_block(fp32.net, "gradcam")
    maps = compute_maps(fp32, batch, "gradcam", block)
    assert maps.maps.shape == (len(FILES), *block.grid) and maps.maps.dtype == torch.float32
    for i, path in enumerate(FILES):
        explanation = fp32.explain(load_image(path))
        assert int(maps.classes[i]) == int(explanation.probs.argmax())
        torch.testing.assert_close(maps.probs[i], explanation.probs, atol=1e-5, rtol=0)
        expected = explanation.grad_cam(int(maps.classes[i]), block.name)
        torch.testing.assert_close(maps.maps[i], expected, atol=1e-5, rtol=0)


def test_each_map_kind_equals_the_windows_map_of_that_kind(fp32, batch):
    explanation = fp32.explain(load_image(FILES[0]))
    for kind in MAP_KINDS:
        block = resolve_block(fp32.net, kind)
        spec = resolve(map_kind_spec(kind), explanation.blocks, explanation.probs.numel())
        assert spec.block == block.name, kind
        window = compute_overlay(explanation, spec, (8, 8), fp32.label_names).panels[0].grid
        folder = compute_maps(fp32, batch[:1], kind, block).maps[0].numpy()
        np.testing.assert_allclose(folder, window, atol=1e-5, rtol=1e-4, err_msg=kind)


def test_attention_maps_of_a_batch_equal_those_of_each_image_alone(fp32, batch):
    for kind in ("rollout", "received", "activation"):
        block = resolve_block(fp32.net, kind)
        together = compute_maps(fp32, batch, kind, block).maps
        alone = torch.cat([compute_maps(fp32, batch[i : i + 1], kind, block).maps for i in range(3)])
        torch.testing.assert_close(together[:3], alone, atol=1e-5, rtol=1e-4)


def test_bf16_forward_keeps_the_maps_within_the_stated_tolerance_of_fp32(fp32, batch):
    bf16 = Classifier(load_model("bundled"), device="cpu", precision="bf16")
    for kind in MAP_KINDS:
        block = resolve_block(fp32.net, kind)
        exact = compute_maps(fp32, batch, kind, block)
        fast = compute_maps(bf16, batch, kind, block)
        assert fast.maps.dtype == torch.float32
        assert torch.equal(fast.classes, exact.classes)
        span = (exact.maps.amax((1, 2)) - exact.maps.amin((1, 2)))[:, None, None]
        difference = (fast.maps - exact.maps).abs() / span
        assert float(difference.mean((1, 2)).max()) <= BF16_MEAN_TOLERANCE, kind
        assert float(difference.max()) <= BF16_CELL_TOLERANCE, kind


def test_blocks_resolve_by_name_short_name_and_stage(fp32):
    net = fp32.net
    assert resolve_block(net, "gradcam").name == "stages.1.blocks.1"  # the last MBConv block
    assert resolve_block(net, "rollout").name == "stages.3.blocks.0"
    assert resolve_block(net, "received").name == "stages.2.blocks.0"
    assert resolve_block(net, "gradcam", "S2").name == "stages.1.blocks.1"
    assert resolve_block(net, "gradcam", "s1.0").name == "stages.0.blocks.0"
    assert resolve_block(net, "activation", "stem").name == "stem"
    assert resolve_block(net, "received", "stages.2.blocks.1").name == "stages.2.blocks.1"
    with pytest.raises(ValueError, match=r"choices: S3\.0"):
        resolve_block(net, "rollout", "S2")
    with pytest.raises(ValueError, match="unknown map"):
        resolve_block(net, "saliency")


def test_overlay_puts_the_map_inside_the_box_only_and_in_the_right_place():
    rng = np.random.default_rng(0)
    original = Image.fromarray(rng.integers(0, 256, (90, 120, 3), dtype=np.uint8))
    box = (30.0, 20.0, 60.0, 50.0)  # (left, top, width, height)
    grid_map = np.zeros((2, 2), dtype=np.float32)
    grid_map[0, 0] = 1.0  # only the top-left cell is hot
    picture = np.asarray(overlay_on_original(original, grid_map, box, alpha=1.0))
    before = np.asarray(original)
    x0, y0, x1, y1 = box_pixels(box, original.size)
    assert (x0, y0, x1, y1) == (30, 20, 90, 70)
    outside = np.ones(before.shape[:2], dtype=bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(picture[outside], before[outside])
    assert tuple(picture[y0, x0 + 10]) == BOX_COLOUR  # the frame on the box's top edge
    # opaque overlay: the top-left quarter of the box is brightest, the bottom-right one darkest
    inner = picture[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].astype(float).sum(-1)
    h, w = inner.shape
    assert inner[: h // 4, : w // 4].mean() > inner[-h // 4 :, -w // 4 :].mean() + 200


def test_overlay_of_a_box_reaching_past_the_image_is_clipped():
    original = Image.new("RGB", (40, 30), (10, 20, 30))
    picture = overlay_on_original(original, np.ones((3, 3), dtype=np.float32), (-10.0, -5.0, 60.0, 40.0), lo=0, hi=1)
    assert picture.size == original.size
    assert np.all(np.asarray(picture)[5:25, 5:35] != (10, 20, 30))
