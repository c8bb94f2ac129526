"""Memory of ``label --maps``: the process RSS after 1,000 and after 10,000 images stays flat (goal: < 10 % growth).

    python benchmarks/bench_maps.py [--images 10000] [--map gradcam] [--steps 4] [--device cpu]

Labels a folder of Fashion-MNIST PNGs (copies of tests/data/fmnist_test_slice, in a temporary folder) with the
bundled model through the batch pipeline (decode threads, model lanes, journal), saving a map, an overlay and a
deletion score per image, and prints the RSS as the run goes. ``--steps`` sets the deletion steps (fewer steps
only make the run shorter: the perturbed images of a batch are freed with it either way).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.batch.progress import BatchProgress
from model.choices import MAP_KINDS
from model.explain.folder_maps import MapSettings, MapStep, resolve_block
from model.runtime.inference import Classifier
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parent.parent / "tests" / "data" / "fmnist_test_slice"
GOAL = 0.10
FIRST = 1000


def rss_mb() -> float:
    """Return this process's resident set size in MB (Linux: /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def fill(folder: Path, count: int) -> None:
    """Write ``count`` PNGs into ``folder``: copies of the test slice, renamed."""
    sources = sorted(SLICE.glob("*.png"))
    for i in range(count):
        shutil.copyfile(sources[i % len(sources)], folder / f"{i:06d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--map", choices=tuple(MAP_KINDS), default="gradcam")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    clf = Classifier(load_model("bundled"), device=args.device)
    with tempfile.TemporaryDirectory(prefix="bench_maps_") as tmp:
        images, maps = Path(tmp) / "images", Path(tmp) / "maps"
        images.mkdir()
        fill(images, args.images)
        block = resolve_block(clf.net, args.map)
        settings = BatchSettings(step=MapStep(MapSettings(str(maps), args.map, block.name, args.steps)))
        marks: dict[int, float] = {}
        start = time.perf_counter()

        def watch(_records: list[dict], progress: BatchProgress) -> None:
            for mark in (FIRST, *range(2000, args.images + 1, 2000)):
                if progress.done >= mark and mark not in marks:
                    marks[mark] = rss_mb()
                    print(f"{progress.done:6d} images  RSS {marks[mark]:7.1f} MB  {time.perf_counter() - start:6.0f} s")

        with open_journal(Path(tmp) / "run.journal", clf, images, settings) as journal:
            progress = label_folder(clf, images, journal, settings, on_chunk=watch)
        end = rss_mb()
        saved = len(list(maps.glob("*.png")))
    p = clf.placement
    print(
        f"{args.map} at {block.name}, {args.steps} deletion steps, {p.device} {p.precision}: {progress.done} images "
        f"({progress.failed} failed, {saved} overlays) in {progress.seconds:.0f} s, {progress.rate:.1f} images/s"
    )
    if FIRST in marks:
        growth = end / marks[FIRST] - 1
        verdict = "met" if growth < GOAL else "MISSED"
        print(
            f"RSS after {FIRST}: {marks[FIRST]:.1f} MB, after {progress.done}: {end:.1f} MB, growth {growth:+.1%} "
            f"(goal < {GOAL:.0%}: {verdict})"
        )


if __name__ == "__main__":
    main()
