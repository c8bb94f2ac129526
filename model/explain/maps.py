"""Which map to show and computing it from one :class:`~model.runtime.inference.Explanation` (no new forward pass).

An :class:`OverlaySpec` names a map (kind, block, mode, head, query point, channel, class); :func:`resolve` makes
it valid for a model, choosing blocks with :mod:`model.explain.blocks`; :func:`compute_overlay` turns it into one
or more :class:`Panel` maps with the functions of :mod:`model.explain.introspect`. Several panels are small
multiples (all heads, strongest channels, the split). The kinds of map ``label --maps`` saves
(:data:`~model.choices.MAP_KINDS`) are specs too (:func:`map_kind_spec`), so the window, the command line and the
Batch tab resolve a block the same way (:func:`resolve_map_block`)::

    spec = resolve(OverlaySpec(kind="gradcam", block="S2"), explanation.blocks, num_classes)
    result = compute_overlay(explanation, spec, (224, 224), label_names)   # result.panels[0].grid: (h, w)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from model.choices import EXPLAIN_KINDS
from model.explain import introspect
from model.explain.blocks import choose_block, default_block
from model.explain.capture import BlockInfo
from model.net.blocks import AttentionRecord
from model.runtime.inference import Explanation

KINDS: dict[str, str] = {"attention": "Relative attention", "activation": "Conv activations", "gradcam": "Grad-CAM"}
ATTENTION_MODES: dict[str, str] = {
    "query": "From the query point",
    "received": "Attention received",
    "rollout": "Rollout, all tokens",
    "rollout_query": "Rollout from the query",
    "split": "Split: content | position | full",
    "content": "Content only, softmax(q·k/√d)",
    "position": "Position only, softmax(w[i−j])",
    "bias": "Learned bias w[i−j] at the query",
}
ACTIVATION_MODES: dict[str, str] = {
    "mean": "Mean |activation|",
    "channel": "One channel",
    "strongest": "Strongest channels",
}
QUERY_MODES = frozenset({"query", "rollout_query", "split", "content", "position", "bias"})
SIGNED_ATTENTION_MODES = frozenset({"bias"})  # raw logits: both signs mean something, 0 is the neutral value
SIGNED_ACTIVATION_MODES = frozenset({"channel", "strongest"})  # one channel's raw output, not its magnitude
HEAD_MEAN, HEAD_ALL = "mean", "all"
STRONGEST_COUNT = 16
TILE_SIDE = 384  # longest side of one small multiple, in pixels


@dataclass(frozen=True)
class OverlaySpec:
    """Which overlay to show. ``block`` "" picks the kind's default block; ``head`` is a head number,
    "mean" or "all"; ``query`` is ``(fy, fx)`` in the model's view; ``class_index`` None means the top class;
    ``versus`` names a second class B for contrastive Grad-CAM (logit_A − logit_B), None for plain Grad-CAM."""

    kind: str = "attention"
    block: str = ""
    attention_mode: str = "query"
    head: int | str = HEAD_MEAN
    query: tuple[float, float] = (0.5, 0.5)
    activation_mode: str = "mean"
    channel: int = 0
    class_index: int | None = None
    versus: int | None = None

    @property
    def uses_query(self) -> bool:
        """Return True when the map depends on the query point."""
        return self.kind == "attention" and self.attention_mode in QUERY_MODES

    @property
    def uses_head(self) -> bool:
        """Return True when the map depends on the head choice."""
        return self.kind == "attention" and not self.attention_mode.startswith("rollout")

    @property
    def signed(self) -> bool:
        """Return True when the map's values are signed by nature (a learned bias, one channel's raw output):
        they are drawn with a diverging colour map over a range symmetric around 0."""
        if self.kind == "attention":
            return self.attention_mode in SIGNED_ATTENTION_MODES
        return self.kind == "activation" and self.activation_mode in SIGNED_ACTIVATION_MODES


@dataclass
class Panel:
    """One map: ``grid`` on the block's token/feature grid (raw values), ``image`` resized over the model's
    view, and the colour range ``lo``..``hi``. ``signed`` maps (signed by nature, or holding values of both
    signs) have a range symmetric around 0 and are drawn with a diverging colour map."""

    title: str
    grid: np.ndarray
    image: np.ndarray
    lo: float
    hi: float
    signed: bool = False


@dataclass
class OverlayResult:
    """The maps of one resolved :class:`OverlaySpec` at one ``block``, with a ``caption`` and the ``unit`` of
    the values; ``head_shares`` is the per-head positional share of an attention block (else empty)."""

    spec: OverlaySpec
    block: BlockInfo
    panels: list[Panel]
    columns: int
    caption: str
    unit: str
    head_shares: list[float] = field(default_factory=list)

    def value_at(self, index: int, fy: float, fx: float) -> tuple[float, int, int]:
        """Return ``(value, row, column)`` of panel ``index``'s grid map at fractions ``(fy, fx)`` of the view."""
        grid = self.panels[index].grid
        row, column = introspect.grid_cell((grid.shape[0], grid.shape[1]), fy, fx)
        return float(grid[row, column]), row, column

    @property
    def signed(self) -> bool:
        """Return True when any panel is signed (drawn with a diverging colour map around 0)."""
        return any(p.signed for p in self.panels)

    def raw(self) -> np.ndarray:
        """Return the raw grid map ``(h, w)``, or the stacked maps ``(n, h, w)`` of small multiples."""
        return self.panels[0].grid if len(self.panels) == 1 else np.stack([p.grid for p in self.panels])


