"""Teaching the bundled model a real set it never saw: the UCI handwritten digits (1,797 8x8 grey images, 10
classes) that scikit-learn ships as ``sklearn/datasets/data/digits.csv.gz`` (CC BY 4.0, Alpaydin & Kaynak 1998).

    pip install scikit-learn     # only for the data file; sklearn itself is never imported
    python benchmarks/bench_teach.py [--digits PATH/digits.csv.gz] [--per-class 5 20 100] [--seeds 3]

The images are written as PNG class folders. A fixed test part (``--test-per-class`` images per class) is held
out; from the rest, 5, 20 and 100 images per class are drawn (per seed). For each, head mode on the bundled
base (features chosen by cross-validation on the drawn images, as ``teach`` does) is scored on the test part,
with every feature candidate's own score and a baseline: logistic regression on the raw pixels of the same
images (the same torch trainer, 300 epochs). Then the time: feature extraction images/s (CPU, the
placement's precision: bf16 where the CPU has it), head training time at the largest size, and ``teach``
end to end on the largest training folder twice with a fresh cache: the second run's time as a ratio of the
first's (goal >= 10x; ``--ratio-config coatnet_0_rw_224`` times it on a 224 px ImageNet-sized base with random
weights, where the forward passes the cache saves cost more than on the small bundled base).
Goal: the head beats the baseline at 20 per class.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from model.features import FeatureStore, candidates, extract, file_digest
from model.net.coatnet import create_model
from model.runtime.device import choose_placement
from model.teach import TeachSettings, labelled_from_folder, teach
from model.teach.head import train_head
from model.teach.run import choose_features
from model.weights.checkpoint import save_checkpoint
from model.weights.layout import WEIGHTS_NAME
from model.weights.loading import load_model

BASELINE_EPOCHS = 300
GOAL_RATIO = 10.0


def find_digits(given: str | None) -> Path:
    """Return the digits CSV: ``given``, else the file inside the installed scikit-learn (not imported)."""
    if given:
        return Path(given)
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the digits data: `pip install scikit-learn`, or --digits PATH/digits.csv.gz")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"


def write_folders(csv_gz: Path, root: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Write every digit as ``root/<digit>/<index>.png``; return the paths, labels ``(N,)`` and raw pixels
    ``(N, 64)`` in 0..16."""
    with gzip.open(csv_gz, "rt") as f:
        rows = np.loadtxt(f, delimiter=",")
    pixels, labels = rows[:, :64], rows[:, 64].astype(int)
    paths = []
    for i, (row, label) in enumerate(zip(pixels, labels, strict=True)):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{i:04d}.png"
        Image.fromarray((row.reshape(8, 8) * 255 / 16).round().astype(np.uint8), "L").save(path)
        paths.append(str(path))
    return paths, labels, pixels


