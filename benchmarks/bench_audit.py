"""The audit (model/audit) on real images: the 10,000 Fashion-MNIST test images of Debian's
``dataset-fashion-mnist`` (``apt-get install dataset-fashion-mnist``), the bundled model as base.

    python benchmarks/bench_audit.py [--work DIR] [--images 10000] [--flip 0.1] [--copies 300]

Labels: the images are written as PNGs with a ``label``-style CSV in which ``--flip`` of the labels are moved
to another class (seeded). The audit runs twice, the second time with the features cached (the figure of the
goal: under 10 s for 10,000 images on 2 cores), and reports precision@k of the suspect ranking (k = the number
of flipped labels; goal >= 0.90), beside cleanlab's rankings on the same out-of-fold probabilities, and the
agreement of the confident-learning issue set with cleanlab's ``filter_by="confident_learning"``. cleanlab
(AGPL-3.0) is an oracle here only: ``pip install cleanlab``; without it the comparison is left out.

Duplicates: ``--copies`` images get a planted copy each, in turn renamed (same bytes), re-encoded as JPEG
quality 70, resized to 90 %, and resized + JPEG; plus, reported apart, copies cropped by one pixel a side. Recall
(the copy in its original's group; goal >= 0.95) and false groups (groups without a planted pair; goal <= 5 %).
Outliers: 40 foreign images (UCI digits from tests/data/digits, random noise) among them: how many are flagged,
and how many Fashion-MNIST images are.
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

from _machine import cpu_name  # noqa: E402

from model.audit import (  # noqa: E402
    AuditSettings,
    audit,
    confident,  # noqa: E402
    read_audit_set,
)
from model.training.fashion_mnist import load_split  # noqa: E402
from model.weights.labels import FASHION_MNIST_CLASSES as CLASSES  # noqa: E402
from model.weights.loading import load_model  # noqa: E402

DIGITS = REPO / "tests" / "data" / "digits"


def write_images(folder: Path, images: np.ndarray) -> list[str]:
    """Write ``images`` as ``00000.png`` ... into ``folder`` (kept between runs); return the file names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{i:05d}.png" for i in range(len(images))]
    for name, image in zip(names, images, strict=True):
        if not (folder / name).exists():
            Image.fromarray(image).save(folder / name)
    return names


def write_table(path: Path, names: list[str], labels: np.ndarray) -> None:
    """Write a ``label``-style CSV (``path,label``)."""
    path.write_text("path,label\n" + "".join(f"{n},{CLASSES[c]}\n" for n, c in zip(names, labels, strict=True)))


