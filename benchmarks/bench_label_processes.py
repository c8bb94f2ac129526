"""Labelling a folder of 12-megapixel JPEGs, whole processes timed from outside (start-up included):
``coatnet-gui label`` against timm's inference path, same weights.

    python benchmarks/bench_label_processes.py [--jpegs 64] [--repeats 3] [--keep DIR] [--config coatnet_0_rw_224]

The folder (written by ``bench_batch.write_jpegs``; with ``--keep`` into DIR and reused) and a checkpoint of
seeded random weights (nothing is downloaded; the speed does not depend on the values) are shared by both:

* ours: ``python -m coatnet_gui label FOLDER --model CHECKPOINT --out results.csv`` (its defaults: the automatic
  runtime, its batch size and decode threads; the untimed first run exports the model and leaves its card, so with
  OpenVINO installed the timed runs run the cached export without importing torch: model.runtime.export_card);
* the reference: one process doing what timm's ``inference.py`` does with its best flags on this CPU (``--amp
  --amp-dtype bfloat16 --channels-last``, its 2 loader workers, our batch size): ``timm.create_model`` with the
  checkpoint, ``resolve_data_config``, ``create_dataset`` + ``create_loader``, the top-5 of every image written
  to a CSV.

Runs alternate between the sides, so that a machine busy with other work slows both alike; prints every run,
the medians and ours/reference. Goal: x3 (issue 22).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import folder_of, write_jpegs  # noqa: E402

from model.batch.pipeline import default_batch_size  # noqa: E402
from model.net.coatnet import create_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
GOAL = 3.0  # issue 22: whole-process labelling of 12-MP photos with coatnet_0
REFERENCE = """
import csv, sys
import torch, timm
from timm.data import create_dataset, create_loader, resolve_data_config

folder, checkpoint, config, batch_size, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
model = timm.create_model(config, checkpoint_path=checkpoint).eval().to(memory_format=torch.channels_last)
data_config = resolve_data_config(model=model)
dataset = create_dataset("", root=folder)
loader = create_loader(
    dataset, batch_size=batch_size, use_prefetcher=True, num_workers=2, device=torch.device("cpu"), **data_config
)
indices, probs = [], []
with torch.inference_mode():
    for batch, _ in loader:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            output = model(batch)
        top = output.float().softmax(-1).topk(5)
        indices.append(top.indices)
        probs.append(top.values)
with open(out, "w", newline="") as f:
    writer = csv.writer(f)
    for name, i, p in zip(dataset.filenames(basename=True), torch.cat(indices).tolist(), torch.cat(probs).tolist()):
        writer.writerow([name, *i, *p])
"""


def timed(command: list[str]) -> float:
    """Return the wall-clock seconds of ``command`` (run in the repository); raises if it fails."""
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def top1_agreement(ours_csv: Path, timm_csv: Path) -> float:
    """Return the fraction of images whose top-1 class is the same in our export and the reference's CSV."""
    with ours_csv.open(newline="", encoding="utf-8") as f:
        ours = {Path(row["path"]).name: row["index"] for row in csv.DictReader(f)}
    with timm_csv.open(newline="") as f:
        timm = {row[0]: row[1] for row in csv.reader(f)}
    return sum(ours.get(name) == index for name, index in timm.items()) / len(timm)


def main() -> None:
    """Prepare the folder and the checkpoint, time both sides alternately, print runs, medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpegs", type=int, default=64, help="12-megapixel JPEGs in the folder")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side")
    parser.add_argument("--keep", metavar="DIR", help="write the folder here and reuse it in later runs")
    parser.add_argument("--config", default="coatnet_0_rw_224")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        parent = Path(args.keep) if args.keep else tmp
        folder = folder_of(parent, "jpeg", args.jpegs, write_jpegs)
        weights = tmp / args.config / "model.safetensors"  # the folder name tells our loader the config
        weights.parent.mkdir()
        torch.manual_seed(0)
        net = create_model(args.config)
        save_file(net.state_dict(), weights)
        batch = default_batch_size(net.cfg.img_size)
        sides = {
            "ours": [sys.executable, "-m", "coatnet_gui", "label", str(folder), "--model", str(weights.parent)]
            + ["--out", str(tmp / "ours.csv")],
            "timm": [sys.executable, "-c", REFERENCE, str(folder), str(weights), args.config, str(batch)]
            + [str(tmp / "timm.csv")],
        }
        for command in sides.values():  # warms the file cache; not timed
            timed(command)
        samples: dict[str, list[float]] = {side: [] for side in sides}
        for run in range(args.repeats):
            for side, command in sides.items():
                samples[side].append(timed(command))
                print(f"run {run + 1} {side}: {samples[side][-1]:.2f} s", flush=True)
        agreement = top1_agreement(tmp / "ours.csv", tmp / "timm.csv")
    ours, timm = statistics.median(samples["ours"]), statistics.median(samples["timm"])
    n = args.jpegs
    print(f"\n{n} JPEGs of 12 MP, {args.config}, whole processes, median of {args.repeats}:")
    print(f"  ours {ours:.2f} s ({n / ours:.1f} img/s), timm's inference path {timm:.2f} s ({n / timm:.1f} img/s)")
    print(f"  ours/timm x{timm / ours:.2f} (goal x{GOAL:g}: {'met' if timm / ours >= GOAL else 'MISSED'})")
    print(f"  top-1 agreement of ours (bf16, reduced-size JPEG decode) with timm's (bf16): {agreement:.1%}")


if __name__ == "__main__":
    main()
