"""Each runtime's forward pass against timm eager (bf16 autocast + channels_last, same weights), one process,
interleaved repeats: coatnet_0_rw_224 with seeded random weights at batch 1 and 32.

    python benchmarks/bench_runtimes.py [--repeats 7] [--batches 1 32] [--runtimes torch compiled ...] [--llga]

Rows: ``timm`` (the reference), then every runtime of ``model.runtime.runtimes`` that can run here (``torch``: our
eager network; ``compiled``: torch.compile, compiled before timing; ``onnxruntime``; ``openvino``), each through
its ``probabilities`` (what labelling calls); at batch sizes over 1 also ``openvino x2``, OpenVINO's throughput hint
with the batch split over two passes in flight at once, as ``label``'s two model lanes run it. ``--llga`` adds
oneDNN graph fusion (TorchScript trace + freeze with ``torch.jit.enable_onednn_fusion``), a candidate measured, not
a runtime.

Prints images/s, the ratio to timm (goal >= x1.5 at batch 1 and 32), the achieved TFLOP/s (FLOPs counted once with
``torch.utils.flop_counter.FlopCounterMode`` at fp32: matmuls, convolutions, attention) and its share of an estimated
bf16 peak of the cores this process may use::

    peak = cores x clock x FLOP per cycle and core
    FLOP per cycle: AMX-BF16 1024 (one 16x32 by 32x16 bf16 tile product, 16K multiply-adds, per 16 cycles),
                    AVX-512-BF16 64 (two 512-bit FMA ports x 16 bf16 pairs), AVX-512 fp32 64, AVX2 fp32 32

with the clock from /proc/cpuinfo's "cpu MHz" (a virtual machine reports its base clock; turbo makes the real
share lower), and its share of what a large bf16 matrix product (2048 x 2048, :func:`gemm_flops`) reaches in this
process: the practical ceiling (0.58 TFLOP/s on the 2-core Xeon with AMX, 14 % of the estimate). Also the load
average, since the machine may be shared: ratios are same-process and interleaved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_name  # noqa: E402
from _timing import interleaved_medians  # noqa: E402
from bench_batch import timm_twin  # noqa: E402

from model.data.pixels import PreprocessCfg  # noqa: E402
from model.net.coatnet import create_model  # noqa: E402
from model.runtime.runtimes import open_runtime, unavailable_reason  # noqa: E402
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel  # noqa: E402

CONFIG = "coatnet_0_rw_224"
GOAL = 1.5
RUNTIMES = ("torch", "compiled", "onnxruntime", "openvino")


def peak_flops() -> tuple[float, str]:
    """Return the estimated bf16 peak FLOP/s of the cores this process may use, and how it was estimated."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    flags = set(next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), []))
    mhz = next((float(line.split(":")[1]) for line in text.splitlines() if line.startswith("cpu MHz")), 2000.0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if "amx_bf16" in flags:
        per_cycle, unit = 1024, "AMX-BF16"
    elif "avx512_bf16" in flags:
        per_cycle, unit = 64, "AVX-512-BF16"
    elif "avx512f" in flags:
        per_cycle, unit = 64, "AVX-512 fp32"
    else:
        per_cycle, unit = 32, "AVX2 fp32"
    return cores * mhz * 1e6 * per_cycle, f"{cores} cores x {mhz / 1000:.2f} GHz x {per_cycle} FLOP/cycle ({unit})"


def gemm_flops(side: int = 2048, repeats: int = 10) -> float:
    """Return the FLOP/s of a ``side`` x ``side`` bf16 matrix product on the CPU, best of ``repeats``."""
    import time

    a, b = torch.randn(side, side, dtype=torch.bfloat16), torch.randn(side, side, dtype=torch.bfloat16)
    best = float("inf")
    for _ in range(repeats + 1):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * side**3 / best


def count_flops(net: torch.nn.Module, side: int) -> float:
    """Return the FLOPs of one image's forward pass (fp32, counted once)."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros(1, 3, side, side))
    return float(counter.get_total_flops())


def llga_module(net: torch.nn.Module, x: torch.Tensor):
    """Return a callable running ``net`` traced and frozen with oneDNN graph fusion (bf16 under autocast)."""
    torch.jit.enable_onednn_fusion(True)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        torch._C._jit_set_autocast_mode(True)
        traced = torch.jit.freeze(torch.jit.trace(net, x, check_trace=False))
        for _ in range(2):  # the fusion pass runs on the first calls
            traced(x)

    def forward() -> None:
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            traced(x)

    return forward


def two_lanes(clf, x: torch.Tensor):
    """Return a callable running ``x`` through ``clf`` as two half batches on two threads at once."""
    from concurrent.futures import ThreadPoolExecutor

    pool, halves = ThreadPoolExecutor(2), x.chunk(2)

    def forward() -> None:
        list(pool.map(clf.probabilities, halves))

    return forward


def main() -> None:
    """Time every runtime against timm at each batch size; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--runtimes", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    parser.add_argument("--llga", action="store_true", help="also time oneDNN graph fusion (TorchScript)")
    args = parser.parse_args()
    os.environ.setdefault("COATNET_LENS_CACHE", tempfile.mkdtemp(prefix="bench-runtimes-"))  # exports, graphs
    torch.manual_seed(0)
    net = create_model(CONFIG).eval()
    side = net.cfg.img_size
    flops = count_flops(net, side)
    twin = timm_twin(net).to(memory_format=torch.channels_last)
    names = [str(i) for i in range(net.cfg.num_classes)]
    info = ModelInfo(CONFIG, CONFIG, "file", "random", len(names), names, "custom", PreprocessCfg((side, side)))
    loaded = LoadedModel(net, info)
    skipped = {r: unavailable_reason(r) for r in args.runtimes if unavailable_reason(r)}
    peak, how = peak_flops()
    print(f"\n{CONFIG}, random weights, {cpu_name()}, torch {torch.__version__}, median of {args.repeats}")
    print(f"{flops / 1e9:.2f} GFLOP per image; estimated bf16 peak {peak / 1e12:.2f} TFLOP/s = {how}", flush=True)
    gemm = gemm_flops()
    print(f"a 2048 x 2048 bf16 matrix product reaches {gemm / 1e12:.2f} TFLOP/s here ({gemm / peak:.0%} of it)")
    for batch in args.batches:
        x = torch.randn(batch, 3, side, side, generator=torch.Generator().manual_seed(batch))
        x_cl = x.contiguous(memory_format=torch.channels_last)

        def timm_forward(x_cl: torch.Tensor = x_cl) -> None:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                twin(x_cl)

        runs = {"timm": timm_forward}
        for runtime in (r for r in args.runtimes if r not in skipped):
            kwargs = {"batch_sizes": (batch,)} if runtime == "compiled" else {}
            clf = open_runtime(loaded, runtime, "cpu", **kwargs)
            if runtime == "compiled" and not clf.wait():
                skipped[runtime] = clf.compile_error
                continue
            runs[runtime] = lambda clf=clf, x=x: clf.probabilities(x)
        if batch > 1 and "openvino" in runs:
            runs["openvino x2"] = two_lanes(open_runtime(loaded, "openvino", "cpu", batch_work=True), x)
        if args.llga:
            runs["llga"] = llga_module(create_model(CONFIG).eval().to(memory_format=torch.channels_last), x_cl)
        times = interleaved_medians(runs, args.repeats, warmup=2)
        rows = [(batch, name, seconds, times["timm"]) for name, seconds in times.items()]
        print_rows(rows, flops, peak, gemm)
    for runtime, reason in skipped.items():
        print(f"{runtime}: not run ({reason})")


def print_rows(rows: list[tuple[int, str, float, float]], flops: float, peak: float, gemm: float) -> None:
    """Print one batch size's rows (batch, runtime, seconds, timm's seconds) with the load average; shares of the
    estimated ``peak`` and of the measured ``gemm`` FLOP/s."""
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    print(f"{'batch':>5s} {'runtime':12s} {'img/s':>8s} {'x timm':>7s} {'TFLOP/s':>8s} {'of peak':>8s} {'of GEMM':>8s}")
    for batch, name, seconds, timm in rows:
        rate = batch / seconds
        goal = ""
        if name != "timm":
            goal = f"  (goal x{GOAL:g}: {'met' if timm / seconds >= GOAL else 'missed'})"
        achieved = rate * flops / 1e12
        share = rate * flops / peak
        of_gemm = rate * flops / gemm
        line = f"{batch:5d} {name:12s} {rate:8.1f} {timm / seconds:7.2f} {achieved:8.3f} {share:8.1%} {of_gemm:8.1%}"
        print(line + goal, flush=True)


if __name__ == "__main__":
    main()
