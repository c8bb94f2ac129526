"""Labelling a folder: our pipeline (``label_folder``) against timm's ``inference.py`` data path, same weights.

    python benchmarks/bench_batch.py [--jpegs 300] [--fmnist 10000] [--keep DIR] [--model bundled] [--processes]

Two folders, written into a temporary folder first (with ``--keep``, into DIR, and reused by later runs):

* ``jpeg``: N synthetic photographs of 12 megapixels (4000 x 3000, every third one portrait), JPEG quality 90:
  gradients, blurred shapes, sharp lines and grain, varied per image; a few MB each, like a phone's photos;
* ``fmnist``: the first N Fashion-MNIST test images as 28 x 28 greyscale PNGs (Debian's dataset-fashion-mnist).

Each folder is labelled with the same weights (``--model``, default the bundled model) by

* the reference, timm's ``inference.py`` data path: timm's MaxxVit built from our config with our weights,
  ``create_dataset`` + ``create_loader`` (2 worker processes and the prefetcher, as there) with the
  checkpoint's preprocessing, once in fp32 and once with its best flags on this CPU (``--amp --amp-dtype
  bfloat16 --channels-last``). Its batch size is ours (``--ref-batch`` sets another, e.g. inference.py's
  default 256: with so few JPEGs that leaves one of the two workers decoding almost all of them);
* ours: ``label_folder`` with ``Classifier(device="auto")``, default batch size and decode threads, journal
  in a temporary file, run in a fresh process so that its peak RSS (VmHWM) is its own; with
  ``--processes`` also with a spawned process pool of as many decode workers instead of threads.

Every model is warmed up on one batch first. Each time is one wall-clock run, from creating the dataset (or
calling ``label_folder``) to the last result. Prints images/s, the ratio of ours to the reference's best, and
top-1 agreement with the reference's fp32 run. Goals: x3 on the JPEGs, x1.2 on Fashion-MNIST with >= 99 %
agreement there.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from functools import partial
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter

from model.batch.journal import read_records
from model.batch.pipeline import BatchSettings, default_batch_size, effective_batch_size, label_folder, open_journal
from model.data.pixels import PreprocessCfg
from model.net.coatnet import CoAtNet
from model.runtime.inference import Classifier
from model.training.fashion_mnist import load_split
from model.weights.loading import load_model

PHOTO_SIZE = (4000, 3000)
REF_WORKERS = 2  # timm inference.py's default
GOALS = {"jpeg": 3.0, "fmnist": 1.2}
AGREEMENT_GOAL = 0.99


# --- The folders -------------------------------------------------------------------------------------------


def grain_fields(rng: np.random.Generator, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Return a fine (per-pixel) and a coarse (blotchy) noise field, ``side`` x ``side``, unit strength."""
    fine = rng.standard_normal((side, side), dtype=np.float32)
    small = Image.fromarray(rng.standard_normal((side // 6, side // 6), dtype=np.float32), "F")
    coarse = np.asarray(small.resize((side, side), Image.Resampling.BICUBIC))
    return fine, coarse


def photo(rng: np.random.Generator, size: tuple[int, int], grain: tuple[np.ndarray, np.ndarray]) -> Image.Image:
    """Return a photograph-like RGB image of ``size``: a lit gradient, soft and sharp shapes, lines, grain."""
    w, h = size
    sw, sh = w // 8, h // 8
    y, x = np.mgrid[0:sh, 0:sw].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = x * np.cos(angle) + y * np.sin(angle)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    c0, c1 = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    cx, cy = rng.uniform(0, sw), rng.uniform(0, sh)
    light = 1 - rng.uniform(0.2, 0.7) * (((x - cx) / sw) ** 2 + ((y - cy) / sh) ** 2)
    base = (c0 + (c1 - c0) * ramp[..., None]) * light[..., None]
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(8, 30)):
        x0, y0 = rng.uniform(-0.2, 1, 2) * (sw, sh)
        dx, dy = rng.uniform(0.05, 0.5, 2) * (sw, sh)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = rng.integers(3)
        if kind == 0:
            draw.ellipse([x0, y0, x0 + dx, y0 + dy], fill=colour)
        elif kind == 1:
            draw.rectangle([x0, y0, x0 + dx, y0 + dy], fill=colour)
        else:
            corners = rng.uniform(0, 1, (rng.integers(3, 7), 2)) * (sw, sh)
            draw.polygon([tuple(p) for p in corners], fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 3))).resize(size, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(20, 80)):
        ends = rng.uniform(0, 1, 4) * (w, h, w, h)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        draw.line([tuple(ends[:2]), tuple(ends[2:])], fill=colour, width=int(rng.integers(1, 6)))
    fine, coarse = grain
    ox, oy = rng.integers(0, fine.shape[0] - max(size), 2)
    noise = rng.uniform(1.5, 5) * fine[oy : oy + h, ox : ox + w] + rng.uniform(0, 12) * coarse[oy : oy + h, ox : ox + w]
    pixels = np.asarray(image).astype(np.float32) + noise[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def write_jpegs(folder: Path, n: int) -> None:
    """Write ``n`` 12-megapixel photograph-like JPEGs (quality 90) into ``folder``."""
    grain = grain_fields(np.random.default_rng(0), max(PHOTO_SIZE) + 64)
    for i in range(n):
        size = PHOTO_SIZE if i % 3 else PHOTO_SIZE[::-1]
        photo(np.random.default_rng([1, i]), size, grain).save(folder / f"photo_{i:04d}.jpg", quality=90)
        if (i + 1) % 50 == 0 or i + 1 == n:
            print(f"  {i + 1}/{n} JPEGs written", flush=True)


def write_fmnist(folder: Path, n: int) -> None:
    """Write the first ``n`` Fashion-MNIST test images into ``folder`` as ``00000.png`` ... (index = name)."""
    images, _ = load_split("test")
    for i, pixels in enumerate(images[:n]):
        Image.fromarray(pixels, "L").save(folder / f"{i:05d}.png")


def folder_of(parent: Path, name: str, n: int, write: Callable[[Path, int], None]) -> Path:
    """Return ``parent/name-n``, writing it with ``write(folder, n)`` unless an earlier run completed it."""
    folder = parent / f"{name}-{n}"
    if not folder.is_dir():
        print(f"writing {folder} ...", flush=True)
        partial_folder = parent / f".{name}-{n}.partial"
        shutil.rmtree(partial_folder, ignore_errors=True)
        partial_folder.mkdir(parents=True)
        write(partial_folder, n)
        partial_folder.rename(folder)
    size = sum(f.stat().st_size for f in folder.iterdir())
    print(f"{folder}: {n} images, {size / 1e6:.0f} MB", flush=True)
    return folder


# --- The reference: timm's inference.py --------------------------------------------------------------------


def timm_twin(net: CoAtNet) -> torch.nn.Module:
    """Return timm's MaxxVit built from ``net``'s config, with ``net``'s weights (the parameter names agree)."""
    import timm  # imported here: timm stays out of our side's process
    from timm.models.maxxvit import MaxxVit, MaxxVitCfg, MaxxVitConvCfg, MaxxVitTransformerCfg

    cfg = net.cfg  # its field names are timm's
    timm_cfg = MaxxVitCfg(
        embed_dim=cfg.embed_dim,
        depths=cfg.depths,
        block_type=cfg.block_type,
        stem_width=cfg.stem_width,
        stem_bias=cfg.stem_bias,
        head_hidden_size=cfg.head_hidden_size,
        conv_cfg=MaxxVitConvCfg(**asdict(cfg.conv_cfg)),
        transformer_cfg=MaxxVitTransformerCfg(**asdict(cfg.transformer_cfg)),
    )
    twin = MaxxVit(timm_cfg, img_size=cfg.img_size, in_chans=cfg.in_chans, num_classes=cfg.num_classes)
    twin.load_state_dict(net.state_dict(), strict=True)
    twin.eval()
    x = torch.randn(4, cfg.in_chans, cfg.img_size, cfg.img_size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        diff = (twin(x) - net(x)).abs().max().item()
    print(f"timm {timm.__version__} twin of {net.name}: max |logit difference| to ours {diff:.1e}", flush=True)
    if diff > 1e-3:
        raise SystemExit("the timm twin does not compute what our network computes")
    return twin


def run_reference(
    model: torch.nn.Module, folder: Path, cfg: PreprocessCfg, batch_size: int, best: bool
) -> tuple[float, dict]:
    """Label ``folder`` as timm's ``inference.py`` does (``best``: bf16 autocast, model in channels_last);
    return ``(seconds, {relative path: top-1 index})``."""
    from timm.data import create_dataset, create_loader

    amp_autocast = partial(torch.autocast, "cpu", dtype=torch.bfloat16) if best else contextlib.nullcontext
    size = (3, *cfg.input_size)
    with torch.inference_mode(), amp_autocast():
        model(torch.zeros(batch_size, *size))
    start = time.perf_counter()
    dataset = create_dataset("", root=str(folder))
    loader = create_loader(
        dataset,
        input_size=size,
        batch_size=batch_size,
        use_prefetcher=True,
        num_workers=REF_WORKERS,
        device=torch.device("cpu"),
        interpolation=cfg.interpolation,
        mean=cfg.mean,
        std=cfg.std,
        crop_pct=cfg.crop_pct,
        crop_mode=cfg.crop_mode,
    )
    top1 = []
    with torch.inference_mode():
        for batch, _ in loader:
            with amp_autocast():
                output = model(batch)
            top1.append(output.softmax(-1).topk(1)[1][:, 0])
    seconds = time.perf_counter() - start
    del loader  # ends its persistent workers
    return seconds, dict(zip(dataset.filenames(), torch.cat(top1).tolist(), strict=True))


# --- Ours --------------------------------------------------------------------------------------------------


def peak_rss() -> float:
    """Return this process's peak resident memory in MiB: Linux's VmHWM, which starts afresh at exec (unlike
    ``ru_maxrss``, which keeps the spawning parent's peak)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def run_ours(source: str, folder: Path, processes: bool) -> tuple[float, dict, float, float, str]:
    """Label ``folder`` with ``label_folder`` (run in a fresh process); return ``(seconds, {relative path: top-1
    index}, peak RSS before the run, peak RSS after it, placement)``, RSS in MiB. ``processes`` replaces the
    decode threads by a spawned process pool of the same size."""
    clf = Classifier(load_model(source))
    settings = BatchSettings()
    height, width = clf.preprocess_cfg.input_size
    clf.probabilities(torch.zeros(effective_batch_size(clf, settings), 3, height, width))
    workers = settings.workers or os.cpu_count() or 1
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context) if processes else contextlib.nullcontext()
    rss_before = peak_rss()
    with tempfile.TemporaryDirectory() as tmp:
        with open_journal(Path(tmp) / "run.jsonl.journal", clf, folder, settings) as journal, pool as executor:
            start = time.perf_counter()
            label_folder(clf, folder, journal, settings, executor=executor)
            seconds = time.perf_counter() - start
        top1 = {r["path"]: r["indices"][0] for r in read_records(journal.path)}
    rss_peak = peak_rss()
    return seconds, top1, rss_before, rss_peak, f"{clf.placement.device} {clf.placement.precision}"


def in_fresh_process(fn, *args):
    """Return ``fn(*args)`` computed in a newly spawned Python process."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


# --- The comparison ----------------------------------------------------------------------------------------


def agreement(top1: dict, reference: dict) -> float:
    """Return the fraction of ``reference``'s images whose top-1 class ``top1`` shares."""
    return sum(top1.get(name) == index for name, index in reference.items()) / len(reference)


def measure(name: str, folder: Path, args: argparse.Namespace, cfg: PreprocessCfg, twins: dict) -> tuple:
    """Label ``folder`` with both reference runs and ours (``args``: the command line), printing each as it
    ends; return ``(images, {run: images/s}, {run: top-1 agreement with the reference's fp32 run})``."""
    n = sum(1 for _ in folder.iterdir())
    rates, top1 = {}, {}
    for key, model in twins.items():
        seconds, top1[key] = run_reference(model, folder, cfg, args.ref_batch, best=key != "fp32")
        rates[key] = n / seconds
        print(f"{name}: reference {key}: {seconds:.1f} s, {rates[key]:.1f} img/s", flush=True)
    seconds, top1["ours"], rss_before, rss_peak, placement = in_fresh_process(run_ours, args.model, folder, False)
    rates["ours"] = n / seconds
    print(
        f"{name}: ours ({placement}): {seconds:.1f} s, {rates['ours']:.1f} img/s; peak RSS of its process "
        f"{rss_peak:.0f} MiB ({rss_before:.0f} MiB with the model loaded, before the run)",
        flush=True,
    )
    if args.processes:
        seconds, top1["processes"], *_ = in_fresh_process(run_ours, args.model, folder, True)
        rates["processes"] = n / seconds
        print(f"{name}: ours with a process pool: {seconds:.1f} s, {rates['processes']:.1f} img/s", flush=True)
    agree = {key: agreement(found, top1["fp32"]) for key, found in top1.items() if key != "fp32"}
    print(
        f"{name}: top-1 agreement with the reference's fp32 run: {', '.join(f'{k} {v:.2%}' for k, v in agree.items())}"
    )
    if name == "fmnist":
        _, labels = load_split("test")
        accuracy = {k: np.mean([labels[int(Path(p).stem)] == i for p, i in t.items()]) for k, t in top1.items()}
        print(f"{name}: accuracy on the true labels: {', '.join(f'{k} {v:.2%}' for k, v in accuracy.items())}")
    return n, rates, agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jpegs", type=int, default=300, help="12-megapixel JPEGs in the first folder")
    parser.add_argument("--fmnist", type=int, default=10000, help="Fashion-MNIST PNGs in the second folder")
    parser.add_argument("--keep", metavar="DIR", help="write the folders here and reuse them in later runs")
    parser.add_argument("--model", default="bundled", help="weights for both sides (default: the bundled model)")
    parser.add_argument("--processes", action="store_true", help="also run ours with a process pool")
    parser.add_argument("--ref-batch", type=int, default=0, help="reference batch size (default: ours)")
    args = parser.parse_args()

    loaded = load_model(args.model)
    cfg = loaded.info.preprocess
    args.ref_batch = args.ref_batch or default_batch_size(cfg.input_size[1])
    print(f"model {loaded.info.name}: {cfg}; reference batch {args.ref_batch}")
    print(f"{os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads")
    twin = timm_twin(loaded.net)
    twins = {"fp32": twin, "bf16+CL": copy.deepcopy(twin).to(memory_format=torch.channels_last)}
    results = {}
    with contextlib.ExitStack() as stack:
        parent = Path(args.keep) if args.keep else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        for name, n, write in (("jpeg", args.jpegs, write_jpegs), ("fmnist", args.fmnist, write_fmnist)):
            folder = folder_of(parent, name, n, write)
            results[name] = measure(name, folder, args, cfg, twins)

    runs = ["fp32", "bf16+CL", "ours", *(["processes"] if args.processes else [])]
    print("\nimages/s, one run each; agreement: top-1 of ours vs the reference's fp32 run")
    print(f"{'folder':8s} {'images':>6s} " + " ".join(f"{r:>9s}" for r in runs) + "  ours/ref best  goal   agreement")
    for name, (n, rates, agree) in results.items():
        ratio = rates["ours"] / max(rates["fp32"], rates["bf16+CL"])
        goal = f"x{GOALS[name]:g} {'met' if ratio >= GOALS[name] else 'MISSED'}"
        line = f"{name:8s} {n:6d} " + " ".join(f"{rates[r]:9.1f}" for r in runs)
        line += f"  {'x' + format(ratio, '.2f'):>13s}  {goal:11s} {agree['ours']:.2%}"
        if name == "fmnist":
            line += f" (goal {AGREEMENT_GOAL:.0%}: {'met' if agree['ours'] >= AGREEMENT_GOAL else 'MISSED'})"
        print(line)


if __name__ == "__main__":
    main()
