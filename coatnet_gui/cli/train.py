"""Headless teaching: ``coatnet-gui train SRC --model BASE --out my-model.safetensors``.

``SRC`` is a folder with one sub-folder of images per class, or a CSV / JSON Lines table that ``label`` wrote
(its ``path,label`` columns, corrected by hand). Progress goes to stderr, the summary to stdout. Exit status:
0 taught, 1 taught but some images were left out (each one ``path: error: reason`` on stderr), 2 usage, input
or model errors, 130 interrupted (a killed or interrupted run continues with ``--resume``). The first Ctrl-C
cancels the run at its next step (between batches or epochs, through a :class:`~model.cancel.CancelToken`); a
second one stops it at once.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from coatnet_gui.cli import common as cli_common

if TYPE_CHECKING:
    from model.cancel import CancelToken
    from model.teach import LabelledSet, TeachProgress

TRAIN_COMMANDS = ("train",)
EXIT_INTERRUPTED = 130
_SHOW_SKIPPED = 10
_TABLE_SUFFIXES = (".csv", ".jsonl")


class TrainProgress:
    """Draws teaching progress on ``stream``: the features bar with images/s, then one line per epoch (loss,
    held-out accuracy); redrawn in place on a terminal, a new line at most every 10 s otherwise."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.started = time.monotonic()
        self.phase = ""
        self.epoch = 0

    def __call__(self, p: TeachProgress) -> None:
        """Take one :class:`TeachProgress`."""
        if p.phase != self.phase:
            if self.phase and self.tty:
                self.stream.write("\n")
            self.phase, self.started, self.last = p.phase, time.monotonic(), 0.0
        if p.phase == "train":
            self.epoch = p.done
        now = time.monotonic()
        final = p.done >= p.total
        if final or now - self.last >= (0.2 if self.tty else 10.0):
            self.last = now
            self.stream.write(
                ("\r" if self.tty else "") + self.line(p, now - self.started) + ("" if self.tty else "\n")
            )
            self.stream.flush()

    @staticmethod
    def line(p: TeachProgress, seconds: float) -> str:
        """Return the progress line of ``p`` after ``seconds`` in its phase."""
        if p.phase == "features":
            rate = p.done / seconds if seconds > 0 else 0.0
            return f"features {p.done}/{p.total}  {rate:6.1f} img/s"
        if p.phase == "train" and p.done == 0:
            return "choosing where the head reads the base (held-out accuracy of each candidate)"
        if p.phase == "train":
            acc = f"  held-out accuracy {p.val_accuracy:.3f}" if p.val_accuracy is not None else ""
            loss = f"  loss {p.loss:.4f}" if p.loss is not None else ""
            return f"epoch {p.done}/{p.total}{loss}{acc}"
        return "evaluating and writing" if p.done < p.total else "written"

    def finish(self) -> None:
        """End the current line."""
        if self.tty and self.phase:
            self.stream.write("\n")
            self.stream.flush()


def _read_source(src: Path) -> LabelledSet:
    """Return the labelled set of a class-folder tree or a CSV/JSONL table."""
    from model.teach import TeachError, labelled_from_folder, labelled_from_table

    if src.is_file() and src.suffix.lower() in _TABLE_SUFFIXES:
        return labelled_from_table(src)
    if src.is_file():
        raise TeachError(f"{src} is neither a folder of class folders nor a .csv/.jsonl table.")
    return labelled_from_folder(src)


