"""Reading every feature candidate of a base network from one forward pass, with forward hooks."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from model.features.choice import candidates
from model.net.coatnet import CoAtNet


class FeatureTaps:
    """Forward hooks on ``net`` that keep each candidate's features of the last forward pass in :attr:`out`:
    ``out[choice.key]`` is ``(B, width)`` float32 (an inner stage's output average-pooled to ``pool`` x ``pool``
    and flattened channel-major, as :class:`~model.net.coatnet.LinearHead` with ``pool=2`` reads it; the final
    pooled features as the classifier receives them). Use as a context manager; the hooks go on exit::

        with FeatureTaps(net) as taps, torch.inference_mode():
            net(batch)                 # (B, 3, H, W)
        taps.out["final"]              # (B, width)

    The hooks are on the network itself: a forward pass of ``net`` on another thread inside the block would
    overwrite :attr:`out`, so the caller owns the network for the block's duration.
    """

    def __init__(self, net: CoAtNet):
        self.out: dict[str, torch.Tensor] = {}
        self._handles: list[torch.utils.hooks.RemovableHandle] = []
        for choice in candidates(net):
            if choice.pool == 1:
                self._handles.append(net.head.fc.register_forward_pre_hook(self._final(choice.key)))
            else:
                stage = net.stages[choice.stage - 1]
                self._handles.append(stage.register_forward_hook(self._inner(choice.key, choice.pool)))

    def _final(self, key: str) -> Callable[[torch.nn.Module, tuple], None]:
        def hook(_module: torch.nn.Module, inputs: tuple) -> None:
            self.out[key] = inputs[0].float().flatten(1)

        return hook

    def _inner(self, key: str, pool: int) -> Callable[[torch.nn.Module, tuple, torch.Tensor], None]:
        def hook(_module: torch.nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            self.out[key] = F.adaptive_avg_pool2d(output.float(), pool).flatten(1)

        return hook

    def close(self) -> None:
        """Remove the hooks (the network computes as before)."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> FeatureTaps:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
