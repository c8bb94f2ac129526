"""Headless commands: ``coatnet-gui classify IMAGE...`` (and the batch commands registered beside it).

Imports no Qt, so it works on machines without a display. Exit status: 0 when every image was classified,
1 when some failed (each failure is one ``path: error: reason`` line on stderr), 2 on usage or model errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from model.device import DEVICE_CHOICES
from model.inference import Classifier, Prediction
from model.weights import WeightsError, load_model

from .batch_cli import BATCH_COMMANDS, add_batch_commands

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--model`` and ``--device`` (shared by every command that runs the network)."""
    parser.add_argument(
        "--model",
        default="bundled",
        help="'bundled' (default), a public tag such as coatnet_0_rw_224.sw_in1k, or a checkpoint file/folder",
    )
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")


def download_progress(stream=sys.stderr) -> Callable[[int, int], None]:
    """Return a progress callback that draws ``downloading 12.3/85.0 MB`` on ``stream`` (a terminal line)."""

    def report(done: int, total: int) -> None:
        if total:
            stream.write(f"\rdownloading {done / 1e6:.1f}/{total / 1e6:.1f} MB")
            if done >= total:
                stream.write("\n")
            stream.flush()

    return report


def open_classifier(args: argparse.Namespace) -> Classifier:
    """Return a :class:`Classifier` for ``--model``/``--device``; raises WeightsError when it cannot load."""
    return Classifier(load_model(args.model, progress=download_progress()), device=args.device)


def describe(clf: Classifier) -> str:
    """Return the one-line description of the active model: name, label set, device and precision."""
    p = clf.placement
    line = f"model: {clf.info.name} | labels: {clf.info.label_set} | device: {p.device} ({p.precision})"
    return line + (f"\nnote: {p.note}" if p.note else "")


def format_prediction(pred: Prediction) -> str:
    """Return a prediction as text: the path, then one ``  97.1%  label`` line per class."""
    lines = [f"{pred.path}  ({pred.seconds * 1000:.0f} ms)"]
    lines += [f"  {p * 100:5.1f}%  {label}" for label, p in zip(pred.labels, pred.probs, strict=True)]
    return "\n".join(lines)


def classify_command(args: argparse.Namespace) -> int:
    """Run ``classify``; return the exit status."""
    try:
        clf = open_classifier(args)
    except WeightsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.json:
        print(describe(clf))
    failed = 0
    for pred in clf.classify_files(args.images, k=args.topk):
        if pred.error:
            failed += 1
            print(f"{pred.path}: error: {pred.error}", file=sys.stderr)
        if args.json:
            print(json.dumps(pred.as_json(), ensure_ascii=False), flush=True)
        elif not pred.error:
            print(format_prediction(pred), flush=True)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the headless commands."""
    parser = argparse.ArgumentParser(prog="coatnet-gui", description="CoAtNet Lens, headless commands")
    sub = parser.add_subparsers(dest="command", required=True)
    classify = sub.add_parser("classify", help="print the top-k classes of each image")
    classify.add_argument("images", nargs="+", help="image files")
    classify.add_argument("--topk", type=int, default=5)
    classify.add_argument("--json", action="store_true", help="one JSON object per image and line")
    add_model_arguments(classify)
    classify.set_defaults(run=classify_command)
    add_batch_commands(sub)
    return parser


COMMANDS = ("classify", *BATCH_COMMANDS)


def main(argv: list[str]) -> int:
    """Parse ``argv`` (starting with the command name) and run it; return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help
        return int(exc.code or 0)
    if getattr(args, "topk", 1) < 1:
        print("error: --topk must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    return args.run(args)
