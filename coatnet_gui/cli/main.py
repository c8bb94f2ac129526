"""Headless commands: ``coatnet-gui classify IMAGE...`` (and the batch commands registered beside it).

Imports no Qt, so it works on machines without a display. Exit status: 0 when every image was classified,
1 when some failed (each failure is one ``path: error: reason`` line on stderr), 2 on usage or model errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from coatnet_gui.cli.common import EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, add_model_arguments, describe, open_classifier
from coatnet_gui.cli.label import BATCH_COMMANDS, add_batch_commands
from model.runtime.inference import Prediction
from model.weights.loading import WeightsError


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
