"""Timing helper shared by the benchmark scripts: interleaved repeats, median seconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_samples(runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 1) -> dict[str, list[float]]:
    """Return the seconds of every timed run of each callable (after ``warmup`` untimed runs each), timed
    round-robin so that drift and the load of a shared machine hit all of them alike."""
    for fn in runs.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return samples


def interleaved_medians(runs: dict[str, Callable[[], object]], repeats: int, warmup: int = 2) -> dict[str, float]:
    """Return the median seconds of each callable, timed as :func:`interleaved_samples` does."""
    samples = interleaved_samples(runs, repeats, warmup)
    return {name: statistics.median(s) for name, s in samples.items()}
