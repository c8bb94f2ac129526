"""Correct -> teach -> relabel on real Fashion-MNIST test images: the share of right labels before and after, as
corrections grow, for the ways of choosing what to teach from (corrected rows only, every row, every row above a
confidence). The user's corrections are kept in the relabelled table, as the window and `label` keep them.

    python benchmarks/bench_relabel.py [--n 3000] [--steps 0,30,100,all]

Prints one line per (corrections, way): the accuracy of the relabelled table against the true classes, and the
first labelling's accuracy as the reference. Needs Debian's dataset-fashion-mnist.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from _machine import cpu_name
from PIL import Image

from model.runtime.inference import Classifier
from model.teach import teach
from model.teach.dataset import labelled_from_pairs
from model.teach.types import TeachSettings
from model.training.fashion_mnist import CLASS_NAMES, load_split
from model.weights.loading import load_model


def classify(clf: Classifier, paths: list[str]) -> tuple[list[str], list[float]]:
    labels, probs = [], []
    for start in range(0, len(paths), 256):
        for p in clf.classify_files(paths[start : start + 256], k=1):
            labels.append(p.labels[0])
            probs.append(p.probs[0])
    return labels, probs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--steps", default="0,30,100,all")
    parser.add_argument("--ways", default="corrected-only,all-rows,all-rows>=0.5")
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}")
    images, truth_idx = load_split("test")
    tmp = Path(tempfile.mkdtemp(prefix="bench-relabel-"))
    paths = []
    for i in range(args.n):
        path = tmp / "images" / f"{i:05d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i]).save(path)
        paths.append(str(path))
    truth = [CLASS_NAMES[int(t)] for t in truth_idx[: args.n]]
    base = Classifier(load_model("bundled"), device="cpu")
    first, probs = classify(base, paths)
    acc0 = float(np.mean([a == b for a, b in zip(first, truth, strict=True)]))
    wrong = [i for i in range(args.n) if first[i] != truth[i]]
    print(f"first labelling: {acc0:.2%} right of {args.n}; {len(wrong)} wrong")
    settings = TeachSettings(force=True, cache_dir=tmp / "cache", device="cpu", features="final")
    for step in args.steps.split(","):
        k = len(wrong) if step == "all" else min(int(step), len(wrong))
        corrected = {i: truth[i] for i in wrong[:k]}
        for way in args.ways.split(","):
            if way == "corrected-only":
                pairs = [(paths[i], c) for i, c in corrected.items()]
            else:
                floor = float(way.split(">=")[1]) if ">=" in way else 0.0
                pairs = [
                    (paths[i], corrected.get(i, first[i])) for i in range(args.n) if i in corrected or probs[i] >= floor
                ]
            start = time.perf_counter()
            try:
                result = teach("bundled", labelled_from_pairs(pairs), tmp / f"taught-{k}-{way}.safetensors", settings)
            except Exception as exc:  # one class, too few images: the way cannot teach here
                print(f"{k:5d} corrections  {way:18s}  cannot teach: {str(exc).splitlines()[0]}")
                continue
            taught = Classifier(load_model(str(result.checkpoint)), device="cpu")
            relabelled, _ = classify(taught, paths)
            final = [corrected.get(i, relabelled[i]) for i in range(args.n)]
            acc = float(np.mean([a == b for a, b in zip(final, truth, strict=True)]))
            print(
                f"{k:5d} corrections  {way:18s}  {acc:.2%} right (first labelling {acc0:.2%}, "
                f"x{acc / acc0:.3f}; {len(pairs)} rows taught, {time.perf_counter() - start:.1f} s)"
            )


if __name__ == "__main__":
    main()
