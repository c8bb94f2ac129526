"""Forward pass of our CoAtNet against timm's twin (same config, same random weights), CPU, bf16 + channels_last.

    python benchmarks/bench_forward.py [--repeats 7] [--only coatnet_0_rw_224]

Both sides run under ``torch.inference_mode()`` and bf16 autocast with the model and input in channels_last, in
this one process, warmed up, timed round-robin (interleaved repeats) and summarised by the median. Prints
images/s of ours and of timm's and their ratio per config and batch size. Goal: ours >= 1.3x timm's for
coatnet_0_rw_224 at batch 1 and 32. Random weights: nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402
from bench_batch import timm_twin  # noqa: E402

from model import create_model  # noqa: E402

CASES = [  # (config, batch size); 384 px at batch 4 keeps the run short
    ("coatnet_0_rw_224", 1),
    ("coatnet_0_rw_224", 32),
    ("coatnet_nano_rw_224", 8),
    ("coatnet_rmlp_1_rw_224", 8),
    ("coatnet_rmlp_2_rw_384", 2),
    ("coatnet_fmnist_96", 64),
]
GOAL = 1.3
GOAL_CONFIG = "coatnet_0_rw_224"


def measure(config: str, batch: int, repeats: int) -> tuple[float, float]:
    """Return images/s of ours and of timm's twin for ``config`` at ``batch`` (median of interleaved repeats)."""
    torch.manual_seed(0)
    ours = create_model(config).eval()
    twin = timm_twin(ours).to(memory_format=torch.channels_last)
    ours = ours.to(memory_format=torch.channels_last)
    size = ours.cfg.img_size
    x = torch.randn(batch, 3, size, size).contiguous(memory_format=torch.channels_last)

    def run(net: torch.nn.Module):
        def forward() -> None:
            with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
                net(x)

        return forward

    times = interleaved_medians({"ours": run(ours), "timm": run(twin)}, repeats, warmup=2)
    return batch / times["ours"], batch / times["timm"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", help="run only this config")
    args = parser.parse_args()
    cases = [c for c in CASES if args.only in (None, c[0])]
    rows = []
    for config, batch in cases:
        rows.append((config, batch, *measure(config, batch, args.repeats)))
    threads = torch.get_num_threads()
    print(f"\nimages/s, CPU, bf16 autocast + channels_last, {threads} threads, median of {args.repeats}")
    print(f"{'config':24s} {'batch':>5s} {'ours':>9s} {'timm':>9s} {'ours/timm':>9s}")
    for config, batch, ours, timm in rows:
        goal = f"  (goal x{GOAL:g}: {'met' if ours / timm >= GOAL else 'MISSED'})" if config == GOAL_CONFIG else ""
        print(f"{config:24s} {batch:5d} {ours:9.1f} {timm:9.1f} {ours / timm:9.2f}{goal}")


if __name__ == "__main__":
    main()
