"""Small building blocks shared by the stem, MBConv and Transformer blocks.

Each module holds its parameters under the same names as timm's layers, so checkpoints map 1:1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
}


def make_act(name: str, inplace: bool = False) -> nn.Module:
    """Return a new activation module for ``name`` (gelu, silu, relu or tanh); ``inplace`` where the kind has it."""
    cls = _ACTIVATIONS[name]
    return cls(inplace=True) if inplace and cls in (nn.SiLU, nn.ReLU) else cls()


def inference_cacheable(module: nn.Module) -> bool:
    """Return whether ``module`` may use tensors kept from earlier forward passes: in eval mode with no autograd
    graph being recorded (``no_grad`` or ``inference_mode``). Training and explaining (gradients) build afresh, and
    so does a graph being traced by ``torch.compile`` (its compiler folds the same constants once, at compile time:
    the plain path traces without graph breaks)."""
    return not module.training and not torch.is_grad_enabled() and not torch.compiler.is_compiling()


class InferenceCache:
    """A value derived from some module tensors (a folded or cast weight, an attention bias), kept across
    inference forward passes.

    It is rebuilt when any source tensor is replaced, moved or changed in place (its identity, storage, version,
    dtype or device differ: ``load_state_dict``, ``.to()``, ``.half()``, optimiser steps) or the autocast dtype on
    its device differs. Entries are swapped whole, so threads sharing a network read a consistent value.
    """

    def __init__(self) -> None:
        self._entry: tuple[tuple, tuple[torch.Tensor, ...], Any] | None = None

    def clear(self) -> None:
        """Forget the kept value."""
        self._entry = None

    def get(self, sources: Sequence[torch.Tensor], build: Callable[[], Any], extra: tuple = ()) -> Any:
        """Return ``build()``'s value for the current ``sources`` (and ``extra``, more of the key), built once and
        reused while they are unchanged.

        Inference tensors (made inside ``inference_mode``) keep no version counter, so with one among the sources
        the value is built afresh every time.
        """
        if any(t.is_inference() for t in sources):
            return build()
        device = sources[0].device.type
        amp = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else None
        key = (amp, extra, *((id(t), t._version, t.data_ptr(), t.dtype, t.device) for t in sources))
        entry = self._entry
        if entry is not None and entry[0] == key:
            return entry[2]
        value = build()
        self._entry = (key, tuple(sources), value)  # the sources are held so that their ids stay unique
        return value


class CachingModule(nn.Module):
    """A module holding :class:`InferenceCache` attributes, cleared when it changes mode or device/dtype."""

    def train(self, mode: bool = True) -> CachingModule:
        for value in vars(self).values():
            if isinstance(value, InferenceCache):
                value.clear()
        return super().train(mode)

    def _apply(self, fn, recurse: bool = True):  # noqa: ANN001, ANN202 - nn.Module's private signature
        for value in vars(self).values():
            if isinstance(value, InferenceCache):
                value.clear()
        return super()._apply(fn, recurse)


def _cast_for_autocast(t: torch.Tensor | None) -> torch.Tensor | None:
    """Return ``t`` in the autocast dtype of its device when autocast is on there (else ``t`` itself)."""
    if t is None or not torch.is_autocast_enabled(t.device.type):
        return t
    return t.to(torch.get_autocast_dtype(t.device.type))


class Conv2d(nn.Conv2d, CachingModule):
    """``nn.Conv2d`` that, at inference under autocast, keeps its weight and bias already cast to the autocast
    dtype instead of casting them on every forward pass (autocast forgets its casts when its context ends)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._cast = InferenceCache()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not inference_cacheable(self) or not torch.is_autocast_enabled(x.device.type):
            return super().forward(x)
        sources = [self.weight] if self.bias is None else [self.weight, self.bias]
        weight, bias = self._cast.get(sources, lambda: (_cast_for_autocast(self.weight), _cast_for_autocast(self.bias)))
        return self._conv_forward(x, weight, bias)


