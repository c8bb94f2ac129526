"""Faithfulness cost: deletion + insertion curves of one map against one batched forward pass of 16 images.

    python benchmarks/bench_faithfulness.py [--config coatnet_0_rw_224] [--steps 16] [--repeats 5]

On the CPU, in the placement's precision (as the window runs it), with random-init weights of the config (the cost
does not depend on the weights). The map's curves reuse the probabilities of the forward pass the window made
already; the random baseline is timed separately (the window computes it once per image and class). Goal: the
map's deletion + insertion at most 2x the 16-image pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians  # noqa: E402

from model import create_model  # noqa: E402
from model.data.transform import DEFAULT_PREPROCESS, PreprocessCfg  # noqa: E402
from model.explain.faithfulness import faithfulness  # noqa: E402
from model.runtime.inference import Classifier  # noqa: E402
from model.weights.loading import LoadedModel, ModelInfo  # noqa: E402

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
    runs = {
        "forward_16": lambda: clf.probabilities(batch),
        "map": lambda: faithfulness(clf, x, grid_map, cls, args.steps, baseline=False, probs=probs),
        "map_and_random": lambda: faithfulness(clf, x, grid_map, cls, args.steps, probs=probs),
    }
    times = interleaved_medians(runs, args.repeats, warmup=1)
    p = clf.placement
    base = times["forward_16"]
    ratio = times["map"] / base
    print(
        f"{args.config}, CPU {p.precision}, {torch.get_num_threads()} threads, {args.steps} steps, "
        f"median of {args.repeats}"
    )
    print(f"one forward pass of 16 images:       {base * 1000:8.1f} ms")
    print(
        f"deletion + insertion of the map:     {times['map'] * 1000:8.1f} ms  ratio {ratio:.2f}x "
        f"(goal <= {GOAL:g}x: {'met' if ratio <= GOAL else 'MISSED'})"
    )
    print(
        f"... and of the random baseline too:  {times['map_and_random'] * 1000:8.1f} ms  "
        f"ratio {times['map_and_random'] / base:.2f}x"
    )


if __name__ == "__main__":
    main()
