"""Where and in what precision the network runs (:class:`Placement`), and whether this CPU runs bf16 fast. No torch
at import (its methods that need it import it): a run of a cached export names its placement without torch.
The choice itself is :mod:`model.runtime.device`'s."""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class Placement:
    """Where the model runs: ``device`` ("cuda", "mps", "cpu"), ``precision`` ("fp32", "bf16", "fp16"),
    whether tensors are ``channels_last``, and a ``note`` for the user (empty, or why a fallback happened)."""

    device: str
    precision: str
    channels_last: bool
    note: str = ""

    @property
    def dtype(self) -> torch.dtype:
        """The autocast dtype (``torch.float32`` when no autocast)."""
        import torch

        return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[self.precision]

    def autocast(self) -> contextlib.AbstractContextManager:
        """Return the autocast context for this placement (a no-op for fp32)."""
        if self.precision == "fp32":
            return contextlib.nullcontext()
        import torch

        return torch.autocast(self.device, dtype=self.dtype)

    def prepare(self, net: nn.Module) -> nn.Module:
        """Move ``net`` to the device (and memory format) in place; return it. Weights stay fp32."""
        import torch

        net.to(self.device)
        if self.channels_last:
            net.to(memory_format=torch.channels_last)
        return net

    def to_input(self, batch: torch.Tensor) -> torch.Tensor:
        """Return ``batch`` ``(B, 3, H, W)`` on the device in the layout the model expects."""
        import torch

        batch = batch.to(self.device, non_blocking=True)
        return batch.contiguous(memory_format=torch.channels_last) if self.channels_last else batch


def cpu_has_fast_bf16() -> bool:
    """Return True when the CPU has AMX-BF16 or AVX-512-BF16 (where oneDNN runs bf16 faster than fp32)."""
    if sys.platform.startswith("linux"):
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
        return "amx_bf16" in flags or "avx512_bf16" in flags
    return False
