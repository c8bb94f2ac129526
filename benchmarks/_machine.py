"""The machine a benchmark ran on, in one line: every figure is printed with it, because speed-ups measured on one
CPU kind (Intel with AMX, AMD with AVX-512-BF16 or AVX2 only) did not hold on another."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """Return e.g. ``"AMD EPYC (family 25 model 1; AVX2, no AVX-512-BF16, no AMX), 2 cores"``: the model name,
    family and model and the vector units that decide bf16 speed (``/proc/cpuinfo``; elsewhere what platform
    says), and the cores this process may use."""
    info: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if "model name" not in info:
        return f"{platform.processor() or platform.machine()}, {cores} cores"
    flags = set(info.get("flags", "").split())
    units = [
        "AVX-512" if "avx512f" in flags else ("AVX2" if "avx2" in flags else "no AVX2"),
        "AVX-512-BF16" if "avx512_bf16" in flags else "no AVX-512-BF16",
        "AMX" if "amx_bf16" in flags else "no AMX",
    ]
    kind = f"family {info.get('cpu family', '?')} model {info.get('model', '?')}; {', '.join(units)}"
    return f"{info['model name']} ({kind}), {cores} cores"
