"""What every headless command shares: exit statuses, the model/device arguments, opening the classifier.

Imports no Qt.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from model.runtime.device import DEVICE_CHOICES
from model.runtime.inference import Classifier
from model.weights.loading import load_model

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
