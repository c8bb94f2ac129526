"""Headless audit: ``coatnet-gui audit SRC [--model BASE] [--out audit.csv] [--labels TABLE] [--folds K]
[--keep-one DEST]``.

``SRC`` is a folder of class folders (perhaps inside train/test split folders), a CSV/JSONL table that ``label``
wrote (its ``corrected`` column wins), a folder labelled by such a table (``--labels``: relative paths start at
the folder, wherever the table lies), or a plain folder of images (duplicates and outliers only). One row per
image goes to ``--out``, most suspect first; progress and notes go to stderr, the one-line summary to stdout.
Nothing under ``SRC`` is written, unless ``--keep-one DEST``: then, after the audit, every duplicate group keeps
one file (:mod:`model.audit.keep_one` says which) and the others move into DEST at their relative paths, with a
signed manifest there that ``coatnet-gui undo-sort MANIFEST`` undoes. Exit status: 0 audited, 1 audited but
some files were unreadable or missing (error rows) or could not be moved, 2 usage, input or model errors, 130
interrupted.

The parser imports no torch, numpy or Pillow; the audit's modules are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, TextIO

from coatnet_gui.cli import common as cli_common

if TYPE_CHECKING:
    from pathlib import Path

    from model.audit.report import AuditResult
    from model.audit.run import AuditProgress

AUDIT_COMMANDS = ("audit",)
EXIT_INTERRUPTED = 130
DEFAULT_OUT = "audit.csv"
_SHOW_ERRORS = 10
_PHASES = {
    "hashes": "reading files",
    "features": "features",
    "labels": "out-of-fold heads",
    "duplicates": "duplicates",
    "outliers": "outliers",
}


class AuditBar:
    """Draws audit progress on ``stream``: ``features 1200/5000``, redrawn in place on a terminal, a new line
    per phase (and at most every 10 s) otherwise."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.phase = ""
        self.last = 0.0

    def __call__(self, p: AuditProgress) -> None:
        """Take one :class:`~model.audit.run.AuditProgress`."""
        now = time.monotonic()
        new = p.phase != self.phase
        if new and self.phase and self.tty:
            self.stream.write("\n")
        self.phase = p.phase
        if new or p.done >= p.total or now - self.last >= (0.2 if self.tty else 10.0):
            self.last = now
            line = f"{_PHASES.get(p.phase, p.phase)} {p.done}/{p.total}"
            self.stream.write(("\r" if self.tty else "") + line + ("" if self.tty else "\n"))
            self.stream.flush()

    def finish(self) -> None:
        """End the current line."""
        if self.tty and self.phase:
            self.stream.write("\n")
            self.stream.flush()


def audit_command(args: argparse.Namespace) -> int:
    """Run ``audit``; return the exit status."""
    from model.audit import AuditError, AuditSettings, audit, read_audit_set, write_audit
    from model.audit.keep_one import KeepOneError, check_dest
    from model.batch.export import export_format
    from model.weights.layout import WeightsError

    try:
        export_format(args.out)
    except ValueError as exc:
        return cli_common.usage_error(f"--out: {exc}")
    if args.folds < 2:
        return cli_common.usage_error("--folds must be at least 2")
    bar = AuditBar()
    try:
        data = read_audit_set(args.src, args.labels, args.held_out)
        if args.keep_one is not None:
            check_dest(args.keep_one, data.root)  # refused before the audit, not after it
        classes = f"{len(data.classes)} classes" if data.classes else "no labels"
        print(f"{len(data.paths)} images, {classes}; base {args.model}", file=sys.stderr)
        settings = AuditSettings(folds=args.folds, seed=args.seed, device=args.device)
        result = audit(data, args.model, settings, on_progress=bar)
        write_audit(result, args.out, data.root)
    except KeepOneError as exc:
        return cli_common.usage_error(f"--keep-one: {exc}")
    except (AuditError, WeightsError, ValueError) as exc:
        bar.finish()
        return cli_common.usage_error(str(exc))
    except OSError as exc:
        bar.finish()
        return cli_common.usage_error(f"cannot write {args.out}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        bar.finish()
        print(f"interrupted; nothing was written to {args.out} (computed features are kept)", file=sys.stderr)
        return EXIT_INTERRUPTED
    bar.finish()
    errors = [r for r in result.rows if r.issue == "error"]
    for row in errors[:_SHOW_ERRORS]:
        cli_common.report_failure(row.path, row.reason)
    if len(errors) > _SHOW_ERRORS:
        print(f"... and {len(errors) - _SHOW_ERRORS} more (issue 'error' in {args.out})", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{result.summary()}; wrote {args.out}")
    if args.keep_one is not None:
        failed = _keep_one(result, data.root, args.keep_one)
        if failed is None:
            return cli_common.EXIT_USAGE
        errors += failed
    return cli_common.EXIT_SOME_FAILED if errors else cli_common.EXIT_OK


def _keep_one(result: AuditResult, root: Path, dest: str) -> list[tuple[Path, str]] | None:
    """Keep one file per duplicate group of ``result`` and move the others into ``dest``; print what was done
    and the manifest; return the failures (None when ``dest`` was refused, said on stderr)."""
    from model.audit.keep_one import KeepOneError, keep_one, plan_keep_one

    plan = plan_keep_one(result, root)
    try:
        outcome = keep_one(plan, root, dest)
    except KeepOneError as exc:
        cli_common.usage_error(f"--keep-one: {exc}")
        return None
    for path, reason in outcome.failed[:_SHOW_ERRORS]:
        cli_common.report_failure(str(path), reason)
    line = f"keep one: {outcome.summary()}"
    if outcome.manifest is not None:
        line += f"; manifest: {outcome.manifest}; undo with: coatnet-gui undo-sort '{outcome.manifest}'"
    print(line)
    return outcome.failed


def add_audit_command(sub: argparse._SubParsersAction) -> None:
    """Register ``audit`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    audit = cli_common.add_command(sub, "audit", "find likely wrong labels, duplicates, leaks and outliers")
    audit.add_argument(
        "src",
        help="a folder of class folders (train/test split folders allowed), a CSV/JSONL from `label`, or a folder "
        "labelled by --labels",
    )
    audit.add_argument(
        "--labels",
        metavar="TABLE",
        help="a CSV/JSONL from `label` labelling SRC (its paths start at SRC, wherever the table was written; "
        "its 'corrected' column wins)",
    )
    audit.add_argument(
        "--held-out", metavar="DIR", help="a held-out folder of class folders: its copies in SRC are leaks"
    )
    audit.add_argument("--out", default=DEFAULT_OUT, help="the audit, .csv or .jsonl (default: %(default)s)")
    audit.add_argument(
        "--model", default="bundled", help="the base whose features are used: 'bundled' (default), a tag or a file"
    )
    audit.add_argument(
        "--keep-one",
        metavar="DEST",
        help="after the audit, keep one file per duplicate group and move the others into DEST (outside SRC), "
        "keeping their relative paths; undo with undo-sort and the manifest it prints",
    )
    audit.add_argument("--folds", type=int, default=5, help="folds of the out-of-fold heads (default: %(default)s)")
    audit.add_argument("--seed", type=int, default=0, help="seed of the folds and the heads (default: %(default)s)")
    cli_common.add_device_argument(audit, "the base runs")
    audit.set_defaults(run=audit_command)
