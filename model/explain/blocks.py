"""Which block a map is taken at: the blocks each kind of map can use, the default one, and finding a block by name.

One vocabulary for the window's overlays (:mod:`model.explain.maps`), ``label --maps`` and the Batch tab's maps
(:mod:`model.explain.folder_maps`)::

    blocks = list_blocks(net)
    block_label("stages.2.blocks.1")                               # "S3.1"
    choose_block("attention", blocks, "S3", mode="rollout").name   # "stages.2.blocks.<last>"

A block is named by its module path (``stem``, ``stages.<s>.blocks.<b>``: :func:`~model.explain.capture.list_blocks`)
or, for people, by its short label: ``S0`` for the stem, ``S<stage>.<index>`` else (stages counted from 1).
"""

from __future__ import annotations

import re

from model.explain.capture import BlockInfo

_BLOCK_NAME = re.compile(r"stages\.(\d+)\.blocks\.(\d+)")
_STAGE = re.compile(r"[sS]?(\d+)")


def block_label(block: BlockInfo | str) -> str:
    """Return the short label of ``block`` (a :class:`BlockInfo` or a block name): ``"S0"`` for the stem,
    ``"S3.1"`` for ``stages.2.blocks.1``; a name that is neither is returned as it is."""
    if isinstance(block, BlockInfo):
        return "S0" if block.kind == "stem" else f"S{block.stage}.{block.index}"
    if block == "stem":
        return "S0"
    found = _BLOCK_NAME.fullmatch(block)
    return f"S{int(found.group(1)) + 1}.{found.group(2)}" if found else block


def blocks_for(kind: str, blocks: list[BlockInfo]) -> list[BlockInfo]:
    """Return (a new list of) the ``blocks`` a map of ``kind`` can be drawn for: Transformer blocks for
    "attention", the stem and MBConv blocks for "activation", every block for "gradcam"."""
    if kind == "attention":
        return [b for b in blocks if b.kind == "transformer"]
    if kind == "activation":
        return [b for b in blocks if b.kind in ("stem", "mbconv")]
    return list(blocks)


def default_block(kind: str, blocks: list[BlockInfo], mode: str = "") -> BlockInfo:
    """Return the block a map of ``kind`` (attention ``mode``) shows when none is chosen: for attention the first
    Transformer block (its grid is the finest), or the last one for a rollout (through every Transformer block);
    the last MBConv block (or the stem) for activations and Grad-CAM. Raises ValueError when ``blocks`` has none
    of that kind."""
    if kind == "attention":
        choices = blocks_for(kind, blocks)
        if not choices:
            raise ValueError(f"this model has no block for a {mode or kind} map")
        return choices[-1] if mode.startswith("rollout") else choices[0]
    convolutions = blocks_for("activation", blocks)
    if not convolutions:
        raise ValueError(f"this model has no block for a {kind} map")
    return convolutions[-1]


def find_block(blocks: list[BlockInfo], text: str) -> BlockInfo | None:
    """Return the block of ``blocks`` that ``text`` names, or None: a block name (``stages.1.blocks.1``), a short
    label (``S2.1``, any case), or a stage (``S2`` or ``2``: its last block among ``blocks``)."""
    text = text.strip()
    if not text:
        return None
    stage = _STAGE.fullmatch(text)
    found = [
        b
        for b in blocks
        if text == b.name or text.upper() == block_label(b) or (stage is not None and b.stage == int(stage.group(1)))
    ]
    return found[-1] if found else None


def choose_block(kind: str, blocks: list[BlockInfo], text: str = "", mode: str = "") -> BlockInfo:
    """Return the block for a map of ``kind`` (attention ``mode``) that ``text`` names (:func:`find_block`), or
    :func:`default_block` when ``text`` is empty. Raises ValueError naming the choices when ``text`` names no block
    a map of ``kind`` can use, or the model has none."""
    choices = blocks_for(kind, blocks)
    if not text.strip():
        return default_block(kind, blocks, mode)
    found = find_block(choices, text)
    if found is None:
        names = ", ".join(f"{block_label(b)} ({b.name})" for b in choices) or "none"
        what = mode if kind == "attention" and mode else kind
        raise ValueError(f"no block {text!r} for a {what} map; choices: {names}")
    return found