@contextmanager
def cancel_on_ctrl_c(token: CancelToken) -> Iterator[None]:
    """Within the block, the first Ctrl-C (SIGINT) cancels ``token`` and the next one raises KeyboardInterrupt
    as usual; outside the main thread, where Python cannot take signals, Ctrl-C keeps its usual meaning."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(_signum: int, _frame: object) -> None:
        token.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    before = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def train_command(args: argparse.Namespace) -> int:
    """Run ``train``; return the exit status."""
    from model.cancel import Cancelled, CancelToken
    from model.teach import TeachError, TeachSettings, teach  # only this command needs the teaching code
    from model.teach.dataset import with_class_order
    from model.teach.resume import resume_path
    from model.weights.labels import read_class_map
    from model.weights.layout import WeightsError

    settings = TeachSettings(
        mode=args.mode,
        epochs=args.epochs,
        val_split=args.val_split,
        seed=args.seed,
        device=args.device,
        force=args.force,
        resume=args.resume,
        features=args.features,
    )
    bar = TrainProgress()
    token = CancelToken()
    try:
        data = _read_source(Path(args.src).expanduser())
        if args.labels:
            data = with_class_order(data, read_class_map(Path(args.labels), len(data.classes)))
        print(f"{len(data.paths)} images in {len(data.classes)} classes; base {args.model}", file=sys.stderr)
        if args.resume and not resume_path(Path(args.out).expanduser().absolute()).is_file():
            print("no saved run to resume; training from the start (computed features are reused)", file=sys.stderr)
        with cancel_on_ctrl_c(token):
            result = teach(args.model, data, args.out, settings, on_progress=bar, cancel=token)
    except (TeachError, WeightsError) as exc:
        bar.finish()
        return cli_common.usage_error(str(exc))
    except (Cancelled, KeyboardInterrupt):
        bar.finish()
        done = f" after epoch {bar.epoch}" if bar.epoch else ""
        print(f"interrupted{done}; nothing was written to {args.out}: rerun with --resume to go on", file=sys.stderr)
        return EXIT_INTERRUPTED
    bar.finish()
    for path, reason in result.skipped[:_SHOW_SKIPPED]:
        cli_common.report_failure(path, reason)
    if len(result.skipped) > _SHOW_SKIPPED:
        print(f"... and {len(result.skipped) - _SHOW_SKIPPED} more left out", file=sys.stderr)
    print(f"held-out accuracy {result.val_accuracy:.3f} ({result.features})")
    width = max(len(c) for c in result.classes)
    for name, acc in result.per_class_accuracy.items():
        print(f"  {name:<{width}}  {acc:.3f}")
    print(f"wrote {result.checkpoint} and its model card {result.model_card}")
    print(f"use it with: coatnet-gui label DIR --model '{result.checkpoint}'")
    return cli_common.EXIT_SOME_FAILED if result.skipped else cli_common.EXIT_OK


def add_train_command(sub: argparse._SubParsersAction) -> None:
    """Register ``train`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    train = cli_common.add_command(sub, "train", "teach a model your classes from labelled images")
    train.add_argument("src", help="a folder with one sub-folder of images per class, or a CSV/JSONL from `label`")
    train.add_argument(
        "--model", default="bundled", help="the base: 'bundled' (default), a public tag, or a checkpoint file/folder"
    )
    train.add_argument("--out", required=True, help="the new checkpoint, a .safetensors file")
    train.add_argument(
        "--mode",
        choices=("head", "finetune"),
        default="head",
        help="'head' (default): frozen base, cached features, a new linear head; 'finetune': also the last stage",
    )
    train.add_argument("--epochs", type=int, help="training epochs (default: 100 for head, 10 for finetune)")
    train.add_argument("--val-split", type=float, default=0.2, help="held-out fraction per class (default: 0.2)")
    train.add_argument("--seed", type=int, default=0, help="seed of the split and the training order (default: 0)")
    cli_common.add_device_argument(train, "the network runs")
    train.add_argument(
        "--features",
        default="auto",
        help="head mode: where the head reads the base: 'auto' (default: the best held-out accuracy), 'final', "
        "or 'stage2'/'stage3' (that stage's output, 2x2 pooled)",
    )
    train.add_argument("--resume", action="store_true", help="continue a killed or interrupted run")
    train.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    cli_common.add_labels_argument(train, "the new head's classes and their order (each class of SRC once)")
    train.set_defaults(run=train_command)