def resolve(spec: OverlaySpec, blocks: list[BlockInfo], num_classes: int) -> OverlaySpec:
    """Return ``spec`` made valid for a model with ``blocks`` and ``num_classes``: a block of the right kind (named
    by its module path, e.g. ``stages.2.blocks.1``; a short label or a stage, ``S3.1`` or ``S3``, is read too and
    :func:`~model.explain.blocks.choose_block` picks the default for "" or a block the kind cannot use), a head,
    channel and class that exist (out-of-range choices fall back to the defaults)."""
    kind = spec.kind if spec.kind in KINDS else "attention"
    attention_mode = spec.attention_mode if spec.attention_mode in ATTENTION_MODES else "query"
    mode = attention_mode if kind == "attention" else ""
    try:
        block = choose_block(kind, blocks, spec.block, mode)
    except ValueError:  # a block of another kind (the kind just changed) or of another model: the kind's default
        block = default_block(kind, blocks, mode)
    head = spec.head
    if not (head in (HEAD_MEAN, HEAD_ALL) or (isinstance(head, int) and 0 <= head < (block.heads or 0))):
        head = HEAD_MEAN
    channel = min(max(0, spec.channel), block.channels - 1)
    class_index = spec.class_index if spec.class_index is not None and 0 <= spec.class_index < num_classes else None
    versus = spec.versus if spec.versus is not None and 0 <= spec.versus < num_classes else None
    return replace(
        spec,
        kind=kind,
        block=block.name,
        head=head,
        channel=channel,
        class_index=class_index,
        versus=None if versus == class_index else versus,
        attention_mode=attention_mode,
        activation_mode=spec.activation_mode if spec.activation_mode in ACTIVATION_MODES else "mean",
        query=(min(1.0, max(0.0, float(spec.query[0]))), min(1.0, max(0.0, float(spec.query[1])))),
    )


_MAP_KIND_SPECS: dict[str, OverlaySpec] = {
    "gradcam": OverlaySpec(kind="gradcam"),
    "rollout": OverlaySpec(kind="attention", attention_mode="rollout"),
    "received": OverlaySpec(kind="attention", attention_mode="received", head=HEAD_MEAN),
    "activation": OverlaySpec(kind="activation", activation_mode="mean"),
    "query": OverlaySpec(kind="attention", attention_mode="query", head=HEAD_MEAN),
    "content": OverlaySpec(kind="attention", attention_mode="content", head=HEAD_MEAN),
    "position": OverlaySpec(kind="attention", attention_mode="position", head=HEAD_MEAN),
}


def map_kind_spec(kind: str, block: str = "") -> OverlaySpec:
    """Return the spec of a map kind of ``label --maps`` or ``explain`` (a key of
    :data:`~model.choices.EXPLAIN_KINDS`: "gradcam", "rollout", "received", "activation", and the query point's
    "query", "content", "position") at ``block`` (a name, short label or stage; "" for the default). Raises
    ValueError for an unknown kind."""
    if kind not in _MAP_KIND_SPECS:
        raise ValueError(f"unknown map {kind!r}; choices: {', '.join(EXPLAIN_KINDS)}")
    return replace(_MAP_KIND_SPECS[kind], block=block)


