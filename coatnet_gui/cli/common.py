"""What every headless command shares: exit statuses, the version, the pieces of the parsers (command, --topk,
--model/--device), opening the classifier.

Imports no Qt, and no torch: the parsers (``--help``, ``--version``) are built from :mod:`model.choices`, and
each command imports the network code when it runs.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from model.choices import DEVICE_CHOICES, RUNTIME_CHOICES, TOP_K

if TYPE_CHECKING:
    from model.runtime.predictor import Predictor

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE = 0, 1, 2
COLUMN, HELP_WIDTH = 20, 100  # where help texts start in --help, and the width it wraps to
DISTRIBUTION = "coatnet-lens"
FROZEN_VERSION = "0.1.0"  # a PyInstaller bundle has no distribution metadata; kept equal to pyproject.toml by a test


def version() -> str:
    """Return the installed version of the ``coatnet-lens`` distribution, or :data:`FROZEN_VERSION` without one."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return FROZEN_VERSION


def usage_error(message: str) -> int:
    """Print ``error: message`` on stderr; return :data:`EXIT_USAGE`."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def report_failure(path: object, reason: str, stream: TextIO | None = None) -> None:
    """Write the one line of a file that failed, ``path: error: reason``, on ``stream`` (default stderr)."""
    (stream or sys.stderr).write(f"{path}: error: {reason}\n")


def add_command(sub: argparse._SubParsersAction, name: str, purpose: str) -> argparse.ArgumentParser:
    """Register command ``name`` on ``sub`` and return its parser; ``purpose`` (one line, no final stop) is its
    line in ``coatnet-gui --help`` and the head of ``coatnet-gui NAME --help``."""
    sentence = purpose[0].upper() + purpose[1:] + "."
    return sub.add_parser(name, help=purpose, description=sentence, formatter_class=formatter)


def formatter(prog: str) -> argparse.HelpFormatter:
    """Return the help formatter of every command: help texts in one column, lines wrapped at :data:`HELP_WIDTH`."""
    return argparse.HelpFormatter(prog, max_help_position=COLUMN + 2, width=HELP_WIDTH)


def raw_formatter(prog: str) -> argparse.HelpFormatter:
    """Return :func:`formatter`'s kind that keeps the description's own lines (for ``coatnet-gui --help``)."""
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=COLUMN + 2, width=HELP_WIDTH)


def add_topk_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--topk`` (how many classes ``what``; default :data:`~model.choices.TOP_K`)."""
    parser.add_argument("--topk", type=int, default=TOP_K, help=f"how many classes {what} (default: %(default)s)")


def add_labels_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--labels FILE`` (class names, one per line: timm's class-map convention); ``what`` says what for."""
    parser.add_argument("--labels", metavar="FILE", help=f"class names, one per line in output order: {what}")


def add_device_argument(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--device`` (auto, cpu, cuda, mps), its help saying where ``what`` (e.g. "the network runs")."""
    parser.add_argument(
        "--device",
        choices=DEVICE_CHOICES,
        default="auto",
        help=f"where {what}: 'auto' (default) is CUDA, else Apple MPS, else the CPU",
    )


def add_runtime_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--runtime`` (auto, torch, compiled, onnxruntime, openvino): what runs the plain forward passes."""
    parser.add_argument(
        "--runtime",
        choices=RUNTIME_CHOICES,
        default="auto",
        help="what runs the network's predictions: 'auto' (default; README, Runtimes), 'torch' (eager), 'compiled' "
        "(torch.compile, cached per model and machine), 'onnxruntime' or 'openvino' (a cached ONNX export); maps "
        "always use the eager network",
    )


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--model``, ``--device`` and ``--labels`` (shared by every command that runs the network)."""
    parser.add_argument(
        "--model",
        default="bundled",
        help="'bundled' (default), a public tag such as coatnet_0_rw_224.sw_in1k, a checkpoint file/folder, or an "
        "exported .onnx file (run through onnxruntime; predictions only, no maps)",
    )
    add_device_argument(parser, "the network runs")
    add_labels_argument(parser, "they name the model's classes (default: the checkpoint's, or class_map.txt beside it)")


def download_progress(stream=sys.stderr) -> Callable[[int, int], None]:
    """Return a progress callback that draws ``downloading 12.3/85.0 MB`` on ``stream`` (a terminal line)."""

    def report(done: int, total: int) -> None:
        if total:
            stream.write(f"\rdownloading {done / 1e6:.1f}/{total / 1e6:.1f} MB")
            if done >= total:
                stream.write("\n")
            stream.flush()

    return report


def open_classifier(args: argparse.Namespace, batch_work: bool = False, batch_sizes: tuple[int, ...] = ()) -> Predictor:
    """Return the classifier for ``--model``/``--device``/``--runtime`` (a PyTorch ``Classifier`` or one of the
    runtimes of ``model.runtime.runtimes``, or an ``OnnxClassifier`` for an .onnx file); ``batch_work`` and
    ``batch_sizes`` tell the automatic runtime choice what it is for. Raises WeightsError when it cannot load
    (``RuntimeUnavailable``, one line, for a runtime that cannot run here)."""
    from model.runtime.runtimes import open_predictor

    clf = open_predictor(
        args.model,
        args.device,
        labels=getattr(args, "labels", None),
        progress=download_progress(),
        runtime=getattr(args, "runtime", None),
        batch_work=batch_work,
        batch_sizes=batch_sizes,
        maps=bool(getattr(args, "maps", None)),
    )
    warn_about_model(clf.info.warnings)
    return clf


def warn_about_model(warnings: list[str], stream: TextIO | None = None) -> None:
    """Print one ``warning:`` line on ``stream`` (stderr) saying what of the checkpoint's own description (class
    names, preprocessing) was unreadable and what is used instead; nothing when all was read."""
    if warnings:
        print("warning: " + " ".join(warnings), file=stream or sys.stderr)


def describe(clf: Predictor) -> str:
    """Return the one-line description of the active model: name, label set, device and precision (and the runtime
    when it is not PyTorch)."""
    p = clf.placement
    names = clf.info.label_set + (f" from {clf.info.label_source}" if clf.info.label_source else "")
    line = f"model: {clf.info.name} | labels: {names} | device: {p.device} ({p.precision}) | runtime: {clf.runtime}"
    return line + (f"\nnote: {p.note}" if p.note else "")
