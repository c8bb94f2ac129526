"""Headless batch commands: ``coatnet-gui label DIR ...`` and ``coatnet-gui undo-sort MANIFEST``.

``label`` writes its results to ``--out`` (CSV or JSON Lines by suffix; default ``DIR/coatnet-labels.csv``)
through a journal ``<out>.journal`` that is deleted once the output is complete: a run that was killed or
interrupted continues with ``--resume``. Progress (images/s, ETA) goes to stderr, the summary to stdout.
Exit status as for ``classify``: 0 all labelled, 1 some failed (error rows), 2 usage/model errors,
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from coatnet_gui.cli import common as cli_common
from model.batch.export import export_format, write_export
from model.batch.journal import JournalError, read_records
from model.batch.pipeline import BatchProgress, BatchSettings, format_seconds, label_folder, open_journal
from model.batch.scan import count_images
from model.batch.sort import apply_sort, folder_names, plan_sort, undo_sort
from model.weights.loading import WeightsError

BATCH_COMMANDS = ("label", "undo-sort")
DEFAULT_OUT = "coatnet-labels.csv"
EXIT_INTERRUPTED = 130
_SHOW_FAILURES = 10


def progress_line(p: BatchProgress, width: int = 24) -> str:
    """Return one line for the terminal: bar, counts, percentage, images/s, ETA and failures."""
    frac = p.done / p.total if p.total else 1.0
    fill = int(frac * width)
    eta = format_seconds(p.eta) if p.eta is not None else "--:--"
    failed = f"  {p.failed} failed" if p.failed else ""
    bar = "#" * fill + "." * (width - fill)
    return f"[{bar}] {p.done}/{p.total} {frac:4.0%}  {p.rate:6.1f} img/s  ETA {eta}{failed}"


class TerminalProgress:
    """Draws :func:`progress_line` on ``stream``: redrawn in place at most 5 times a second on a terminal,
    a new line every 10 s otherwise."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.progress = BatchProgress()

    def update(self, records: list[dict], progress: BatchProgress) -> None:
        """Take one chunk's records and the progress (the callback of :func:`label_folder`)."""
        self.progress = progress
        now = time.monotonic()
        if now - self.last >= (0.2 if self.tty else 10.0):
            self.last = now
            self.stream.write(("\r" if self.tty else "") + progress_line(progress) + ("" if self.tty else "\n"))
            self.stream.flush()

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self.stream.write(("\r" if self.tty else "") + progress_line(self.progress) + "\n")
        self.stream.flush()


def reporting_failures(records: Iterable[dict], stream: TextIO = sys.stderr) -> Iterator[dict]:
    """Yield ``records`` unchanged, writing one ``path: error: reason`` line for each of the first failed ones
    (this run's and an earlier one's alike) and at the end how many more there were."""
    shown = more = 0
    for record in records:
        if record["error"]:
            if shown < _SHOW_FAILURES:
                cli_common.report_failure(record["path"], record["error"], stream)
                shown += 1
            else:
                more += 1
        yield record
    if more:
        stream.write(f"... and {more} more failures (see the error column)\n")
    stream.flush()


def _sort(args: argparse.Namespace, journal_path: Path, label_names: list[str]) -> None:
    """Sort the labelled files into class folders under ``--sort-into`` (or print the plan with --dry-run)."""
    steps = plan_sort(
        read_records(journal_path), args.dir, args.sort_into, folder_names(label_names), args.uncertain_below
    )
    verb, done = ("move", "moved") if args.move else ("copy", "copied")
    if args.dry_run:
        n = 0
        for step in steps:
            n += 1
            print(f"would {verb} {step.src} -> {step.dst}")
        print(f"dry run: {n} files would be {done}; nothing changed")
        return
    result = apply_sort(steps, args.sort_into, move=args.move)
    for src, reason in result.failed:
        cli_common.report_failure(src, reason)
    print(f"sorted {result.done} files into {args.sort_into} ({verb}), {len(result.failed)} failed")
    print(f"manifest: {result.manifest}; undo with: coatnet-gui undo-sort '{result.manifest}'")


