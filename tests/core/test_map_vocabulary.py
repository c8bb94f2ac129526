"""One map vocabulary: the window (:func:`model.explain.maps.resolve`) and ``label --maps`` / the Batch tab
(:func:`model.explain.folder_maps.resolve_block`) pick the same block for every config, every map kind and every
way of naming a block; and blocks have one short label."""

from __future__ import annotations

import pytest
import torch

from model import create_model, list_configs
from model.choices import MAP_KINDS
from model.explain.blocks import block_label, choose_block, find_block
from model.explain.capture import BlockInfo, list_blocks
from model.explain.folder_maps import resolve_block
from model.explain.maps import map_kind_spec, resolve


@pytest.fixture(scope="module")
def nets() -> dict[str, torch.nn.Module]:
    """Every named config, built on the meta device (no memory, no weights: only the block structure counts)."""
    built = {}
    for name in list_configs():
        with torch.device("meta"):
            built[name] = create_model(name)
    return built


def _expected_default(kind: str, blocks: list[BlockInfo]) -> BlockInfo:
    """The documented defaults, written out independently of the code under test."""
    transformers = [b for b in blocks if b.kind == "transformer"]
    convolutions = [b for b in blocks if b.kind in ("stem", "mbconv")]
    return {"gradcam": convolutions[-1], "activation": convolutions[-1], "rollout": transformers[-1],
            "received": transformers[0]}[kind]  # fmt: skip


def _allowed(kind: str, block: BlockInfo) -> bool:
    return {"gradcam": True, "activation": block.kind in ("stem", "mbconv")}.get(kind, block.kind == "transformer")


def test_the_window_and_the_command_line_resolve_every_block_of_every_config_alike(nets):
    checked = 0
    for config, net in nets.items():
        blocks = list_blocks(net)
        stages = sorted({b.stage for b in blocks})
        texts = ["", *(b.name for b in blocks), *(block_label(b) for b in blocks), *(f"S{s}" for s in stages)]
        texts += [str(s) for s in stages] + [block_label(blocks[-1]).lower(), "S9.9", "nonsense"]
        for kind in MAP_KINDS:
            default = _expected_default(kind, blocks)
            for text in texts:
                window = resolve(map_kind_spec(kind, text), blocks, 10).block
                named = find_block([b for b in blocks if _allowed(kind, b)], text)
                try:
                    cli = resolve_block(net, kind, text).name
                except ValueError as exc:  # names no block this kind can use: the window shows the default
                    assert text and named is None, (config, kind, text, exc)
                    assert window == default.name, (config, kind, text)
                    continue
                assert cli == window == (named or default).name, (config, kind, text)
                checked += 1
    assert checked > 2000  # every config took part


def test_the_default_rollout_runs_through_every_transformer_block_in_the_window_too():
    blocks = list_blocks(create_model("coatnet_fmnist_96"))
    transformers = [b.name for b in blocks if b.kind == "transformer"]
    assert resolve(map_kind_spec("rollout"), blocks, 10).block == transformers[-1]
    assert resolve(map_kind_spec("received"), blocks, 10).block == transformers[0]
    assert choose_block("attention", blocks, mode="query").name == transformers[0]


def test_block_labels_read_like_the_window():
    assert block_label("stages.2.blocks.1") == "S3.1"
    assert block_label("stages.0.blocks.0") == "S1.0"
    assert block_label("stem") == "S0"
    assert block_label("head") == "head"  # not a block name: unchanged
    for block in list_blocks(create_model("coatnet_fmnist_96")):
        assert block_label(block) == block_label(block.name) == block.label.split(" ", 1)[0]


def test_a_block_no_map_of_that_kind_can_use_is_refused_with_the_choices():
    blocks = list_blocks(create_model("coatnet_fmnist_96"))
    with pytest.raises(ValueError, match=r"no block 'S1' for a rollout map; choices: S3\.0 \(stages\.2\.blocks\.0\)"):
        resolve_block(create_model("coatnet_fmnist_96"), "rollout", "S1")
    with pytest.raises(ValueError, match="unknown map 'saliency'"):
        map_kind_spec("saliency")
    assert find_block(blocks, "") is None and find_block(blocks, "S7") is None
