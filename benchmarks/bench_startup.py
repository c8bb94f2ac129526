"""Start-up of the command line, whole processes timed from outside: ``--help``, ``--version`` and ``classify``
of one image with the bundled model, against ``python -c "import torch"`` (the floor of any command that runs
the network).

    python benchmarks/bench_startup.py [--repeats 7] [--before DIR]

``--before DIR`` also times an older tree (e.g. ``git archive COMMIT model coatnet_gui assets | tar -x -C DIR``):
its commands run with DIR as the working directory, so DIR's packages are the ones imported. Runs alternate
between the commands (and trees), so that a machine busy with other work slows them alike; prints the median
wall-clock seconds of each and, with ``--before``, before/after ratios. ``python -X importtime -m coatnet_gui
classify IMAGE`` shows where the remaining time goes.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGE = REPO / "assets" / "samples" / "fashion_bag.png"
COMMANDS = {
    "import torch": ["-c", "import torch"],
    "--version": ["-m", "coatnet_gui", "--version"],
    "--help": ["-m", "coatnet_gui", "--help"],
    "classify one.png": ["-m", "coatnet_gui", "classify", str(IMAGE)],
}


def run_once(args: list[str], cwd: Path) -> float:
    """Return the wall-clock seconds of ``python ARGS`` run in ``cwd``; raises CalledProcessError if it fails."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def main() -> None:
    """Time every command in every tree, round-robin; print medians (and before/after ratios)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", type=Path, help="an older tree holding model/, coatnet_gui/ and assets/")
    args = parser.parse_args()
    trees = {"now": REPO, **({"before": args.before.resolve()} if args.before else {})}
    runs = [(tree, name) for name in COMMANDS for tree in trees if not (tree == "before" and name == "import torch")]
    for tree, name in runs:  # warm the file cache
        run_once(COMMANDS[name], trees[tree])
    samples: dict[tuple[str, str], list[float]] = {run: [] for run in runs}
    for _ in range(args.repeats):
        for tree, name in runs:
            samples[(tree, name)].append(run_once(COMMANDS[name], trees[tree]))
    medians = {run: statistics.median(s) for run, s in samples.items()}
    print(f"median of {args.repeats} whole processes, seconds")
    for name in COMMANDS:
        now = medians[("now", name)]
        line = f"  {name:<18} {now:6.2f}"
        if ("before", name) in medians:
            before = medians[("before", name)]
            line += f"   before {before:6.2f}   {before / now:4.2f}x faster"
        print(line)


if __name__ == "__main__":
    main()
