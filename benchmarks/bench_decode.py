"""Decoding a large JPEG at reduced size (Pillow's draft) vs decoding it in full, before the same preprocessing.

    python benchmarks/bench_decode.py [--tag coatnet_0_rw_224.sw_in1k] [--repeats 10]

Writes a 12-megapixel photograph-like JPEG (4000 x 3000, quality 90) to a temporary folder, then times
``preprocess(load_image(p), cfg)`` against ``load_and_preprocess(p, cfg)`` (same process, interleaved repeats,
medians) and measures the PSNR of the fast tensor against the full-decode one on the [0, 1] images.
Goal: speed-up >= 4x and PSNR >= 35 dB.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402

from model.data.decode import load_image  # noqa: E402
from model.data.pixels import PreprocessCfg
from model.data.transform import load_and_preprocess, preprocess  # noqa: E402
from model.weights.pretrained import PRETRAINED  # noqa: E402


def photo_like(width: int, height: int, seed: int = 0) -> Image.Image:
    """A photograph-like RGB image: smooth colour fields, sharp-edged shapes under slight lens blur, texture at
    every scale with a natural image's 1/f spectrum, and mild sensor noise."""
    rng = np.random.default_rng(seed)
    colour_field = Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8))
    image = colour_field.resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(width // 60, width // 8))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x - r, y - r, x + r, y + r), fill=colour)
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(width / 2000)), dtype=np.float32)
    cells = 16
    while cells <= width // 2:  # octaves of texture, equal energy in each (a 1/f amplitude spectrum)
        octave = rng.integers(0, 256, (max(1, cells * height // width), cells, 3), dtype=np.uint8)
        upscaled = Image.fromarray(octave).resize((width, height), Image.Resampling.BICUBIC)
        pixels += (np.asarray(upscaled, dtype=np.float32) - 127.5) * 0.12
        cells *= 2
    pixels += 3 * rng.standard_normal(pixels.shape, dtype=np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def psnr(a: torch.Tensor, b: torch.Tensor, cfg: PreprocessCfg) -> float:
    """PSNR in dB of two model inputs, measured on the [0, 1] images they normalise."""
    mse = float((((a - b) * torch.tensor(cfg.std)[:, None, None]) ** 2).mean())  # the means cancel out
    return math.inf if mse == 0 else 10 * math.log10(1 / mse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tag", default="coatnet_0_rw_224.sw_in1k", choices=sorted(PRETRAINED), metavar="TAG")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    cfg = PRETRAINED[args.tag].preprocess
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        photo_like(4000, 3000).save(path, quality=90)
        full = preprocess(load_image(path), cfg)
        fast, size = load_and_preprocess(path, cfg)
        times = interleaved_medians(
            {
                "full decode": lambda: preprocess(load_image(path), cfg),
                "reduced decode": lambda: load_and_preprocess(path, cfg),
            },
            args.repeats,
        )
        file_mb = path.stat().st_size / 1e6
    print(
        f"{size[0]} x {size[1]} JPEG (quality 90, {file_mb:.1f} MB) -> {args.tag}: {cfg.input_size[1]} px, "
        f"crop_pct {cfg.crop_pct}, {cfg.interpolation}, {torch.get_num_threads()} torch threads"
    )
    for name, seconds in times.items():
        print(f"  {name:15s} {seconds * 1000:8.1f} ms")
    print(f"  speed-up: {times['full decode'] / times['reduced decode']:.2f}x (goal >= 4)")
    print(f"  PSNR reduced vs full: {psnr(fast, full, cfg):.1f} dB (goal >= 35)")


if __name__ == "__main__":
    main()