def resolve_map_block(blocks: list[BlockInfo], kind: str, text: str = "") -> BlockInfo:
    """Return the block of ``blocks`` for a map of ``kind`` (a key of :data:`~model.choices.MAP_KINDS`) that
    ``text`` names: a block name, a short label (``S2.1``), a stage (``S2``: its last block) or "" for the kind's
    default (the last MBConv block for Grad-CAM and activations, the last Transformer block for rollout, the first
    for attention received) — the block :func:`resolve` gives the window's spec of that kind. Raises ValueError
    naming the choices when ``text`` names no block that kind of map can use."""
    spec = map_kind_spec(kind, text)
    return choose_block(spec.kind, blocks, text, spec.attention_mode if spec.kind == "attention" else "")


def compute_overlay(
    explanation: Explanation, spec: OverlaySpec, size: tuple[int, int], label_names: list[str]
) -> OverlayResult:
    """Return the maps of ``spec`` for ``explanation``, each resized to ``size`` (H, W) — the model's view in
    image pixels — or, for small multiples, to a tile of at most :data:`TILE_SIDE` pixels.

    Grad-CAM for a class (or a pair of classes, "A vs B") not asked before costs one backward pass through the
    kept graph; everything else reads what the forward pass captured. A ``versus`` class that is the Grad-CAM
    class itself (the top class, when that is B) is left out: A vs A has nothing to show.
    """
    spec = resolve(spec, explanation.blocks, explanation.probs.numel())
    block = next(b for b in explanation.blocks if b.name == spec.block)
    shares: list[float] = []
    if spec.kind == "attention":
        record = explanation.captured.attention[block.name]
        with torch.no_grad():
            maps, columns, caption, unit = _attention(explanation, spec, block)
            shares = [float(s) for s in introspect.positional_share(_detached(record))]
    elif spec.kind == "activation":
        with torch.no_grad():
            maps, columns, caption, unit = _activation(explanation, spec, block)
    else:
        index = gradcam_class(spec, explanation)
        versus = spec.versus if spec.versus != index else None
        cam = explanation.grad_cam(index, block.name, versus)
        label = _class_name(label_names, index)
        if versus is None:
            maps, columns = [(f"Grad-CAM: {label}", cam)], 1
            caption, unit = f"{block.label} · Grad-CAM for “{label}”", "Grad-CAM"
        else:
            other = _class_name(label_names, versus)
            maps, columns = [(f"Grad-CAM: {label} vs {other}", cam)], 1
            caption = f"{block.label} · Grad-CAM for “{label}” vs “{other}”: what favours {label} over {other}"
            unit = f"Grad-CAM {label} vs {other}"
    if len(maps) > 1:
        size = _tile_size(size)
    panels = [_panel(title, grid_map, size, spec.signed) for title, grid_map in maps]
    return OverlayResult(spec, block, panels, columns, caption, unit, shares)


def gradcam_class(spec: OverlaySpec, explanation: Explanation) -> int:
    """Return the class a Grad-CAM ``spec`` shows for ``explanation``: its class, else the top class."""
    return spec.class_index if spec.class_index is not None else int(explanation.probs.argmax())


def _class_name(label_names: list[str], index: int) -> str:
    return label_names[index] if index < len(label_names) else f"class {index}"


def _detached(record: AttentionRecord) -> AttentionRecord:
    """Return ``record`` cut from the graph and on the CPU (the rollout builds its matrices there)."""
    return replace(record.detach(), probs=record.probs.detach().cpu())


def _head_choices(spec: OverlaySpec, heads: int) -> list[tuple[str, int | None]]:
    """Return ``(title, head)`` pairs for the spec's head choice (None = mean over heads); the titles are short
    ("h3", "mean") because they label small multiples."""
    if spec.head == HEAD_ALL:
        return [(f"h{h}", h) for h in range(heads)]
    if spec.head == HEAD_MEAN:
        return [("mean", None)]
    return [(f"h{spec.head}", int(spec.head))]


