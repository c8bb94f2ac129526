"""Capture what a CoAtNet computes in one forward pass: attention, activations and class gradients.

    with capture(net, attention="all", activations=["stem", "stages.0.blocks.1"], gradients=True) as cap:
        logits = net(x)
    cap.attention["stages.2.blocks.0"].probs      # (B, heads, N, N)
    cap.activations["stem"]                       # (B, C, H, W)
    cap.class_gradients(class_index)["stem"]      # d logit[class] / d activation, (B, C, H, W)

Blocks are named by their module path (``stem``, ``stages.<s>.blocks.<b>``); :func:`list_blocks` lists them.
Asking for nothing installs nothing: the network runs exactly as without the context.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Literal

import torch
from torch import nn

from model.net.blocks import AttentionRecord, MBConvBlock, TransformerBlock
from model.net.coatnet import CoAtNet, stage_grids

BlockKind = Literal["stem", "mbconv", "transformer"]


@dataclass(frozen=True)
class BlockInfo:
    """One capturable block: ``name`` (module path), ``kind``, ``stage`` (0 = stem, 1-4 = S1-S4),
    ``index`` within the stage, output ``channels``, output ``grid`` (H, W) and ``heads`` (attention only)."""

    name: str
    kind: BlockKind
    stage: int
    index: int
    channels: int
    grid: tuple[int, int]
    heads: int | None = None

    @property
    def label(self) -> str:
        """Human-readable description, e.g. ``S3.1 attention (12 heads, 14x14)``."""
        h, w = self.grid
        if self.kind == "stem":
            return f"S0 stem ({self.channels} ch, {h}x{w})"
        if self.kind == "mbconv":
            return f"S{self.stage}.{self.index} MBConv ({self.channels} ch, {h}x{w})"
        return f"S{self.stage}.{self.index} attention ({self.heads} heads, {h}x{w})"


def list_blocks(net: CoAtNet) -> list[BlockInfo]:
    """Return every capturable block of ``net`` in forward order, stem first."""
    size = net.cfg.img_size
    blocks = [BlockInfo("stem", "stem", 0, 0, net.cfg.stem_width[1], (size // 2, size // 2))]
    for s, (stage, grid) in enumerate(zip(net.stages, stage_grids(size, len(net.stages)), strict=True)):
        for b, block in enumerate(stage.blocks):
            name = f"stages.{s}.blocks.{b}"
            if isinstance(block, TransformerBlock):
                channels = block.mlp.fc2.out_channels
                blocks.append(BlockInfo(name, "transformer", s + 1, b, channels, grid, block.attn.num_heads))
            elif isinstance(block, MBConvBlock):
                blocks.append(BlockInfo(name, "mbconv", s + 1, b, block.conv3_1x1.out_channels, grid))
    return blocks


def _resolve(net: CoAtNet, wanted: str | Iterable[str], kinds: set[str]) -> list[str]:
    known = {b.name: b for b in list_blocks(net)}
    if wanted == "all":
        return [n for n, b in known.items() if b.kind in kinds]
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    for n in names:
        if n not in known or known[n].kind not in kinds:
            choices = ", ".join(k for k, b in known.items() if b.kind in kinds)
            raise KeyError(f"no block {n!r} of kind {sorted(kinds)}; choices: {choices}")
    return names


@dataclass
class Captured:
    """The results of one forward pass under :func:`capture`.

    ``attention[name]`` is an :class:`~model.net.blocks.AttentionRecord`; ``activations[name]`` the block's
    output ``(B, C, H, W)``; ``logits`` ``(B, classes)`` of the last forward pass.
    """

    attention: dict[str, AttentionRecord] = field(default_factory=dict)
    activations: dict[str, torch.Tensor] = field(default_factory=dict)
    logits: torch.Tensor | None = None
    keeps_graph: bool = False

    def class_gradients(self, class_index: int, versus: int | None = None) -> dict[str, torch.Tensor]:
        """Return d(sum over the batch of logit[class_index]) / d(activation) for every captured
        activation, each ``(B, C, H, W)``; with ``versus``, of logit[class_index] − logit[versus] (what favours
        one class over the other). Needs ``capture(..., gradients=True)``; may be called repeatedly (for
        different classes) without another forward pass."""
        if not self.keeps_graph or self.logits is None:
            raise RuntimeError("gradients need capture(..., gradients=True) around a forward pass")
        names = list(self.activations)
        target = self.logits[:, class_index]
        if versus is not None:
            target = target - self.logits[:, versus]
        grads = torch.autograd.grad(target.sum(), [self.activations[n] for n in names], retain_graph=True)
        return {n: g.detach() for n, g in zip(names, grads, strict=True)}


class _Taps:
    """The hooks on one network while captures on it are open: each tap (an attention recorder, an activation
    hook, the logits hook) is installed when the first open capture asks for it and removed when the last one
    closes, and hands what it sees to the captures opened on the thread that runs the forward pass."""

    def __init__(self, net: CoAtNet):
        self.modules = dict(net.named_modules())
        self.users: dict[tuple[str, str], int] = {}  # (kind, block name) -> open captures that asked for it
        self.handles: dict[tuple[str, str], torch.utils.hooks.RemovableHandle] = {}

    def acquire(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.users[key] = self.users.get(key, 0) + 1
            if self.users[key] == 1:
                self._install(key)

    def release(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.users[key] -= 1
            if not self.users[key]:
                del self.users[key]
                self._remove(key)

    def _install(self, key: tuple[str, str]) -> None:
        kind, name = key
        if kind == "attention":
            self.modules[name].attn.recorder = partial(_deliver, self, kind, name)
        else:
            hook = partial(_hook, self, kind, name)
            self.handles[key] = self.modules[name].register_forward_hook(hook)

    def _remove(self, key: tuple[str, str]) -> None:
        if key[0] == "attention":
            self.modules[key[1]].attn.recorder = None
        else:
            self.handles.pop(key).remove()


_TAPS: dict[int, _Taps] = {}  # id(net) -> its taps, while a capture on it is open (the capture keeps net alive)
_TAPS_LOCK = threading.Lock()
_OPEN = threading.local()  # .captures: the captures open on this thread, innermost last


def _open_here() -> list[capture]:
    """Return the captures open on the calling thread (a list the thread may change)."""
    if not hasattr(_OPEN, "captures"):
        _OPEN.captures = []
    return _OPEN.captures


def _hook(
    taps: _Taps, kind: str, name: str, _module: nn.Module, _inputs: tuple, output: torch.Tensor
) -> torch.Tensor | None:
    return _deliver(taps, kind, name, output)


def _deliver(taps: _Taps, kind: str, name: str, value: torch.Tensor | AttentionRecord) -> torch.Tensor | None:
    """Hand what block ``name`` computed to every capture open on this thread that asked for it. Returns the
    tensor the pass goes on with when a capture's graph starts at this block (see :class:`capture`), else None."""
    starts_graph = (
        kind == "activation"
        and not torch.is_grad_enabled()  # no graph yet: nobody else (an outer capture, the caller) is building one
        and any(cap._taps is taps and cap._graph_from == name for cap in _open_here())
    )
    if starts_graph:
        torch.set_grad_enabled(True)
        value = value.detach().requires_grad_(True)
    for cap in _open_here():
        if cap._taps is taps and (kind, name) in cap._keys:
            cap._record(kind, name, value)
    return value if starts_graph else None


