"""Headless commands: ``coatnet-gui classify IMAGE...`` (and the batch commands registered beside it).

A video file among the images gives one prediction per sampled frame (``--every N`` / ``--fps F``, default
:data:`model.video.files.DEFAULT_FPS`), named ``VIDEO#t=SECONDS``; ``--json`` adds ``frame`` and ``time``.

Imports no Qt, so it works on machines without a display, and no torch until a command runs, so that ``--help``
and ``--version`` answer at once. Exit status: 0 when every image was classified,
1 when some failed (each failure is one ``path: error: reason`` line on stderr), 2 on usage or model errors.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from coatnet_gui.cli.audit import AUDIT_COMMANDS, add_audit_command
from coatnet_gui.cli.common import (
    COLUMN,
    EXIT_OK,
    EXIT_SOME_FAILED,
    add_command,
    add_model_arguments,
    add_runtime_argument,
    add_topk_argument,
    describe,
    open_classifier,
    raw_formatter,
    report_failure,
    usage_error,
    version,
)
from coatnet_gui.cli.explain import EXPLAIN_COMMANDS, add_explain_command
from coatnet_gui.cli.export import EXPORT_COMMANDS, add_export_command
from coatnet_gui.cli.label import BATCH_COMMANDS, add_batch_commands, add_sampling_arguments
from coatnet_gui.cli.train import TRAIN_COMMANDS, add_train_command

if TYPE_CHECKING:
    from collections.abc import Iterator

    from model.runtime.predictor import Prediction, Predictor
    from model.video.files import Sampling


def format_prediction(pred: Prediction) -> str:
    """Return a prediction as text: the path, then one ``  97.1%  label`` line per class."""
    from model.runtime.predictor import top_k_lines

    lines = [f"{pred.path}  ({pred.seconds * 1000:.0f} ms)"]
    lines += [f"  {line}" for line in top_k_lines(pred.labels, pred.probs)]
    return "\n".join(lines)


def _predictions(clf: Predictor, paths: list[str], sampling: Sampling, k: int) -> Iterator[tuple[Prediction, dict]]:
    """Yield each path's prediction in order with no extra fields, or per sampled frame of a video file its
    prediction and ``frame``/``time`` (:func:`model.batch.videos.classify_video`)."""
    from model.video.files import is_video

    for path in paths:
        if is_video(path):
            from model.batch.videos import classify_video

            yield from classify_video(clf, path, sampling, k)
        else:
            yield from ((pred, {}) for pred in clf.classify_files([path], k=k))


def classify_command(args: argparse.Namespace) -> int:
    """Run ``classify``; return the exit status."""
    from model.video.files import Sampling
    from model.weights.layout import WeightsError  # torch: imported by the command, not by the parser

    try:
        sampling = Sampling(args.every, args.fps)
    except ValueError as exc:
        return usage_error(str(exc))
    try:
        clf = open_classifier(args, batch_sizes=(1,))
    except WeightsError as exc:
        return usage_error(str(exc))
    if not args.json:
        print(describe(clf))
    failed = 0
    for pred, fields in _predictions(clf, args.images, sampling, args.topk):
        if pred.error:
            failed += 1
            report_failure(pred.path, pred.error)
        if args.json:
            print(json.dumps({**pred.as_json(), **fields}, ensure_ascii=False), flush=True)
        elif not pred.error:
            print(format_prediction(pred), flush=True)
    return EXIT_SOME_FAILED if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``coatnet-gui``'s headless commands and of its ``--help`` and ``--version``."""
    parser = argparse.ArgumentParser(
        prog="coatnet-gui",
        usage=(
            "coatnet-gui [FILE|FOLDER ...]\n       coatnet-gui COMMAND [OPTIONS]\n"
            "       coatnet-gui --self-test [DIR]\n       coatnet-gui --install-desktop-entry | --remove-desktop-entry"
        ),
        epilog="`coatnet-gui COMMAND --help` lists the options of a command.",
        formatter_class=raw_formatter,
    )
    about = f"coatnet-gui {version()}"
    parser.add_argument("--version", action="version", version=about, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, prog="coatnet-gui", help=argparse.SUPPRESS)
    classify = add_command(sub, "classify", "print the top-k classes of each image")
    classify.add_argument("images", nargs="+", help="image or video files")
    add_topk_argument(classify, "to print per image")
    classify.add_argument("--json", action="store_true", help="one JSON object per image (or frame) and line")
    add_sampling_arguments(classify, "prediction")
    add_model_arguments(classify)
    add_runtime_argument(classify)
    classify.set_defaults(run=classify_command)
    add_batch_commands(sub)
    add_train_command(sub)
    add_audit_command(sub)
    add_export_command(sub)
    add_explain_command(sub)
    commands = "\n".join(f"  {name:<{COLUMN}}{command.description}" for name, command in sub.choices.items())
    parser.description = f"""CoAtNet Lens: see what a CoAtNet image classifier computes.

window:
  {"[FILE|FOLDER ...]":<{COLUMN}}Open the window with these images, and the first folder in the Batch tab.
  {"":<{COLUMN}}Without a display, classify the files and label the folders in the terminal.
  {"--self-test [DIR]":<{COLUMN}}Check this install or bundle offscreen, writing its pictures to DIR.
  --install-desktop-entry | --remove-desktop-entry
  {"":<{COLUMN}}Linux: add CoAtNet Lens to the menus and to "Open with" for images and folders, or take it away.

commands (in the terminal; no window, no Qt):
{commands}"""
    return parser


COMMANDS = ("classify", *BATCH_COMMANDS, *TRAIN_COMMANDS, *AUDIT_COMMANDS, *EXPORT_COMMANDS, *EXPLAIN_COMMANDS)
INFO_FLAGS = ("-h", "--help", "--version")


def main(argv: list[str]) -> int:
    """Parse ``argv`` (a command name and its arguments, or one of :data:`INFO_FLAGS`) and run it; return the
    exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors and 0 for --help
        return int(exc.code or 0)
    if getattr(args, "topk", 1) < 1:
        return usage_error("--topk must be at least 1")
    return args.run(args)
