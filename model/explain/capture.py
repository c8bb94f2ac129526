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


class capture:  # noqa: N801 - used as a context manager, like torch.no_grad
    """Context manager that records, for the blocks asked for, what ``net`` computes inside it.

    ``attention``: Transformer block names or "all"; ``activations``: any block names or "all";
    ``gradients``: keep the autograd graph so :meth:`Captured.class_gradients` works (enables grad
    mode inside the context). Entering returns the :class:`Captured` that fills on each forward.

    Only forward passes on the thread that entered the context are recorded: another thread running the same
    network meanwhile (a folder being labelled while the window explains an image) leaves no trace in it.
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
        self._handles: list[torch.utils.hooks.RemovableHandle] = []
        self._grad_was_enabled = torch.is_grad_enabled()
        self._thread: int | None = None  # the thread that entered the context; only its forward passes count

    def __enter__(self) -> Captured:
        self._thread = threading.get_ident()
        modules = dict(self.net.named_modules())
        for name in self.attention_names:
            modules[name].attn.recorder = self._attention_recorder(name)
        for name in self.activation_names:
            self._handles.append(modules[name].register_forward_hook(self._activation_hook(name)))
        if self.gradients:
            self._handles.append(self.net.register_forward_hook(self._logits_hook))
            self._grad_was_enabled = torch.is_grad_enabled()
            torch.set_grad_enabled(True)
        return self.result

    def __exit__(self, *exc: object) -> None:
        modules = dict(self.net.named_modules())
        for name in self.attention_names:
            modules[name].attn.recorder = None
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        if self.gradients:
            torch.set_grad_enabled(self._grad_was_enabled)

    def _attention_recorder(self, name: str):
        def record(rec: AttentionRecord) -> None:
            if threading.get_ident() == self._thread:
                self.result.attention[name] = rec if self.gradients else rec.detach()

        return record

    def _activation_hook(self, name: str):
        def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            if threading.get_ident() == self._thread:
                self.result.activations[name] = output if self.gradients else output.detach()

        return hook

    def _logits_hook(self, _module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
        if threading.get_ident() == self._thread:
            self.result.logits = output
