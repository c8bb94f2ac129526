"""Faithfulness cost: deletion + insertion curves of one map against one batched forward pass of 16 images.

    python benchmarks/bench_faithfulness.py [--config coatnet_0_rw_224] [--steps 16] [--repeats 5]

On the CPU, in the placement's precision (as the window runs it), with random-init weights of the config (the cost
does not depend on the weights). The map's curves reuse the probabilities of the forward pass the window made
already. Also timed: the same number of images through the model alone (what the curves cannot do without:
``2 * steps - 1`` images, in passes of ``steps``), and the map's curves with the random baseline's. Goal: the
map's deletion + insertion at most 2x the 16-image pass. Medians and best runs are printed: on a loaded machine
the best runs show the cost itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benchmarks' shared timing helper
from _timing import interleaved_samples  # noqa: E402

from model import create_model
from model.data.pixels import DEFAULT_PREPROCESS, PreprocessCfg
from model.explain.faithfulness import faithfulness
from model.runtime.inference import Classifier
from model.weights.info import ModelInfo
from model.weights.loading import LoadedModel

GOAL = 2.0


def random_classifier(config: str) -> Classifier:
    """Return a CPU :class:`Classifier` of ``config`` with random weights (seed 0)."""
    torch.manual_seed(0)
    net = create_model(config).eval()
    size = net.cfg.img_size
    preprocess = PreprocessCfg(input_size=(size, size), crop_pct=DEFAULT_PREPROCESS.crop_pct)
    info = ModelInfo(config, config, "file", "random init", net.cfg.num_classes, [], "random", preprocess)
    return Classifier(LoadedModel(net, info), device="cpu")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="coatnet_0_rw_224")
    parser.add_argument("--steps", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    clf = random_classifier(args.config)
    size = clf.net.cfg.img_size
    batch = torch.randn(16, 3, size, size, generator=torch.Generator().manual_seed(0))
    x = batch[0]
    probs = clf.probabilities(x[None])[0]
    grid_map = torch.rand(size // 16, size // 16, generator=torch.Generator().manual_seed(1))
    cls = int(probs.argmax())
    perturbed = torch.randn(2 * args.steps - 1, 3, size, size, generator=torch.Generator().manual_seed(2))
    runs = {
        "forward_16": lambda: clf.probabilities(batch),
        "map": lambda: faithfulness(clf, x, grid_map, cls, args.steps, baseline=False, probs=probs),
        "passes_only": lambda: [clf.probabilities(part) for part in perturbed.split(args.steps)],
        "map_and_random": lambda: faithfulness(clf, x, grid_map, cls, args.steps, probs=probs),
    }
    samples = interleaved_samples(runs, args.repeats)
    median = {name: statistics.median(s) for name, s in samples.items()}
    best = {name: min(s) for name, s in samples.items()}
    p = clf.placement
    ratio = median["map"] / median["forward_16"]
    threads = torch.get_num_threads()
    print(f"{args.config}, CPU {p.precision}, {threads} threads, {args.steps} steps, {args.repeats} repeats")
    print(f"{'':44s} {'median':>9s} {'ratio':>6s} {'best':>9s} {'ratio':>6s}")
    labels = {
        "forward_16": "one forward pass of 16 images",
        "map": "deletion + insertion of the map",
        "passes_only": f"its {2 * args.steps - 1} images through the model alone",
        "map_and_random": "the map's and the random baseline's",
    }
    for name, label in labels.items():
        print(
            f"{label:44s} {median[name] * 1000:7.0f}ms {median[name] / median['forward_16']:5.2f}x "
            f"{best[name] * 1000:7.0f}ms {best[name] / best['forward_16']:5.2f}x"
        )
    print(f"goal: deletion + insertion <= {GOAL:g}x the 16-image pass (median): {'met' if ratio <= GOAL else 'MISSED'}")


if __name__ == "__main__":
    main()
