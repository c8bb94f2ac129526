"""Near-duplicate detection (model/audit/duplicates.py) on real images with planted copies: recall per kind of
copy and the share of reported groups that are false.

    python benchmarks/bench_duplicates.py [--work DIR] [--images 10000] [--copies 350]

Images: the 10,000 Fashion-MNIST test images of Debian's ``dataset-fashion-mnist``, plus the real photographs
that ship inside scikit-image (``skimage/data``: CC0 or public domain, as its docstrings say) and scikit-learn
(``china.jpg``, ``flower.jpg``: CC BY 2.0), when installed (``pip install scikit-image``; test and benchmark
only, never shipped). ``--copies`` Fashion-MNIST images get one planted copy each and every photograph one of
each kind: renamed (same bytes), JPEG quality 70, resized to 90 %, resized + JPEG, cropped 1-5 % off one edge
(at least one pixel), cropped + JPEG, cropped one pixel all round. The files are written, then read back the way
the audit reads them (SHA-256, 32 px thumbnails) and grouped by ``find_groups``, which is what the audit's
duplicate phase runs (the network's features play no part in it).

Recall: a copy in its original's group. False groups: reported groups whose images are copies of two or more
different originals (pixel-identical originals are counted apart: those are real duplicates in the data set).
Fashion-MNIST holds many distinct photographs of near-identical products, so false groups are measured here,
not assumed away. Time: the grouping against the first pass alone (no lining up of crops) in the same run.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_audit import cpu_name, write_images  # noqa: E402

from model.audit import duplicates  # noqa: E402
from model.audit.fingerprint import thumbnail_file  # noqa: E402
from model.features import file_digest  # noqa: E402
from model.training.fashion_mnist import load_split  # noqa: E402

KINDS = ("renamed", "jpeg70", "resized90", "resized90+jpeg70", "cropped", "cropped+jpeg70", "cropped1px")
TEXTURES = {"brick.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "microaneurysms.png"}
SKIMAGE_PHOTOS = (
    "astronaut.png camera.png coffee.png chelsea.png rocket.jpg coins.png moon.png motorcycle_left.png "
    "motorcycle_right.png retina.jpg horse.png color.png page.png text.png cell.png clock_motion.png "
    "brick.png grass.png gravel.png hubble_deep_field.jpg microaneurysms.png"
).split()


def photographs() -> list[Path]:
    """Return the real photographs shipped inside scikit-image and scikit-learn, where installed."""
    found = []
    try:
        import skimage.data

        found += [Path(skimage.data.__path__[0]) / n for n in SKIMAGE_PHOTOS]
    except ImportError:
        print("scikit-image is not installed: its photographs are left out (pip install scikit-image)")
    try:
        import sklearn.datasets

        folder = Path(sklearn.datasets.__path__[0]) / "images"
        found += [folder / "china.jpg", folder / "flower.jpg"]
    except ImportError:
        print("scikit-learn is not installed: its photographs are left out")
    return [p for p in found if p.is_file()]


def copy_bytes(image: Image.Image, kind: str, rng: np.random.Generator) -> bytes:
    """Return the encoded bytes of a planted copy of ``image`` of ``kind`` (one of :data:`KINDS` but renamed)."""
    out = io.BytesIO()
    w, h = image.size
    if kind.startswith("resized90"):
        image = image.resize((round(w * 0.9), round(h * 0.9)), Image.Resampling.BICUBIC)
    elif kind.startswith("cropped") and kind != "cropped1px":
        share, edge = rng.uniform(0.01, 0.05), int(rng.integers(4))
        dx, dy = max(1, round(share * w)), max(1, round(share * h))
        image = image.crop([(dx, 0, w, h), (0, 0, w - dx, h), (0, dy, w, h), (0, 0, w, h - dy)][edge])
    elif kind == "cropped1px":
        image = image.crop((1, 1, w - 1, h - 1))
    if kind.endswith("jpeg70"):
        image.convert("RGB").save(out, "JPEG", quality=70)
    else:
        image.save(out, "PNG")
    return out.getvalue()


def plant(folder: Path, originals: list[Path], fm_count: int, copies: int, seed: int) -> dict[str, tuple[str, str]]:
    """Write planted copies into ``folder``; return ``{copy name: (original name, kind)}``."""
    rng = np.random.default_rng(seed)
    planted = {}
    jobs = [(i, KINDS[n % len(KINDS)]) for n, i in enumerate(rng.choice(fm_count, copies, replace=False))]
    jobs += [(i, kind) for i in range(fm_count, len(originals)) for kind in KINDS]
    for n, (i, kind) in enumerate(jobs):
        name = f"copy{n:04d}" + (".jpg" if "jpeg" in kind else originals[i].suffix)
        if kind == "renamed":
            shutil.copy(originals[i], folder / name)
        else:
            with Image.open(originals[i]) as image:
                (folder / name).write_bytes(copy_bytes(image, kind, rng))
        planted[name] = (originals[i].name, kind)
    return planted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "coatnet-bench-dups")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--copies", type=int, default=350)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(f"CPU: {cpu_name()}; load average {os.getloadavg()[0]:.1f}")
    images, _ = load_split("test")
    fm_folder = args.work / "fmnist"
    fm_names = write_images(fm_folder, images[: args.images])
    folder = args.work / "set"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    originals = [fm_folder / n for n in fm_names]
    photos = photographs()
    for p in photos:
        shutil.copy(p, folder / p.name)
    originals += [folder / p.name for p in photos]
    for f in originals[: len(fm_names)]:
        os.link(f, folder / f.name)  # the originals are in the set too (hard links: no second copy on disk)
    planted = plant(folder, originals, len(fm_names), args.copies, args.seed)
    names = sorted(p.name for p in folder.iterdir())
    start = time.perf_counter()
    digests = [file_digest(folder / n) for n in names]
    thumbs = np.stack([thumbnail_file(folder / n) for n in names])
    print(f"{len(names)} images ({len(photos)} photographs, {len(planted)} planted copies): "
          f"hashes and thumbnails {time.perf_counter() - start:.1f} s")  # fmt: skip
    given = [""] * len(names)
    timings = {}
    for label, min_coarse in (("first pass only", 2.0), ("both passes", duplicates.MIN_COARSE)):
        saved, duplicates.MIN_COARSE = duplicates.MIN_COARSE, min_coarse
        start = time.perf_counter()
        groups = duplicates.find_groups(digests, thumbs, given)
        timings[label] = time.perf_counter() - start
        duplicates.MIN_COARSE = saved
    print(f"grouping: {timings['both passes']:.2f} s ({timings['first pass only']:.2f} s for the first pass alone, "
          f"x{timings['both passes'] / timings['first pass only']:.1f})")  # fmt: skip
    report(names, groups.group, planted, photos, thumbs, len(fm_names))
    return 0


def report(names, group, planted, photos, thumbs, fm_count) -> None:
    """Print recall per kind and per set, and the false groups."""
    at = {n: k for k, n in enumerate(names)}
    hit = {c: bool(group[at[c]]) and group[at[c]] == group[at[o]] for c, (o, _) in planted.items()}
    photo_names = {p.name for p in photos}
    sets = {
        "Fashion-MNIST": lambda o: o not in photo_names,
        "photographs": lambda o: o in photo_names and o not in TEXTURES,
        "textures and star fields": lambda o: o in TEXTURES,
    }
    for title, member in sets.items():
        chosen = [c for c, (o, _) in planted.items() if member(o)]
        if not chosen:
            continue
        per_kind = ", ".join(
            f"{k} {sum(hit[c] for c in chosen if planted[c][1] == k)}/{sum(planted[c][1] == k for c in chosen)}"
            for k in KINDS
        )
        print(f"{title}: recall {np.mean([hit[c] for c in chosen]):.3f} ({per_kind})")
    everything = [hit[c] for c, (o, _) in planted.items() if o not in TEXTURES]
    print(f"all but textures: recall {np.mean(everything):.3f} ({sum(everything)} of {len(everything)})")
    source = {c: o for c, (o, _) in planted.items()}
    members: dict[int, list[str]] = {}
    for n in names:
        if group[at[n]]:
            members.setdefault(int(group[at[n]]), []).append(n)
    false = [m for m in members.values() if len({source.get(n, n) for n in m}) > 1]
    identical = [m for m in false if len({thumbs[at[source.get(n, n)]].tobytes() for n in m}) == 1]
    print(
        f"reported groups {len(members)}: {len(false)} false ({len(false) / max(1, len(members)):.1%}), of them "
        f"{len(identical)} of pixel-identical originals; false groups: "
        + "; ".join(" + ".join(sorted({source.get(n, n) for n in m})) for m in false[:12])
    )


if __name__ == "__main__":
    sys.exit(main())