def flipped(true: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Return ``true`` with ``share`` of the labels moved to another class, chosen at random."""
    rng = np.random.default_rng(seed)
    given = true.copy()
    flip = rng.choice(len(true), round(share * len(true)), replace=False)
    given[flip] = (true[flip] + rng.integers(1, len(CLASSES), len(flip))) % len(CLASSES)
    return given


def precision_at_k(order: np.ndarray, wrong: np.ndarray) -> float:
    """Return the share of wrong labels among the first ``k`` of ``order`` (k = the number of wrong labels)."""
    k = int(wrong.sum())
    return float(wrong[order[:k]].mean())


def bench_labels(args: argparse.Namespace, loaded, settings: AuditSettings) -> None:
    images, true = load_split("test")
    images, true = images[: args.images], true[: args.images]
    folder = args.work / "images"
    names = write_images(folder, images)
    given = flipped(true, args.flip, seed=0)
    table = args.work / "flipped.csv"
    write_table(table, names, given)
    data = read_audit_set(folder, labels=table)
    for run in (1, 2):  # the first computes the features unless an earlier run cached them
        start = time.perf_counter()
        result = audit(read_audit_set(folder, labels=table), loaded, settings)
        seconds = time.perf_counter() - start
        phases = ", ".join(f"{k} {v:.2f}" for k, v in result.seconds.items())
        print(f"audit of {len(names)} images, run {run}: {seconds:.2f} s ({phases})")
    index = {Path(p).name: i for i, p in enumerate(data.paths)}
    at = np.array([index[Path(result.rows[r].path).name] for r in result.prob_rows])
    wrong = (given != true)[at]
    labels = np.array([result.classes.index(CLASSES[g]) for g in given[at]])
    probs = result.probs
    ours = np.argsort(-confident.suspect_scores(labels, probs), kind="stable")
    print(f"flipped {int(wrong.sum())} of {len(wrong)} labels; precision@k: ours {precision_at_k(ours, wrong):.3f}")
    mask = confident.label_issues(labels, probs)
    print(
        f"  issue set (confident joint off-diagonal): {int(mask.sum())} rows, precision {wrong[mask].mean():.3f}, "
        f"recall {wrong[mask].sum() / wrong.sum():.3f}; estimated wrong {result.estimated_wrong}"
    )
    truth = np.array([result.classes.index(CLASSES[t]) for t in true[at]])
    print(f"  out-of-fold accuracy against the true classes: {(probs.argmax(1) == truth).mean():.4f}")
    try:
        import cleanlab.filter
        import cleanlab.rank
    except ImportError:
        print("  cleanlab is not installed: no comparison (pip install cleanlab)")
        return
    for method in ("self_confidence", "normalized_margin", "confidence_weighted_entropy"):
        quality = cleanlab.rank.get_label_quality_scores(labels, probs, method=method)
        order = np.argsort(quality, kind="stable")
        print(f"  cleanlab {method}: precision@k {precision_at_k(order, wrong):.3f}")
    theirs = cleanlab.filter.find_label_issues(labels, probs, filter_by="confident_learning")
    print(
        f"  cleanlab confident_learning issue set: {int(theirs.sum())} rows, identical to ours: "
        f"{bool((theirs == mask).all())}"
    )
    default = cleanlab.filter.find_label_issues(labels, probs)
    print(
        f"  cleanlab default (prune_by_noise_rate): {int(default.sum())} rows, precision "
        f"{wrong[default].mean():.3f}, recall {wrong[default].sum() / wrong.sum():.3f}"
    )


def copy_of(image: Image.Image, kind: str) -> bytes:
    """Return the encoded bytes of a planted copy of ``image``."""
    out = io.BytesIO()
    w, h = image.size
    if kind == "jpeg70":
        image.save(out, "JPEG", quality=70)
    elif kind == "resized90":
        image.resize((round(w * 0.9), round(h * 0.9)), Image.Resampling.BICUBIC).save(out, "PNG")
    elif kind == "resized90+jpeg70":
        image.resize((round(w * 0.9), round(h * 0.9)), Image.Resampling.BICUBIC).save(out, "JPEG", quality=70)
    elif kind == "cropped1px":
        image.crop((1, 1, w - 1, h - 1)).save(out, "PNG")
    return out.getvalue()


KINDS = ("renamed", "jpeg70", "resized90", "resized90+jpeg70")


def bench_duplicates(args: argparse.Namespace, loaded, settings: AuditSettings) -> None:
    images, true = load_split("test")
    images, true = images[: args.images], true[: args.images]
    folder = args.work / "dups"
    shutil.rmtree(folder, ignore_errors=True)
    names = write_images(folder, images)
    rng = np.random.default_rng(1)
    chosen = rng.choice(len(names), args.copies + args.copies // 4, replace=False)
    planted: dict[str, tuple[str, str]] = {}
    rows = [(n, CLASSES[t]) for n, t in zip(names, true, strict=True)]
    for n, i in enumerate(chosen):
        kind = KINDS[n % len(KINDS)] if n < args.copies else "cropped1px"
        name = f"copy{n:04d}" + (".jpg" if "jpeg" in kind else ".png")
        if kind == "renamed":
            shutil.copy(folder / names[i], folder / name)
        else:
            (folder / name).write_bytes(copy_of(Image.fromarray(images[i]), kind))
        planted[name] = (names[i], kind)
        rows.append((name, CLASSES[true[i]]))
    foreign = sorted(DIGITS.glob("*/*.png"))[:20]
    for n, f in enumerate(foreign):
        shutil.copy(f, folder / f"foreign{n:02d}.png")
        rows.append((f"foreign{n:02d}.png", CLASSES[n % 10]))
    noise = np.random.default_rng(2).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    for n, a in enumerate(noise):
        Image.fromarray(a).save(folder / f"noise{n:02d}.png")
        rows.append((f"noise{n:02d}.png", CLASSES[n % 10]))
    (args.work / "dups.csv").write_text("path,label\n" + "".join(f"{a},{b}\n" for a, b in rows))
    result = audit(read_audit_set(folder, labels=args.work / "dups.csv"), loaded, settings)
    group = {Path(r.path).name: r.group for r in result.rows}
    for kinds in (KINDS, ("cropped1px",)):
        found = [group[c] > 0 and group[c] == group[o] for c, (o, k) in planted.items() if k in kinds]
        print(f"planted copies ({', '.join(kinds)}): recall {np.mean(found):.3f} ({sum(found)} of {len(found)})")
        for kind in kinds:
            hits = [group[c] > 0 and group[c] == group[o] for c, (o, k) in planted.items() if k == kind]
            print(f"    {kind}: {sum(hits)} of {len(hits)}")
    members: dict[int, set[str]] = {}
    for name, g in group.items():
        if g:
            members.setdefault(g, set()).add(name)
    true_groups = {g for g, m in members.items() if any(c in m and planted[c][0] in m for c in planted)}
    false = [m for g, m in members.items() if g not in true_groups]
    identical = sum(
        1 for m in false if len({np.asarray(Image.open(folder / x)).tobytes() for x in m if x.endswith(".png")}) == 1
    )
    print(
        f"reported groups {len(members)}: {len(false)} without a planted pair ({len(false) / len(members):.1%}; "
        f"of them {identical} hold pixel-identical Fashion-MNIST images)"
    )
    flagged = {Path(r.path).name for r in result.rows if r.issue == "outlier" or "unlike the rest" in r.reason}
    odd = [n for n in flagged if n.startswith(("foreign", "noise"))]
    print(
        f"outliers: {len(odd)} of 40 foreign images flagged (digits {sum(n.startswith('foreign') for n in odd)}/20, "
        f"noise {sum(n.startswith('noise') for n in odd)}/20); {len(flagged) - len(odd)} of the others flagged"
    )
    odd_of = {Path(r.path).name: r.oddness for r in result.rows}
    for what, prefix in (("Fashion-MNIST", ""), ("digits", "foreign"), ("noise", "noise")):
        scores = [v for n, v in odd_of.items() if (n.startswith(prefix) if prefix else n[0].isdigit())]
        print(f"    oddness of {what}: percentiles 0/50/99/100 {np.percentile(scores, [0, 50, 99, 100]).round(3)}")
    print(result.summary())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "coatnet-bench-audit")
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--flip", type=float, default=0.1)
    parser.add_argument("--copies", type=int, default=300)
    parser.add_argument("--skip-labels", action="store_true")
    args = parser.parse_args(argv)
    import torch

    print(f"CPU: {cpu_name()}; torch threads {torch.get_num_threads()}; load average {os.getloadavg()[0]:.1f}")
    loaded = load_model("bundled")
    settings = AuditSettings(device="cpu", cache_dir=args.work / "cache")
    if not args.skip_labels:
        bench_labels(args, loaded, settings)
    bench_duplicates(args, loaded, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