def fold_batch_norm(bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Return the eval-mode batch norm as ``y = x * scale + shift``: ``(scale, shift)``, each ``(C,)``."""
    scale = bn.weight * (bn.running_var + bn.eps).rsqrt()
    return scale, bn.bias - bn.running_mean * scale


def batch_norm_sources(bn: nn.BatchNorm2d) -> list[torch.Tensor]:
    """Return the tensors an eval-mode batch norm computes with (for :class:`InferenceCache` keys)."""
    return [bn.weight, bn.bias, bn.running_mean, bn.running_var]


class BatchNormAct2d(nn.BatchNorm2d):
    """Batch norm followed by an activation, with the batch norm's parameters at the top level.

    The activation works in place on the batch norm's fresh output: on the CPU a new output of that size costs
    as much as the activation itself (a 3x slower SiLU in the bundled model's widest layers).
    """

    def __init__(self, num_features: int, act: str | None, eps: float = 1e-5):
        super().__init__(num_features, eps=eps)
        self.act = make_act(act, inplace=True) if act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(super().forward(x))


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of an NCHW tensor."""

    def __init__(self, num_channels: int, eps: float = 1e-6):
        super().__init__(num_channels, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


def make_norm2d(kind: str, channels: int, eps: float) -> nn.Module:
    """Return a channel norm for NCHW tensors: ``layernorm2d`` or ``batchnorm2d``."""
    if kind == "layernorm2d":
        return LayerNorm2d(channels, eps=eps)
    if kind == "batchnorm2d":
        return nn.BatchNorm2d(channels, eps=eps)
    raise ValueError(f"unknown norm {kind!r}")


class Downsample2d(nn.Module):
    """Halve the spatial size by pooling, then project channels with a 1x1 conv if they change."""

    def __init__(self, dim: int, dim_out: int, pool_type: str = "avg2", bias: bool = True):
        super().__init__()
        if pool_type == "max":
            self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        elif pool_type == "max2":
            self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        elif pool_type == "avg":
            self.pool = nn.AvgPool2d(kernel_size=3, stride=2, padding=1, count_include_pad=False)
        elif pool_type == "avg2":
            self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        else:
            raise ValueError(f"unknown pool type {pool_type!r}")
        self.expand = Conv2d(dim, dim_out, 1, bias=bias) if dim != dim_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand(self.pool(x))


class SqueezeExcite(nn.Module):
    """Squeeze-excitation: rescale channels by a gate computed from their global average."""

    def __init__(self, channels: int, rd_channels: int, act: str):
        super().__init__()
        self.fc1 = Conv2d(channels, rd_channels, 1)
        self.act = make_act(act)
        self.fc2 = Conv2d(rd_channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.fc2(self.act(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * gate.sigmoid()


class ConvMlp(nn.Module):
    """The Transformer block's feed-forward network as two 1x1 convs on NCHW tensors."""

    def __init__(self, dim: int, hidden: int, act: str):
        super().__init__()
        self.fc1 = Conv2d(dim, hidden, 1)
        self.act = make_act(act)
        self.fc2 = Conv2d(hidden, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class LayerScale2d(nn.Module):
    """Per-channel learned scale of a residual branch (CaiT-style layer-scale)."""

    def __init__(self, dim: int, init_values: float):
        super().__init__()
        self.gamma = nn.Parameter(torch.full((dim,), float(init_values)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma.view(1, -1, 1, 1)


class DropPath(nn.Module):
    """Stochastic depth: during training, zero a residual branch for a random subset of samples."""

    def __init__(self, prob: float):
        super().__init__()
        self.prob = prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.prob == 0.0:
            return x
        keep = 1.0 - self.prob
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


def drop_path_or_identity(prob: float) -> nn.Module:
    """Return :class:`DropPath` for a positive ``prob``, else ``nn.Identity``."""
    return DropPath(prob) if prob > 0 else nn.Identity()
