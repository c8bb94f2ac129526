"""Top-1 agreement of every fast runtime with the fp32 eager network (the capturing path's numerics), bundled model.

    python benchmarks/bench_agreement.py [--fmnist 10000] [--photos 1000] [--runtimes torch compiled ...]

Images: the Fashion-MNIST test images of Debian's ``dataset-fashion-mnist`` (all 10,000 by default) and
``--photos`` views of the real photographs shipped inside scikit-image and scikit-learn (bench_duplicates'
``photographs``: ~20 photos, so each view is a seeded random crop of 20-100 % of a side, flipped or not, in colour
or grey). Every image goes through the app's preprocessing; each runtime of ``model.runtime.runtimes`` (``torch``
is bf16 autocast + channels_last on a CPU with AMX or AVX-512-BF16) classifies them in batches of 100, and its
top-1 is compared with the fp32 eager network's. Goal: >= 99.5 % on each set. Names the CPU.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import cpu_name  # noqa: E402
from bench_duplicates import photographs  # noqa: E402

from model.data.transform import preprocess  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.runtime.runtimes import open_runtime, unavailable_reason  # noqa: E402
from model.training.fashion_mnist import load_split  # noqa: E402
from model.weights.loading import load_model  # noqa: E402

GOAL = 0.995
RUNTIMES = ("torch", "compiled", "onnxruntime", "openvino")


def photo_views(count: int, seed: int = 0) -> list[Image.Image]:
    """Return ``count`` RGB views of the shipped photographs: seeded random crops, flips, some in grey."""
    rng = np.random.default_rng(seed)
    photos = [Image.open(p).convert("RGB") for p in photographs()]
    views = []
    for i in range(count):
        photo = photos[i % len(photos)]
        w, h = photo.size
        share = rng.uniform(0.2, 1.0)
        cw, ch = max(8, int(w * share)), max(8, int(h * share))
        x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
        view = photo.crop((x, y, x + cw, y + ch))
        if rng.random() < 0.5:
            view = ImageOps.mirror(view)
        if rng.random() < 0.3:
            view = ImageOps.grayscale(view).convert("RGB")
        views.append(view)
    return views


def top1(clf, pixels: torch.Tensor) -> torch.Tensor:
    """Return ``clf``'s top-1 class of every image ``(N,)``, in batches of 100."""
    return torch.cat([clf.probabilities(b).argmax(-1) for b in pixels.split(100)])


def main() -> None:
    """Classify both sets with fp32 and every runtime; print the agreements."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fmnist", type=int, default=10000)
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--runtimes", nargs="+", default=list(RUNTIMES), choices=RUNTIMES)
    args = parser.parse_args()
    os.environ.setdefault("COATNET_LENS_CACHE", tempfile.mkdtemp(prefix="bench-agreement-"))
    print(f"CPU: {cpu_name()}; torch {torch.__version__}; load average {os.getloadavg()[0]:.2f}")
    loaded = load_model("bundled")
    reference = Classifier(loaded, device="cpu", precision="fp32")
    cfg = reference.preprocess_cfg
    images, _ = load_split("test")
    sets = {
        f"{args.fmnist} Fashion-MNIST": [Image.fromarray(a).convert("RGB") for a in images[: args.fmnist]],
        f"{args.photos} photo views": photo_views(args.photos),
    }
    pixels = {name: torch.stack([preprocess(im, cfg) for im in ims]) for name, ims in sets.items()}
    truth = {name: top1(reference, p) for name, p in pixels.items()}  # before the others change the placement
    for runtime in args.runtimes:
        reason = unavailable_reason(runtime)
        if reason:
            print(f"{runtime:12s} not run: {reason}")
            continue
        extra = {"batch_sizes": (100,)} if runtime == "compiled" else {}
        clf = open_runtime(load_model("bundled"), runtime, "cpu", **extra)
        if runtime == "compiled" and not clf.wait():
            print(f"{runtime:12s} not run: {clf.compile_error}")
            continue
        for name, p in pixels.items():
            share = (top1(clf, p) == truth[name]).float().mean().item()
            verdict = "met" if share >= GOAL else "MISSED"
            print(
                f"{runtime:12s} ({clf.placement.precision}) {name}: top-1 agreement with fp32 {share:.2%} ({verdict})"
            )


if __name__ == "__main__":
    main()
