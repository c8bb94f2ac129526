"""CPU inference speed by precision and memory format, to justify the app's automatic choice.

    python benchmarks/bench_precision.py [--repeats 10]

For the bundled model (96 px, batch 64) and coatnet_0_rw_224 (224 px, batch 8): fp32, fp32 + channels_last,
and bf16 autocast + channels_last, same process, interleaved repeats. Prints images/s and the ratio to fp32.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402

from model import create_model  # noqa: E402
from model.runtime.placement import cpu_has_fast_bf16  # noqa: E402


def variants(config: str, batch: int) -> dict:
    torch.manual_seed(0)
    plain = create_model(config).eval()
    last = create_model(config).eval().to(memory_format=torch.channels_last)
    last.load_state_dict(plain.state_dict())
    size = plain.cfg.img_size
    x = torch.randn(batch, 3, size, size)
    x_last = x.contiguous(memory_format=torch.channels_last)

    def fp32() -> None:
        with torch.inference_mode():
            plain(x)

    def fp32_cl() -> None:
        with torch.inference_mode():
            last(x_last)

    def bf16_cl() -> None:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            last(x_last)

    return {"fp32": fp32, "fp32 + channels_last": fp32_cl, "bf16 + channels_last": bf16_cl}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"CPU with fast bf16 (AMX / AVX-512-BF16): {cpu_has_fast_bf16()}; {torch.get_num_threads()} threads")
    for config, batch in (("coatnet_fmnist_96", 64), ("coatnet_0_rw_224", 8)):
        times = interleaved_medians(variants(config, batch), args.repeats)
        print(f"{config}, batch {batch}:")
        for name, seconds in times.items():
            print(f"  {name:22s} {batch / seconds:8.1f} img/s  x{times['fp32'] / seconds:.2f} vs fp32")


if __name__ == "__main__":
    main()