def label_command(args: argparse.Namespace) -> int:
    """Run ``label``; return the exit status."""
    root = Path(args.dir)
    if not root.is_dir():
        return cli_common.usage_error(f"{root} is not a folder")
    out = Path(args.out) if args.out else root / DEFAULT_OUT
    try:
        export_format(out)
    except ValueError as exc:
        return cli_common.usage_error(str(exc))
    if args.batch_size < 0 or args.workers < 0:
        return cli_common.usage_error("--batch-size and --workers must be 0 (automatic) or more")
    if args.move and not args.sort_into:
        return cli_common.usage_error("--move needs --sort-into DEST")
    if args.uncertain_below is not None and not (args.sort_into and 0 <= args.uncertain_below <= 1):
        return cli_common.usage_error("--uncertain-below needs --sort-into DEST and a probability from 0 to 1")
    if args.dry_run and not args.sort_into:
        n = count_images(root, args.recursive)
        print(f"dry run: would label {n} images in {root} and write {out}")
        return cli_common.EXIT_OK
    try:
        clf = cli_common.open_classifier(args)
    except WeightsError as exc:
        return cli_common.usage_error(str(exc))
    print(cli_common.describe(clf), file=sys.stderr)
    settings = BatchSettings(args.recursive, args.topk, args.batch_size, args.workers)
    journal_path = out.with_name(out.name + ".journal")
    try:
        journal = open_journal(journal_path, clf, root, settings, resume=args.resume)
    except JournalError as exc:
        return cli_common.usage_error(str(exc))
    if args.resume:
        print(
            f"resuming: {len(journal.done)} images already done"
            if journal.resumed
            else f"no journal at {journal_path}; starting from the beginning",
            file=sys.stderr,
        )
    bar = TerminalProgress()
    try:
        with journal:
            progress = label_folder(clf, root, journal, settings, on_chunk=bar.update)
    except KeyboardInterrupt:
        bar.finish()
        print(
            f"interrupted; {bar.progress.done} done are kept in {journal_path}: rerun with --resume to go on",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    bar.finish()
    counts = write_export(reporting_failures(read_records(journal_path)), out)
    earlier = f" ({progress.resumed} by the earlier run)" if progress.resumed else ""
    print(
        f"labelled {counts.labelled}, failed {counts.failed}{earlier}, {format_seconds(progress.seconds)} "
        f"({progress.rate:.1f} images/s) -> {out}"
    )
    if args.sort_into:
        _sort(args, journal_path, clf.label_names)
    journal_path.unlink()
    return cli_common.EXIT_SOME_FAILED if counts.failed else cli_common.EXIT_OK


def undo_sort_command(args: argparse.Namespace) -> int:
    """Run ``undo-sort``; return the exit status."""
    try:
        result = undo_sort(args.manifest)
    except (OSError, ValueError) as exc:
        return cli_common.usage_error(str(exc))
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(f"restored {result.restored} files, {len(result.problems)} left as they are")
    return cli_common.EXIT_SOME_FAILED if result.problems else cli_common.EXIT_OK


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``label`` and ``undo-sort`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    label = cli_common.add_command(sub, "label", "label every image of a folder; write CSV or JSON Lines")
    label.add_argument("dir", help="the folder of images")
    label.add_argument("-r", "--recursive", action="store_true", help="include sub-folders")
    label.add_argument("--out", help=f"results file, .csv or .jsonl (default: DIR/{DEFAULT_OUT})")
    cli_common.add_topk_argument(label, "to keep per image, in the results file")
    label.add_argument("--batch-size", type=int, default=0, help="images per model call (default: by input size)")
    label.add_argument("--workers", type=int, default=0, help="decode threads (default: one per CPU core)")
    label.add_argument("--resume", action="store_true", help="continue an interrupted run from its journal")
    label.add_argument("--sort-into", metavar="DEST", help="then copy (or --move) each image into DEST/<class>/")
    label.add_argument(
        "--uncertain-below",
        type=float,
        metavar="P",
        help="with --sort-into: images whose top-1 probability is below P (0-1) go to DEST/uncertain/ instead",
    )
    mode = label.add_mutually_exclusive_group()
    mode.add_argument("--copy", action="store_true", help="with --sort-into: copy (the default)")
    mode.add_argument("--move", action="store_true", help="with --sort-into: move (undo with undo-sort)")
    label.add_argument(
        "--dry-run",
        action="store_true",
        help="with --sort-into, print the plan and copy/move nothing; without, only count images",
    )
    cli_common.add_model_arguments(label)
    label.set_defaults(run=label_command)
    undo = cli_common.add_command(sub, "undo-sort", "undo a --sort-into run from its manifest")
    undo.add_argument("manifest", help="the coatnet-sort-*.jsonl file that the sort wrote into DEST")
    undo.set_defaults(run=undo_sort_command)
