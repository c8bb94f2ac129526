"""The similar-image index (model/audit/similar.py): exact cosine search in numpy at 100,000 vectors.

    python benchmarks/bench_similar.py [--vectors 100000] [--dims 192 768] [--queries 300] [--threads 2]

For each width (192: the bundled model's final features; 768: CoAtNet-0's), ``--vectors`` float32 vectors in
clusters (like image features: many near neighbours) are indexed with ``copy=False`` (normalised in place, the
way the audit builds it) and queried ``--queries`` times for the 10 nearest, from the index's own rows and from
fresh vectors. Reported: p50 / p95 / max query time; the index's memory as a ratio of the vectors' float32
bytes, and the peak memory a query allocates (tracemalloc sees numpy's buffers); and, as a same-run reference,
one bare matrix-vector product (BLAS): a query can hardly beat it, since it must read every vector.
Goals (issue 20): p95 under 50 ms at 100,000 vectors on 2 cores; index memory <= 1.5x the vectors. BLAS threads
are set to ``--threads`` before numpy loads.
"""

from __future__ import annotations

import argparse
import os
import sys


def _threads_from_argv() -> str:
    """Return the --threads value before argparse runs (BLAS reads its thread count when numpy is imported)."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return "2"


for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.audit.similar import SimilarIndex  # noqa: E402


def cpu_name() -> str:
    """Return the CPU's model name (``/proc/cpuinfo``), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Return ``n`` float32 vectors around ``n // 50`` random centres (non-negative, like pooled activations)."""
    rng = np.random.default_rng(seed)
    centres = rng.random((max(1, n // 50), dim), dtype=np.float32)
    out = centres[rng.integers(0, len(centres), n)]
    out += 0.3 * rng.random((n, dim), dtype=np.float32)
    return out


def percentile(values: list[float], q: float) -> float:
    """Return the ``q`` percentile of ``values``."""
    return float(np.percentile(np.array(values), q))


def bench_width(n: int, dim: int, queries: int) -> dict[str, float]:
    """Return the figures of one width (milliseconds and ratios)."""
    vectors = clustered(n, dim, seed=dim)
    raw_bytes = vectors.nbytes
    tracemalloc.start()
    start = time.perf_counter()
    index = SimilarIndex(vectors, copy=False)
    build = time.perf_counter() - start
    _, build_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rng = np.random.default_rng(1)
    own = rng.integers(0, n, queries)
    fresh = clustered(queries, dim, seed=dim + 1)
    for i in range(5):  # warm up the caches and BLAS
        index.search(fresh[i], 10)
    times = []
    for q in range(queries):
        start = time.perf_counter()
        if q % 2:
            index.search(index.matrix[own[q]], 10, exclude=int(own[q]))
        else:
            index.search(fresh[q], 10)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    index.search(fresh[0], 10)
    _, query_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    reads = []
    for q in range(20):
        start = time.perf_counter()
        index.matrix @ fresh[q]
        reads.append(time.perf_counter() - start)
    return {
        "p50": 1000 * statistics.median(times),
        "p95": 1000 * percentile(times, 95),
        "max": 1000 * max(times),
        "read": 1000 * statistics.median(reads),
        "build": 1000 * build,
        "index_ratio": index.nbytes / raw_bytes,
        "build_peak_ratio": build_peak / raw_bytes,
        "query_peak_mb": query_peak / 1e6,
        "mb": raw_bytes / 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--dims", type=int, nargs="+", default=[192, 768])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (set before numpy loads)")
    args = parser.parse_args(argv)
    print(
        f"CPU: {cpu_name()}, {os.cpu_count()} cores visible, BLAS threads {args.threads}, numpy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    ok = True
    for dim in args.dims:
        f = bench_width(args.vectors, dim, args.queries)
        met = f["p95"] < 50 and f["index_ratio"] <= 1.5
        ok &= met
        print(
            f"{args.vectors} x {dim} ({f['mb']:.0f} MB float32): query p50 {f['p50']:.1f} ms, p95 {f['p95']:.1f} ms, "
            f"max {f['max']:.1f} ms; a bare matrix-vector product {f['read']:.1f} ms (p50 query / product "
            f"{f['p50'] / f['read']:.2f}x); index {f['index_ratio']:.2f}x the vectors (peak while building "
            f"{f['build_peak_ratio']:.2f}x extra, {f['build']:.0f} ms), a query allocates {f['query_peak_mb']:.1f} MB"
            f" -> {'meets' if met else 'MISSES'} p95 < 50 ms and <= 1.5x"
        )
    print("exact numpy search meets the goals: no ANN library needed" if ok else "goals missed: consider an ANN index")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
