"""Sanity of every kind of map (Adebayo et al. 2018) on real images, and what the check costs.

    python benchmarks/bench_sanity.py [--images 100] [--repeats 3] [--timing-config coatnet_0_rw_224]

1. The bundled model on ``--images`` real Fashion-MNIST test images (tests/data/fmnist_test_slice): per kind of map,
   the Spearman correlation and the SSIMs with the original map after full randomisation (head → stem), mean and
   standard deviation over the images, the random-logit similarity, and the share of images flagged "insensitive to
   the model". A kind passes when its mean Spearman after full randomisation is at most the threshold (0.5).
2. Time of one image's check, all kinds, as a ratio to one explanation (the capturing forward pass and one map of
   each kind, what the window computes to show them), measured interleaved in the same run; on the bundled model
   and on ``--timing-config`` with random weights. Goal: at most 10x.

On the CPU, fp32 (the sanity check runs the copy in fp32, as explanations do). Medians are printed: on a loaded
machine the ratio, not the seconds, is the figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmarks' shared timing helper
from _machine import cpu_name  # noqa: E402
from _timing import interleaved_samples  # noqa: E402

from model import create_model
from model.choices import EXPLAIN_KINDS
from model.data.decode import load_image
from model.data.pixels import DEFAULT_PREPROCESS, PreprocessCfg
from model.explain.maps import compute_overlay, map_kind_spec
from model.explain.sanity import THRESHOLD, sanity_check
from model.runtime.inference import Classifier
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel, load_model

SLICE = Path(__file__).resolve().parent.parent / "tests" / "data" / "fmnist_test_slice"
GOAL = 10.0


def random_classifier(config: str) -> Classifier:
    """Return a CPU :class:`Classifier` of ``config`` with random weights (seed 0)."""
    torch.manual_seed(0)
    net = create_model(config).eval()
    size = net.cfg.img_size
    preprocess = PreprocessCfg(input_size=(size, size), crop_pct=DEFAULT_PREPROCESS.crop_pct)
    names = [f"class {i}" for i in range(net.cfg.num_classes)]
    info = ModelInfo(config, config, "file", "random init", net.cfg.num_classes, names, "random", preprocess)
    return Classifier(LoadedModel(net, info), device="cpu")


def one_explanation(clf: Classifier, image) -> None:
    """What the window computes to show every kind once: the capturing pass and one map of each kind."""
    explanation = clf.explain(image)
    for kind in EXPLAIN_KINDS:
        compute_overlay(explanation, map_kind_spec(kind), (1, 1), clf.label_names)


def similarity_table(clf: Classifier, images: list) -> None:
    """Print per kind the similarity after full randomisation over ``images``, and which kinds pass."""
    finals: dict[str, list] = {}
    logits: dict[str, list[float]] = {}
    for i, image in enumerate(images):
        report = sanity_check(clf, image)
        for name, kind in report.kinds.items():
            finals.setdefault(name, []).append(kind.final)
            logits.setdefault(name, []).append(kind.random_logit.spearman)
        if (i + 1) % 10 == 0:
            print(f"  {i + 1}/{len(images)} images", file=sys.stderr, flush=True)
    print(f"\nbundled model, {len(images)} real Fashion-MNIST test images, after full randomisation (head → stem):")
    print(
        f"{'kind':12s} {'Spearman':>15s} {'SSIM':>15s} {'SSIM |map|':>15s} {'flagged':>8s} {'other class':>12s}"
        "  verdict"
    )
    for name, values in finals.items():
        rho = np.array([v.spearman for v in values])
        ssim = np.array([v.ssim for v in values])
        ssim_abs = np.array([v.ssim_abs for v in values])
        flagged = float(np.mean(rho > THRESHOLD))
        verdict = "passes" if rho.mean() <= THRESHOLD else "INSENSITIVE TO THE MODEL"
        print(
            f"{name:12s} {rho.mean():7.3f} ± {rho.std():5.3f} {ssim.mean():7.3f} ± {ssim.std():5.3f} "
            f"{ssim_abs.mean():7.3f} ± {ssim_abs.std():5.3f} {flagged:7.0%} {np.mean(logits[name]):12.3f}  {verdict}"
        )


def timing(clf: Classifier, image, label: str, repeats: int) -> None:
    """Print the time of one image's check (all kinds) against one explanation, and the ratio."""
    runs = {"explanation": lambda: one_explanation(clf, image), "sanity": lambda: sanity_check(clf, image)}
    samples = interleaved_samples(runs, repeats)
    median = {name: statistics.median(s) for name, s in samples.items()}
    ratio = median["sanity"] / median["explanation"]
    print(
        f"{label}: one explanation {median['explanation'] * 1000:.0f} ms, sanity check (all kinds) "
        f"{median['sanity'] * 1000:.0f} ms: {ratio:.1f}x (goal <= {GOAL:g}x: {'met' if ratio <= GOAL else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timing-config", default="coatnet_0_rw_224", help="'' to skip the larger model")
    args = parser.parse_args()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    print(f"{cpu_name()}, fp32, {torch.get_num_threads()} threads, load average {load}")
    clf = Classifier(load_model("bundled"), device="cpu")
    files = sorted(SLICE.glob("*.png"))[: args.images]
    images = [load_image(f) for f in files]
    timing(clf, images[0], "bundled coatnet_fmnist_96", args.repeats)
    if args.timing_config:
        big = random_classifier(args.timing_config)
        size = big.net.cfg.img_size
        picture = images[0].resize((size, size))
        timing(big, picture, f"{args.timing_config} (random weights)", args.repeats)
    similarity_table(clf, images)


if __name__ == "__main__":
    main()
