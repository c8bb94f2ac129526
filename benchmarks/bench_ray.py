"""Ray's overhead on one machine: ``coatnet-gui label`` with the local engine against ``--engine ray``.

    python benchmarks/bench_ray.py [--jpegs 1000] [--unique 100] [--fmnist 10000] [--repeats 2] [--keep DIR]

Two folders (written by benchmarks/bench_batch.py's generators into a temporary folder, or DIR with ``--keep``):

* ``jpeg``: N photograph-like JPEGs of 12 megapixels (4000 x 3000, quality 90). ``--unique`` of them are
  generated (about 2 s each) and the folder holds N hard links to them in turn: every file is decoded in full
  either way, and the page cache holds the unique bytes in both runs alike;
* ``fmnist``: the Fashion-MNIST test images as 28 x 28 PNGs (Debian's dataset-fashion-mnist).

Each folder is labelled by whole processes, ``python -m coatnet_gui label FOLDER --out X.csv`` and the same with
``--engine ray`` (a local Ray started by the process), the two alternated ``--repeats`` times so that the load
of a shared machine hits both alike. The time is wall-clock from process start to exit: Ray's start, its worker
processes and its shutdown are part of it. Prints the median times, their ratio (goal: Ray at most x1.3), the
labelling rate each run reports (which leaves out start-up), top-1 agreement of the two outputs, and the
per-image costs that docs/CLUSTER.md's scaling estimate uses: decoding on one core, the model on this CPU,
and the bytes each image puts through Ray's object store.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import folder_of, write_fmnist, write_jpegs  # noqa: E402

from model.batch.pipeline import default_batch_size  # noqa: E402
from model.data.transform import load_pixels, normalize  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.weights.loading import load_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.3
RATE = re.compile(r"\(([\d.]+) images/s\)")


def linked_folder(parent: Path, n: int, unique: Path) -> Path:
    """Return ``parent/jpeg-n-of-u``: ``n`` hard links to the photos of ``unique``, in turn."""
    photos = sorted(unique.iterdir())
    folder = parent / f"jpeg-{n}-of-{len(photos)}"
    if not folder.is_dir():
        partial = parent / f".{folder.name}.partial"
        partial.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            target = partial / f"photo_{i:05d}.jpg"
            if not target.exists():
                os.link(photos[i % len(photos)], target)
        partial.rename(folder)
    return folder


def run_label(folder: Path, out: Path, engine: str, model: str) -> tuple[float, float]:
    """Label ``folder`` in a fresh process; return (wall seconds, the images/s the run reports)."""
    args = [sys.executable, "-m", "coatnet_gui", "label", str(folder), "--out", str(out), "--model", model]
    start = time.perf_counter()
    done = subprocess.run([*args, "--engine", engine], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{engine} run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    rate = RATE.search(done.stdout)
    return seconds, float(rate.group(1)) if rate else 0.0


def top1(path: Path) -> dict[str, str]:
    """Return path -> top-1 label of a results CSV."""
    with path.open(newline="", encoding="utf-8") as f:
        return {row["path"]: row["label"] for row in csv.DictReader(f)}


def per_image_costs(folder: Path, clf: Classifier, sample: int = 24) -> tuple[float, float, int]:
    """Return (decode ms per image on one core, model ms per image on this CPU, object-store bytes per image)."""
    cfg = clf.preprocess_cfg
    files = sorted(folder.iterdir())[:sample]
    torch.set_num_threads(1)
    start = time.perf_counter()
    pixels = [load_pixels(f, cfg)[0].expand(3, -1, -1) for f in files]
    decode = (time.perf_counter() - start) / len(files)
    torch.set_num_threads(os.cpu_count() or 1)
    batch = normalize(torch.stack(pixels * (default_batch_size(cfg.input_size[-1]) // len(pixels) + 1)), cfg)
    clf.probabilities(batch)  # warm-up
    start = time.perf_counter()
    clf.probabilities(batch)
    model = (time.perf_counter() - start) / len(batch)
    return decode * 1000, model * 1000, pixels[0].numel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpegs", type=int, default=1000, help="12-megapixel JPEGs in the first folder")
    parser.add_argument("--unique", type=int, default=100, help="of which this many differ (the rest: hard links)")
    parser.add_argument("--fmnist", type=int, default=10000, help="Fashion-MNIST PNGs in the second folder")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each engine per folder, alternated")
    parser.add_argument("--keep", metavar="DIR", help="write the folders here and reuse them in later runs")
    parser.add_argument("--model", default="bundled", help="weights (default: the bundled model)")
    args = parser.parse_args()

    clf = Classifier(load_model(args.model))
    print(f"{os.cpu_count()} CPUs; model {clf.info.name} on {clf.placement.device} ({clf.placement.precision})")
    results = []
    with contextlib.ExitStack() as stack:
        parent = Path(args.keep) if args.keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        unique = folder_of(parent, "jpeg", args.unique, write_jpegs)
        folders = {
            "jpeg": linked_folder(parent, args.jpegs, unique) if args.jpegs > args.unique else unique,
            "fmnist": folder_of(parent, "fmnist", args.fmnist, write_fmnist),
        }
        for name, folder in folders.items():
            costs = per_image_costs(folder, clf)
            times: dict[str, list[float]] = {"local": [], "ray": []}
            rates: dict[str, list[float]] = {"local": [], "ray": []}
            for i in range(args.repeats):
                for engine in ("local", "ray") if i % 2 == 0 else ("ray", "local"):
                    seconds, rate = run_label(folder, scratch / f"{engine}.csv", engine, args.model)
                    times[engine].append(seconds)
                    rates[engine].append(rate)
                    print(f"{name}: {engine:5s} {seconds:6.1f} s  ({rate:.1f} images/s while labelling)", flush=True)
            local, ray = top1(scratch / "local.csv"), top1(scratch / "ray.csv")
            agree = sum(local[p] == ray.get(p) for p in local) / len(local)
            results.append((name, len(local), times, rates, agree, costs))

    print(f"\nwhole processes, median of {args.repeats} alternated runs each; goal: ray/local <= x{GOAL:g}")
    print(f"{'folder':7s} {'images':>6s} {'local s':>8s} {'ray s':>7s} {'ray/local':>9s} {'goal':>7s}"
          f" {'img/s local':>11s} {'img/s ray':>9s} {'top-1 agree':>11s}"
          f" {'decode ms/img/core':>18s} {'model ms/img':>12s} {'crop bytes':>10s}")  # fmt: skip
    for name, n, times, rates, agree, (decode, model, crop) in results:
        local_s, ray_s = statistics.median(times["local"]), statistics.median(times["ray"])
        ratio = ray_s / local_s
        print(
            f"{name:7s} {n:6d} {local_s:8.1f} {ray_s:7.1f} {'x' + format(ratio, '.2f'):>9s}"
            f" {'met' if ratio <= GOAL else 'MISSED':>7s} {statistics.median(rates['local']):11.1f}"
            f" {statistics.median(rates['ray']):9.1f} {agree:11.2%} {decode:18.2f} {model:12.2f} {crop:10d}"
        )


if __name__ == "__main__":
    main()
