"""Choosing where and in what precision the network runs: CUDA, then Apple MPS, then the CPU.

On CUDA: fp16 autocast (bf16 where the GPU supports it) and channels_last. On a CPU with AMX or
AVX-512-BF16: bf16 autocast and channels_last (faster there; see benchmarks/bench_precision.py).
Elsewhere: fp32. A device that was asked for but is not usable falls back with a note, never an error.
"""

from __future__ import annotations

import torch

from model.choices import DEVICE_CHOICES
from model.runtime.placement import Placement, cpu_has_fast_bf16

PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")


def mps_available() -> bool:
    """Return True when Apple's Metal backend is usable."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def choose_placement(device: str = "auto", precision: str = "auto") -> Placement:
    """Return the :class:`Placement` for a requested ``device`` and ``precision`` (both may be "auto").

    A device that is not available (no CUDA driver, no MPS) falls back to the next choice with a note.
    """
    if device not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {', '.join(DEVICE_CHOICES)}, not {device!r}")
    if precision not in PRECISION_CHOICES:
        raise ValueError(f"precision must be one of {', '.join(PRECISION_CHOICES)}, not {precision!r}")
    note = ""
    if device == "cuda" and not torch.cuda.is_available():
        note, device = "CUDA was asked for but no usable CUDA device/driver was found; using the CPU", "auto"
    if device == "mps" and not mps_available():
        note, device = "Apple MPS was asked for but is not available; using the CPU", "auto"
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "mps" if mps_available() else "cpu"
    if precision == "auto":
        if device == "cuda":
            precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        elif device == "cpu" and cpu_has_fast_bf16():
            precision = "bf16"
        else:
            precision = "fp32"
    if precision == "fp16" and device == "cpu":
        note, precision = (note + "; " if note else "") + "fp16 is slow on CPUs; using fp32", "fp32"
    return Placement(device, precision, channels_last=device in ("cuda", "cpu"), note=note)


def cpu_fallback(placement: Placement, reason: str) -> Placement:
    """Return the CPU placement used after ``placement`` failed (e.g. GPU out of memory), noting ``reason``. An fp32
    placement stays fp32 (its numbers must not change with the device); others take the CPU's own choice (bf16 on
    a CPU with AMX or AVX-512-BF16, else fp32)."""
    cpu = choose_placement("cpu", "fp32" if placement.precision == "fp32" else "auto")
    return Placement(cpu.device, cpu.precision, cpu.channels_last, f"{reason}; fell back to the CPU")