def draw(labels: np.ndarray, test_per_class: int, per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(train indices, test indices)``: the test part fixed (seed 0), ``per_class`` drawn from the
    rest with ``seed``."""
    fixed, rng = np.random.default_rng(0), np.random.default_rng(seed + 1)
    train, test = [], []
    for c in np.unique(labels):
        idx = fixed.permutation(np.nonzero(labels == c)[0])
        test += list(idx[:test_per_class])
        train += list(rng.permutation(idx[test_per_class:])[:per_class])
    return np.array(sorted(train)), np.array(sorted(test))


def accuracy(x: torch.Tensor, y: torch.Tensor, train: np.ndarray, test: np.ndarray, epochs: int = 100) -> float:
    """Return the test accuracy of a linear head trained on the ``train`` rows of ``x``."""
    t, v = torch.from_numpy(train), torch.from_numpy(test)
    fit = train_head(x[t], y[t], int(y.max()) + 1, epochs)
    return (fit.predict(x[v]) == y[v]).float().mean().item()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print (and with --json write) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digits", help="digits.csv.gz (default: the one in the installed scikit-learn)")
    parser.add_argument("--per-class", type=int, nargs="+", default=[5, 20, 100])
    parser.add_argument("--test-per-class", type=int, default=50)
    parser.add_argument("--seeds", type=int, default=3, help="draws of the training images per size")
    parser.add_argument(
        "--ratio-config",
        help="time the two teach runs on this config with random weights (e.g. coatnet_0_rw_224) instead of the "
        "bundled base: the cache saves what the base's forward passes cost",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        paths, labels, raw = write_folders(find_digits(args.digits), tmp / "digits")
        loaded = load_model("bundled")
        net, placement = loaded.net.eval(), choose_placement("cpu")
        placement.prepare(net)
        store = FeatureStore.for_base(net, loaded.info.preprocess, tmp / "cache")
        digests = [file_digest(p) for p in paths]
        start = time.perf_counter()
        got = extract(net, placement, loaded.info.preprocess, paths, digests, store)
        seconds = time.perf_counter() - start
        figures["extract_images_per_s"] = len(paths) / seconds
        figures["precision"] = placement.precision
        print(f"feature extraction: {len(paths)} images in {seconds:.1f} s = {len(paths) / seconds:.0f} img/s "
              f"(CPU {placement.precision})")  # fmt: skip
        net.to("cpu")
        y = torch.from_numpy(labels)
        x_raw = torch.from_numpy(raw).float()
        keys = [c.key for c in candidates(net)]
        rows = []
        for per_class in args.per_class:
            scores: dict[str, list[float]] = {k: [] for k in ["chosen", "baseline", *keys]}
            chosen_keys = []
            for seed in range(args.seeds):
                train, test = draw(labels, args.test_per_class, per_class, seed)
                for key in keys:
                    scores[key].append(accuracy(got.features[key], y, train, test))
                choice, _ = choose_features(net, got.features, y, list(train), 10, seed)
                chosen_keys.append(choice.key)
                scores["chosen"].append(scores[choice.key][-1])
                scores["baseline"].append(accuracy(x_raw, y, train, test, BASELINE_EPOCHS))
            mean = {k: float(np.mean(v)) for k, v in scores.items()}
            rows.append({"per_class": per_class, **mean, "choices": chosen_keys})
            print(
                f"{per_class:>4} per class: head {mean['chosen']:.3f} ({', '.join(chosen_keys)})  "
                f"raw-pixel logistic regression {mean['baseline']:.3f}  | "
                + "  ".join(f"{k} {mean[k]:.3f}" for k in keys)
            )
        figures["accuracy"] = rows
        largest = max(args.per_class)
        train, _ = draw(labels, args.test_per_class, largest, 0)
        start = time.perf_counter()
        choice, _ = choose_features(net, got.features, y, list(train), 10, 0)
        train_head(got.features[choice.key][torch.from_numpy(train)], y[torch.from_numpy(train)], 10)
        figures["head_seconds"] = time.perf_counter() - start
        print(f"head training at {largest} per class (choice + 100 epochs): {figures['head_seconds']:.1f} s")
        subset = tmp / "subset"
        for i in train:
            target = subset / str(labels[i]) / Path(paths[i]).name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(Path(paths[i]).read_bytes())
        data = labelled_from_folder(subset)
        base = "bundled"
        if args.ratio_config:
            torch.manual_seed(0)
            base = str(save_checkpoint(create_model(args.ratio_config), tmp / args.ratio_config) / WEIGHTS_NAME)
        times = []
        for run in range(2):
            settings = TeachSettings(device="cpu", cache_dir=tmp / "cache2")
            start = time.perf_counter()
            teach(base, data, tmp / f"run{run}.safetensors", settings)
            times.append(time.perf_counter() - start)
        figures["teach_seconds"] = times
        figures["cache_ratio"] = times[0] / times[1]
        verdict = "meets" if figures["cache_ratio"] >= GOAL_RATIO else "misses"
        print(
            f"teach end to end on {len(data.paths)} images, base {args.ratio_config or 'bundled'}: first "
            f"{times[0]:.1f} s, second (cached) {times[1]:.1f} s"
            f" = {figures['cache_ratio']:.1f}x ({verdict} the {GOAL_RATIO:.0f}x goal)"
        )
    twenty = next((r for r in rows if r["per_class"] == 20), None)
    if twenty:
        print(f"at 20 per class the head {'beats' if twenty['chosen'] > twenty['baseline'] else 'does not beat'} "
              f"the raw-pixel baseline")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
