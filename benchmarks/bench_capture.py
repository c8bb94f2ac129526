"""Cost of capturing everything (all attention maps + all block activations) vs a plain forward pass.

    python benchmarks/bench_capture.py [--config coatnet_0_rw_224] [--batch 1] [--repeats 20]

Same process, same input, interleaved repeats; prints the median times and their ratio (goal <= 1.25 on CPU).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402

from model import create_model  # noqa: E402
from model.explain.capture import capture  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="coatnet_0_rw_224")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(0)
    net = create_model(args.config).eval()
    size = net.cfg.img_size
    x = torch.randn(args.batch, 3, size, size)

    def plain() -> None:
        with torch.inference_mode():
            net(x)

    def captured() -> None:
        with torch.inference_mode(), capture(net, attention="all", activations="all"):
            net(x)

    times = interleaved_medians({"plain": plain, "capture all": captured}, args.repeats)
    print(f"{args.config}, batch {args.batch}, {size}px, CPU fp32, {torch.get_num_threads()} threads")
    for name, seconds in times.items():
        print(f"  {name:12s} {seconds * 1000:8.1f} ms")
    print(f"  ratio capture/plain: {times['capture all'] / times['plain']:.3f} (goal <= 1.25)")


if __name__ == "__main__":
    main()
