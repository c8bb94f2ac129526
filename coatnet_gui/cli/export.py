"""Headless ``coatnet-gui export MODEL --out model.onnx [--opset N] [--batch dynamic|N] [--force]``.

Writes the model as one ONNX file plus ``model.onnx.json`` (class names, preprocessing, architecture; the same in
the file's metadata) through :func:`model.export.onnx_export.export_onnx`; ``classify``, ``label`` and the window
open the file with ``--model model.onnx``. Exit status 0 when written, 2 with one ``error:`` line otherwise (nothing
is left behind). The parser imports no torch and no onnx.
"""

from __future__ import annotations

import argparse

from coatnet_gui.cli import common as cli_common
from model.export import onnx_missing

EXPORT_COMMANDS = ("export",)
OPSETS = "17 to 20"  # model.export.onnx_export's MIN_OPSET..MAX_OPSET, kept here so that --help imports no torch


def export_command(args: argparse.Namespace) -> int:
    """Run ``export``; return the exit status."""
    try:
        import onnx  # noqa: F401  (checked first: a missing package is one line, before a model loads)
    except ImportError:
        return cli_common.usage_error(onnx_missing("export", "the onnx package"))
    from model.export.onnx_export import ExportError, export_onnx, parse_batch
    from model.weights.layout import WeightsError
    from model.weights.loading import load_model

    try:
        batch = parse_batch(args.batch)
        if args.model.lower().endswith(".onnx"):
            raise ExportError(f"{args.model} is already an ONNX file; export the checkpoint it came from")
        loaded = load_model(args.model, progress=cli_common.download_progress(), labels=args.labels)
        cli_common.warn_about_model(loaded.warnings)
        by = f"coatnet-lens {cli_common.version()}"
        result = export_onnx(loaded, args.out, opset=args.opset, batch=batch, force=args.force, exported_by=by)
    except (ExportError, WeightsError) as exc:
        return cli_common.usage_error(str(exc))
    info = loaded.info
    print(
        f"exported {info.name} ({info.config_name}, {info.label_set}) -> {result.path} "
        f"({result.size / 1e6:.1f} MB, opset {result.opset}, batch {result.batch}, {result.seconds:.1f} s); "
        f"description: {result.sidecar}"
    )
    return cli_common.EXIT_OK


def add_export_command(sub: argparse._SubParsersAction) -> None:
    """Register ``export`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    export = cli_common.add_command(sub, "export", "export a model to ONNX, with its class names and preprocessing")
    export.add_argument(
        "model",
        help="'bundled', a public tag such as coatnet_0_rw_224.sw_in1k, or a checkpoint file/folder (taught ones too)",
    )
    export.add_argument("--out", required=True, metavar="FILE.onnx", help="the ONNX file to write (and FILE.onnx.json)")
    export.add_argument(
        "--opset", type=int, default=18, metavar="N", help=f"ONNX opset, {OPSETS} (default: %(default)s)"
    )
    export.add_argument(
        "--batch",
        default="dynamic",
        metavar="dynamic|N",
        help="the batch size the file takes: 'dynamic' (default) or a fixed N",
    )
    export.add_argument("--force", action="store_true", help="replace --out (and its .json) when they exist")
    cli_common.add_labels_argument(export, "they name the model's classes in the file")
    export.set_defaults(run=export_command)
