"""Real feature vectors for the embedding benchmarks: the bundled model's final pooled features of Fashion-MNIST
test images (Debian's ``dataset-fashion-mnist``), computed once and kept in a ``.npz`` beside the caller's choice.

    python benchmarks/fmnist_features.py OUT.npz [--count 10000] [--threads 2]

Each 28x28 image goes through the bundled model's own preprocessing (:func:`model.data.transform.preprocess`),
then the network in batches of 256; the file holds ``vectors`` ``(count, 192)`` float32 (unit length, as the
audit keeps them) and ``labels`` ``(count,)`` int64, the true classes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.data.transform import preprocess  # noqa: E402
from model.features.taps import FeatureTaps  # noqa: E402
from model.training.fashion_mnist import load_split  # noqa: E402
from model.weights.loading import load_model  # noqa: E402


def fmnist_features(count: int, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Return the unit final features ``(count, width)`` float32 of the first ``count`` test images and their
    true labels ``(count,)``."""
    images, labels = load_split("test")
    loaded = load_model("bundled")
    net, cfg = loaded.net.eval(), loaded.info.preprocess
    out = []
    with FeatureTaps(net) as taps, torch.inference_mode():
        for start in range(0, count, batch):
            x = torch.stack([preprocess(Image.fromarray(a), cfg) for a in images[start : min(count, start + batch)]])
            net(x)
            out.append(taps.out["final"].numpy().copy())
    vectors = np.concatenate(out).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors, labels[:count]


def load_or_make(path: Path, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(vectors, labels)`` from ``path`` when it holds at least ``count`` rows, else compute and save."""
    if path.exists():
        with np.load(path) as data:
            if len(data["labels"]) >= count:
                return data["vectors"][:count], data["labels"][:count]
    vectors, labels = fmnist_features(count)
    np.savez(path, vectors=vectors, labels=labels)
    return vectors, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    vectors, _ = load_or_make(args.out, args.count)
    print(f"{len(vectors)} vectors of width {vectors.shape[1]} in {time.perf_counter() - start:.1f} s -> {args.out}")


if __name__ == "__main__":
    main()