def _attention(
    explanation: Explanation, spec: OverlaySpec, block: BlockInfo
) -> tuple[list[tuple[str, torch.Tensor]], int, str, str]:
    """Return the attention maps, the column count, a caption and the unit for an attention ``spec``."""
    record = _detached(explanation.captured.attention[block.name])
    mode, q = spec.attention_mode, spec.query
    token = introspect.token_index(record, q)
    where = f"query token ({token // record.grid[1]}, {token % record.grid[1]})"
    if mode.startswith("rollout"):
        names = [b.name for b in explanation.blocks if b.kind == "transformer"]
        records = [_detached(explanation.captured.attention[n]) for n in names[: names.index(block.name) + 1]]
        query = q if mode == "rollout_query" else None
        caption = f"rollout through {len(records)} Transformer block(s) to {block.label}"
        title = "rollout from " + where if query else "rollout, all tokens"
        return [(title, introspect.attention_rollout(records, query))], 1, caption, "rollout weight"
    heads = _head_choices(spec, record.probs.shape[1])
    single = {
        "query": lambda h: introspect.attention_from_query(record, q, h),
        "received": lambda h: introspect.attention_received(record, h),
        "content": lambda h: introspect.content_only(record, q, h),
        "position": lambda h: introspect.position_only(record, q, h),
        "bias": lambda h: introspect.bias_around_query(record, q, h),
    }
    head_text = {HEAD_ALL: "all heads", HEAD_MEAN: "mean of heads"}.get(str(spec.head), f"head {spec.head}")
    caption = f"{block.label} · {head_text} · {ATTENTION_MODES[mode]}"
    if mode in QUERY_MODES:
        caption += f" · {where}"
    if mode == "split":
        parts = (("content", single["content"]), ("position", single["position"]), ("full", single["query"]))
        maps = [(f"{title} {name}", fn(h)) for title, h in heads for name, fn in parts]
        return maps, 3, caption, "attention weight"
    unit = "bias (logit)" if mode == "bias" else "attention weight"
    if spec.head != HEAD_ALL:  # one map, named in the hover line only: room for the long name
        heads = [(head_text, h) for _title, h in heads]
    maps = [(title, single[mode](h)) for title, h in heads]
    return maps, _columns(len(maps)), caption, unit


def _activation(
    explanation: Explanation, spec: OverlaySpec, block: BlockInfo
) -> tuple[list[tuple[str, torch.Tensor]], int, str, str]:
    """Return the activation maps, the column count, a caption and the unit for an activation ``spec``."""
    act = explanation.captured.activations[block.name].detach()
    if spec.activation_mode == "channel":
        maps = [(f"channel {spec.channel}", introspect.activation_map(act, spec.channel))]
        return maps, 1, f"{block.label} · channel {spec.channel}", "activation"
    if spec.activation_mode == "strongest":
        channels = introspect.strongest_channels(act, STRONGEST_COUNT)
        maps = [(f"ch {c}", introspect.activation_map(act, c)) for c in channels]
        caption = f"{block.label} · the {len(maps)} channels with the largest mean |activation|"
        return maps, _columns(len(maps)), caption, "activation"
    return [("mean |activation|", introspect.activation_map(act))], 1, f"{block.label} · mean |activation|", "|act|"


def _columns(count: int) -> int:
    """Return a near-square column count for ``count`` small multiples."""
    return max(1, math.ceil(math.sqrt(count)))


def _tile_size(size: tuple[int, int]) -> tuple[int, int]:
    """Return ``size`` scaled down so its longest side is at most :data:`TILE_SIDE`."""
    scale = min(1.0, TILE_SIDE / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _panel(title: str, grid_map: torch.Tensor, size: tuple[int, int], signed: bool = False) -> Panel:
    """Return the :class:`Panel` of ``grid_map``: raw values, the resized map and its colour range (symmetric
    around 0 when the map is ``signed`` by nature or holds values of both signs)."""
    grid_map = grid_map.detach().float().cpu()
    image = introspect.upsample_map(grid_map, size).numpy()
    lo, hi = float(grid_map.min()), float(grid_map.max())
    signed = signed or lo < 0 < hi
    if signed:
        reach = max(abs(lo), abs(hi))
        lo, hi = -reach, reach
    return Panel(title, grid_map.numpy(), image, lo, hi, signed)