class capture:  # noqa: N801 - used as a context manager, like torch.no_grad
    """Context manager that records, for the blocks asked for, what ``net`` computes inside it.

    ``attention``: Transformer block names or "all"; ``activations``: any block names or "all";
    ``gradients``: keep the autograd graph so :meth:`Captured.class_gradients` works. The graph starts at the
    first captured activation in forward order: the blocks before it run without one (their backward pass is
    never needed for those gradients; for Grad-CAM at a late block that is most of the cost), and grad mode is on
    from there to the end of the context (gradients to the input need autograd without a capture). Entering
    returns the :class:`Captured` that fills on each forward.

    Only forward passes on the thread that entered the context are recorded: another thread running the same
    network meanwhile (a folder being labelled while the window explains an image), or capturing on it itself,
    neither adds to nor takes from this capture. Captures nested on one thread each record what runs inside
    them. While an attention block is captured it computes its attention explicitly (not the fused kernel),
    also for other threads' passes: the same values up to rounding.
    """

    def __init__(
        self,
        net: CoAtNet,
        attention: str | Iterable[str] = (),
        activations: str | Iterable[str] = (),
        gradients: bool = False,
    ):
        self.net = net
        self.attention_names = _resolve(net, attention, {"transformer"})
        self.activation_names = _resolve(net, activations, {"stem", "mbconv", "transformer"})
        self.gradients = gradients
        self.result = Captured(keeps_graph=gradients)
        self._keys = [("attention", n) for n in self.attention_names]
        self._keys += [("activation", n) for n in self.activation_names]
        if gradients:
            self._keys.append(("logits", ""))
        self._taps: _Taps | None = None
        self._grad_was_enabled = torch.is_grad_enabled()
        order = [b.name for b in list_blocks(net)]
        firsts = sorted(self.activation_names, key=order.index)[:1]
        self._graph_from = firsts[0] if gradients and firsts else None  # where the graph starts (see above)

    def __enter__(self) -> Captured:
        if self._keys:
            with _TAPS_LOCK:
                taps = _TAPS.get(id(self.net))
                if taps is None:
                    taps = _TAPS[id(self.net)] = _Taps(self.net)
                taps.acquire(self._keys)
            self._taps = taps
            _open_here().append(self)
        if self.gradients:
            self._grad_was_enabled = torch.is_grad_enabled()
            torch.set_grad_enabled(self._graph_from is None)
        return self.result

    def __exit__(self, *exc: object) -> None:
        if self._taps is not None:
            _open_here().remove(self)
            with _TAPS_LOCK:
                self._taps.release(self._keys)
                if not self._taps.users:
                    del _TAPS[id(self.net)]
            self._taps = None
        if self.gradients:
            torch.set_grad_enabled(self._grad_was_enabled)

    def _record(self, kind: str, name: str, value: torch.Tensor | AttentionRecord) -> None:
        if kind == "attention":
            self.result.attention[name] = value if self.gradients else value.detach()
        elif kind == "activation":
            self.result.activations[name] = value if self.gradients else value.detach()
        else:
            self.result.logits = value
